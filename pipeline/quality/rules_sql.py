"""The suites' row rules as DuckDB SQL: derived columns, row conditions, check codes.

Rules that need a parser or a code list are pushed down to DuckDB as *derived columns*
(`<field>__parse`, `<field>__order`, `<field>__release`, `_event_type`...), so GX only compares
short strings. The same suite drives the per-file DQ report: `field_status_sql` turns a field's
expectations into one SQL CASE giving its national check code per row.
"""

from __future__ import annotations

import re

from pipeline.core import contract
from pipeline.core.sql import literal
from pipeline.quality.codes import CODED_FIELDS, code_key, code_key_sql, code_table, r2_values
from pipeline.quality.suites import Suite

LA_CODE_RE = r"^E(06|07|08|09|10)[0-9]{6}$"
ORDERS = {
    "cld": [
        ("event_start_date", "event_end_date"),
        ("reporting_period_start_date", "reporting_period_end_date"),
    ],
    "payments": [("period_start_date", "period_end_date")],
    "ref_targets": [("period_start", "period_end")],
}
# Coded CLD fields that rules' row conditions name by their Release 2 value (`_<field>`).
CONDITION_FIELDS = (
    "event_type",
    "client_type",
    "assessment_type",
    "service_type",
    "service_component",
    "delivery_mechanism",
    "review_reason",
    "cost_frequency",
    "primary_support_reason",
    "event_status",
)


# --------------------------------------------------------------------------- code lookups


def _map_sql(pairs: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in pairs.items()) + "}"


def _lookup_sql(field_name: str, pick: int, default: str) -> str:
    """Seed lookup: exact raw value first (no regex for the usual, valid values), then the
    value with case and punctuation ignored, as the dbt models match."""
    exact: dict[str, str] = {}
    norm: dict[str, str] = {}
    for row in code_table().get(field_name, []):
        exact.setdefault(row[0], row[pick])
        norm.setdefault(code_key(row[0]), row[pick])
    if not exact:
        return default
    # A map's values are never NULL, and a key it lacks gives NULL: one lookup of the exact
    # value (map_contains and then the value read the map twice).
    return (
        f"CASE WHEN {field_name} IS NULL THEN NULL ELSE coalesce("
        f"{_map_sql(exact)}[{field_name}], {_map_sql(norm)}[{code_key_sql(field_name)}], "
        f"{default}) END"
    )


def _release_sql(field_name: str) -> str:
    """'R2' | 'R1' | 'invalid' (mapped to Invalid) | 'unmapped', NULL when blank."""
    return _lookup_sql(field_name, 2, "'unmapped'")


def _r2_sql(field_name: str) -> str:
    """The Release 2 value a coded field maps to, '' when blank or unmapped (for conditions)."""
    return f"coalesce({_lookup_sql(field_name, 1, 'NULL')}, '')"


# --------------------------------------------------------------------------- derived columns


def derived_columns(kind: str) -> dict[str, str]:
    """Derived column -> SQL over the canonical VARCHAR columns (blank = NULL)."""
    d = _parse_columns(kind)
    d.update(_order_columns(kind))
    if any(c.name == "la_code" for c in contract.KIND_COLUMNS[kind]):
        d["la_code__parse"] = (
            "CASE WHEN la_code IS NULL THEN NULL WHEN regexp_matches(la_code, "
            f"{literal(LA_CODE_RE)}) THEN 'ok' ELSE 'invalid' END"
        )
    if kind == "cld":
        d.update(_release_columns())
        d.update(_condition_columns())
        d.update(_format_columns())
    return d


def _parse_columns(kind: str) -> dict[str, str]:
    """`<field>__parse`: whether a date or number field's value parses ('ok'), NULL if blank."""
    d: dict[str, str] = {}
    for c in contract.KIND_COLUMNS[kind]:
        v = c.name
        if c.kind == "date":
            d[f"{v}__parse"] = (
                f"CASE WHEN {v} IS NULL THEN NULL WHEN {contract.date_sql(v)} IS NULL "
                "THEN 'not a date' ELSE 'ok' END"
            )
        elif c.kind in ("number", "integer"):
            n = contract.number_sql(v, c.kind == "integer")
            negative_ok = kind == "payments"
            d[f"{v}__parse"] = (
                f"CASE WHEN {v} IS NULL THEN NULL WHEN {n} IS NULL THEN 'not a number' "
                + ("" if negative_ok else f"WHEN {n} < 0 THEN 'negative' ")
                + "ELSE 'ok' END"
            )
    return d


def _order_columns(kind: str) -> dict[str, str]:
    """`<end>__order`: 'before start' when an end date is before its start date."""
    d: dict[str, str] = {}
    for start, end in ORDERS.get(kind, []):
        e, s = contract.date_sql(end), contract.date_sql(start)
        d[f"{end}__order"] = (
            f"CASE WHEN {e} < {s} THEN 'before start' "
            f"WHEN {e} IS NOT NULL AND {s} IS NOT NULL THEN 'ok' END"
        )
    return d


def _release_columns() -> dict[str, str]:
    """`<field>__release` of each coded CLD field, and the lists of the row's Release 1 and
    unmapped fields (`_release_1_fields`, `_unmapped_fields`)."""
    d = {f"{f}__release": _release_sql(f) for f in CODED_FIELDS}
    d.update(_release_lists(d))
    return d


def _release_lists(release: dict[str, str]) -> dict[str, str]:
    """The row's Release 1 and unmapped fields, from each coded field's release (SQL)."""
    d = {}
    for col, rel in (("_release_1_fields", "R1"), ("_unmapped_fields", "unmapped")):
        d[col] = (
            "nullif(concat_ws(', ', "
            + ", ".join(
                f"CASE WHEN {release[f'{f}__release']} = '{rel}' THEN '{f}' END"
                for f in CODED_FIELDS
            )
            + "), '')"
        )
    return d


def derived_layers(kind: str) -> list[dict[str, str]]:
    """The derived columns in two layers, each a SELECT over the one before: the second reads
    the first's columns by name (DuckDB would otherwise compute every code lookup twice)."""
    first = derived_columns(kind)
    if kind != "cld":
        return [first, {}]
    second = _release_lists({f"{f}__release": f"{f}__release" for f in CODED_FIELDS})
    return [{k: v for k, v in first.items() if k not in second}, second]


def _condition_columns() -> dict[str, str]:
    """The columns rules' row conditions read: Release 2 values, flags."""
    d = {f"_{f}": _r2_sql(f) for f in CONDITION_FIELDS}
    d["_person_identified"] = (
        "CASE WHEN nhs_number IS NOT NULL OR la_person_unique_identifier IS NOT NULL THEN '*' END"
    )
    d["_has_date_of_death"] = "CASE WHEN date_of_death IS NOT NULL THEN 'Y' ELSE '' END"
    d["_has_event_end_date"] = "CASE WHEN event_end_date IS NOT NULL THEN 'Y' ELSE '' END"
    end_dates = ("event_end_date", "reporting_period_end_date")
    age_at = f"coalesce({', '.join(contract.date_sql(c) for c in end_dates)})"
    d["_working_age"] = (
        f"CASE WHEN date_diff('year', {contract.date_sql('date_of_birth')}, {age_at}) "
        "BETWEEN 18 AND 64 THEN 'Y' ELSE '' END"
    )
    return d


def _format_columns() -> dict[str, str]:
    """The format rules of personal fields and the Release 2 hours bands."""
    d: dict[str, str] = {}
    # The format rules (contract.FORMAT_RULES) judge a value, or the mask raw keeps of it.
    for name in contract.FORMAT_RULES:
        d[f"{name}__parse"] = (
            f"CASE WHEN {name} IS NULL THEN NULL WHEN {contract.well_formed_sql(name, name)} "
            "THEN 'ok' ELSE 'invalid' END"
        )
    # Release 2 made the hours a defined list of bands; Release 1 sent a number.
    bands = ", ".join(literal(v) for v in r2_values("total_hrs_caring_per_week")) or "NULL"
    d["total_hrs_caring_per_week__release"] = (
        "CASE WHEN total_hrs_caring_per_week IS NULL THEN NULL "
        f"WHEN total_hrs_caring_per_week IN ({bands}) THEN 'R2' "
        f"WHEN {contract.number_sql('total_hrs_caring_per_week')} IS NOT NULL THEN 'R1' "
        "ELSE 'invalid' END"
    )
    return d


def canonical_select(kind: str, sources: dict[str, str]) -> str:
    """SELECT list giving every contract column as trimmed VARCHAR (NULL when blank/absent)."""
    out = []
    for c in contract.KIND_COLUMNS[kind]:
        src = sources.get(c.name)
        out.append(
            f"nullif(trim(CAST({src} AS VARCHAR)), '') AS {c.name}"
            if src
            else f"NULL::VARCHAR AS {c.name}"
        )
    return ", ".join(out)


# --------------------------------------------------------------------------- row conditions

_TOKEN = re.compile(r'\s*(==|!=|\(|\)|\[|\]|,|"[^"]*"|[A-Za-z_][A-Za-z0-9_]*)')


def condition_sql(condition: str) -> str:
    """A GX pandas row_condition in this project's small grammar -> SQL.

    Grammar: `col == "v"`, `col != "v"`, `col in [...]`, `col not in [...]`, `and`, `or`,
    parentheses. The derived condition columns are never NULL, so both engines agree."""
    out, pos = [], 0
    while pos < len(condition):
        m = _TOKEN.match(condition, pos)
        if not m:
            raise ValueError(f"unsupported row_condition near {condition[pos:]!r}")
        tok = m.group(1)
        pos = m.end()
        if tok == "==":
            out.append("=")
        elif tok == "!=":
            out.append("<>")
        elif tok in ("[", "]"):
            out.append("(" if tok == "[" else ")")
        elif tok.startswith('"'):
            out.append(literal(tok[1:-1]))
        elif tok in ("and", "or", "not", "in"):
            out.append(tok.upper())
        else:
            out.append(tok)
    return " ".join(out)


def _value_fail_sql(e: dict) -> str | None:
    """SQL true when a non-blank value breaks a value expectation (None: not a row rule)."""
    kw, t = e["kwargs"], e["type"]
    col = kw["column"]
    if t == "expect_column_values_to_be_in_set":
        vals = ", ".join(literal(v) for v in kw["value_set"]) or "NULL"
        return f"({col} IS NOT NULL AND {col} NOT IN ({vals}))"
    if t == "expect_column_values_to_not_be_in_set":
        vals = ", ".join(literal(v) for v in kw["value_set"]) or "NULL"
        return f"({col} IS NOT NULL AND {col} IN ({vals}))"
    return None


# The DQ check codes of a field (cld.md 1.4): -1 blank but mandatory, 0 blank allowed, -7 Release
# 1 value, -2 invalid, 1 valid.
FIELD_STATUS_CODES = (-1, 0, -7, -2, 1)


def field_status_sql(suite: Suite, field_name: str) -> str:
    """One CASE giving the field's DQ check code per row (FIELD_STATUS_CODES)."""
    mandatory, r1, invalid = [], [], []
    for _i, e in suite.scoped("row"):
        meta = e.get("meta", {})
        if meta.get("field") != field_name:
            continue
        if e["type"] == "expect_column_values_to_not_be_null":
            cond = e["kwargs"].get("row_condition")
            when = f" AND ({condition_sql(cond)})" if cond else ""
            mandatory.append(f"({e['kwargs']['column']} IS NULL{when})")
            continue
        fail = _value_fail_sql(e)
        if fail is None:
            continue
        (r1 if meta.get("chk") == -7 else invalid).append(fail)
    if field_name in CODED_FIELDS and any(
        e.get("meta", {}).get("chk") == -7 and e.get("meta", {}).get("field") == "*coded"
        for e in suite.expectations
    ):
        r1.append(f"({field_name}__release = 'R1')")
    r1_sql = " OR ".join(r1) or "false"
    inv_sql = " OR ".join(invalid) or "false"
    mand_sql = " OR ".join(mandatory) or "false"
    return (
        f"CASE WHEN {mand_sql} THEN -1 WHEN {field_name} IS NULL THEN 0 "
        f"WHEN {r1_sql} THEN -7 WHEN {inv_sql} THEN -2 ELSE 1 END"
    )
