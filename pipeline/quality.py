"""Data quality: Great Expectations suites (expectations/*.json) run on DuckDB data, in batches.

The suites are GX 1.x expectation suites kept as files and loaded at run time. Each expectation
has GX's own `severity`: `critical` = blocking (stops publishing), `warning` = reported only.
`meta.field` names the CLD field a rule belongs to and `meta.chk` the national DQ check code
(cld.md 1.4: -1 blank but mandatory, -2..-6 invalid, -7 Release 1 value).

How the rules run at scale (issue 4, item 8):
* Row-level rules that need a parser or a code list are pushed down to DuckDB as *derived
  columns* (`<field>__parse`, `<field>__order`, `<field>__release`, `_event_type`...), so GX only
  compares short strings. GX never gets a whole extract: one DuckDB scan per file groups the
  columns each rule needs (GROUPING SETS, one per rule) into distinct combinations with their
  row count and example row numbers; GX validates that small frame and the counts are weighted
  by the row counts (`run_grouped`). Reference files are small and validated row by row.
* Personal fields (NHS number, names, date of birth, postcode, person ids) reach GX masked as
  `*` (or NULL when blank), so no GX result, check metadata or log line can hold them; their
  format rules run in DuckDB (`nhs_number__parse`...) and arrive as `ok` / `invalid`.
* Whole-file rules (`meta.scope = "file"`: one reporting period per file...) run on a small
  per-file summary frame.

The same suite also drives the per-file DQ report (pipeline/validate.py): `field_status_sql`
turns a field's expectations into one SQL CASE giving its check code per row.

Every GX validation output is saved as JSON under `<warehouse>/quality/<run_id>/`; a check's
metadata holds the path (the "link").
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import logging
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core import contract, settings
from pipeline.core.config import Settings
from pipeline.core.paths import WarehousePaths

REPO = Path(__file__).resolve().parent.parent
SUITES_DIR = REPO / "expectations"
SEEDS_DIR = REPO / "seeds"
BATCH_ROWS = 500_000
MAX_VALUES = 20  # distinct unexpected values kept per expectation (coded fields only)
MAX_EXAMPLES = 5  # example row numbers per expectation
PII = {c.name for c in contract.CLD_COLUMNS + contract.PAYMENT_COLUMNS if c.pii}
# Reference-file fields whose values are never shown (a person's name could be typed there).
NO_VALUES = PII | {"owner", "action", "meeting", "team_name"}
KIND_COLUMNS, RAW_TABLE = contract.KIND_COLUMNS, contract.RAW_TABLE
CODED_FIELDS = [c.name for c in contract.CLD_COLUMNS if c.kind == "code"]
KEEP_RUNS = 30
DEFAULT_PARAMETERS = {
    "min_row_ratio": 0.8,
    "max_row_ratio": 5.0,
    "max_spend_factor": 1.5,
    "tolerance": 0.05,
}
# Shares and rates in the marts that must lie between 0 and 1.
SHARE_COLUMNS = {
    "rpt_assessment_outcomes_monthly": ("share_of_month",),
    "rpt_front_door_monthly": ("conversion_rate",),
    "rpt_reviewed_12m_monthly": ("reviewed_share",),
}
MART_CHECK_NAMES = {
    "row_counts": "row_count_vs_previous_publish",
    "shares": "shares_between_0_and_1",
    "team_months": "no_team_missing_from_active_month",
    "spend_months": "spend_month_on_month_within_factor",
    "reconciliation": "payments_reconcile_with_committed_cost",
}


# --------------------------------------------------------------------------- suites and codes


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True)
class LocalMapping:
    """A row of the council's own code mappings (reference/code_mappings.csv), in force."""

    field: str
    raw_value: str
    r2_value: str
    release: str  # as given, else `invalid` for Invalid and not mapped, else `local`
    file_name: str
    row_number: int


# The council's own mappings in force for the checks and DQ reports of this process, read from
# the warehouse by `use_local_mappings` (as stg_reference__code_mappings merges them in dbt).
_local_mappings: tuple[LocalMapping, ...] = ()

LOCAL_MAPPINGS_SQL = """
    SELECT trim(field), trim(raw_value), trim(r2_value),
        coalesce(nullif(trim(release), ''), CASE WHEN trim(r2_value) = 'Invalid and not mapped'
            THEN 'invalid' ELSE 'local' END), _file_name, _row_number
    FROM {db}raw.ref_code_mappings
    WHERE _file_id = (SELECT max(_file_id) FROM {db}raw.ref_code_mappings)
    ORDER BY _row_number"""


def read_local_mappings(con: duckdb.DuckDBPyConnection, db: str = "") -> list[LocalMapping]:
    """The rows of the latest reference/code_mappings.csv loaded (none when never loaded)."""
    try:
        rows = con.execute(LOCAL_MAPPINGS_SQL.format(db=f"{db}." if db else "")).fetchall()
    except duckdb.CatalogException:  # a warehouse made before local mappings existed
        return []
    # Named as the council knows the file: below its landing folder (apart from the seed's).
    return [LocalMapping(*r[:4], r[4] if "/" in r[4] else f"reference/{r[4]}", r[5]) for r in rows]


def use_local_mappings(rows: Iterable[LocalMapping]) -> None:
    """Merge these local mappings over the shipped ones in every code lookup that follows."""
    global _local_mappings
    _local_mappings = tuple(rows)
    code_table.cache_clear()


def local_mappings() -> tuple[LocalMapping, ...]:
    return _local_mappings


@functools.cache
def shipped_code_table() -> dict[str, list[tuple[str, str, str]]]:
    """field -> [(raw value, Release 2 value, release)] from seeds/code_mappings.csv."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with (SEEDS_DIR / "code_mappings.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["field"], []).append(
                (row["raw_value"], row["r2_value"], row["release"])
            )
    return out


@functools.cache
def code_table() -> dict[str, list[tuple[str, str, str]]]:
    """The mappings in force: the local rows (use_local_mappings), then the shipped rows that
    no local row replaces (same field and raw value, case and punctuation ignored)."""
    replaced = {(m.field, _norm(m.raw_value)) for m in _local_mappings}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for m in _local_mappings:
        out.setdefault(m.field, []).append((m.raw_value, m.r2_value, m.release))
    for name, rows in shipped_code_table().items():
        out.setdefault(name, []).extend(r for r in rows if (name, _norm(r[0])) not in replaced)
    return out


def r2_values(field_name: str) -> list[str]:
    """The field's Release 2 values (the shipped list: a local row maps to one of them)."""
    return [raw for raw, _r2, rel in shipped_code_table().get(field_name, []) if rel == "R2"]


def _seed_column(seed: str, column: str) -> list[str]:
    with (SEEDS_DIR / f"{seed}.csv").open(newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f) if row[column]]


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and "$codes" in value:
        return r2_values(value["$codes"])
    if isinstance(value, dict) and "$seed" in value:
        return _seed_column(value["$seed"], value["column"])
    return value


@dataclass
class Suite:
    name: str
    meta: dict
    expectations: list[dict]  # GX expectation configurations, value sets resolved
    digest: str  # changes when the suite file or the code lists change

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "")

    def scoped(self, scope: str) -> list[tuple[int, dict]]:
        return [
            (i, e)
            for i, e in enumerate(self.expectations)
            if e.get("meta", {}).get("scope", "row") == scope
        ]


def load_suite(name: str, suites_dir: Path | None = None) -> Suite:
    path = (suites_dir or SUITES_DIR) / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    exps = []
    for e in data["expectations"]:
        e = json.loads(json.dumps(e))
        e["kwargs"] = {k: _resolve(v) for k, v in e["kwargs"].items()}
        e.setdefault("severity", "warning")
        exps.append(e)
    # The local mappings in force change what the code rules find, so they are in the digest.
    local = [list(vars(m).values()) for m in _local_mappings]
    digest = hashlib.sha256(
        json.dumps([data.get("meta"), exps, local], sort_keys=True).encode()
    ).hexdigest()[:16]
    return Suite(data["name"], data.get("meta", {}), exps, digest)


def suite_for_kind(kind: str) -> Suite:
    return load_suite(f"raw_{RAW_TABLE[kind]}")


def is_blocking(expectation: dict) -> bool:
    return expectation.get("severity", "warning") == "critical"


# --------------------------------------------------------------------------- SQL: derived columns


def _q(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _norm_sql(expr: str) -> str:
    return f"regexp_replace(lower({expr}), '[^a-z0-9]', '', 'g')"


def _map_sql(pairs: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{_q(k)}: {_q(v)}" for k, v in pairs.items()) + "}"


def _lookup_sql(field_name: str, pick: int, default: str) -> str:
    """Seed lookup: exact raw value first (no regex for the usual, valid values), then the
    value with case and punctuation ignored, as the dbt models match."""
    exact: dict[str, str] = {}
    norm: dict[str, str] = {}
    for row in code_table().get(field_name, []):
        exact.setdefault(row[0], row[pick])
        norm.setdefault(_norm(row[0]), row[pick])
    if not exact:
        return default
    return (
        f"CASE WHEN {field_name} IS NULL THEN NULL "
        f"WHEN map_contains({_map_sql(exact)}, {field_name}) "
        f"THEN {_map_sql(exact)}[{field_name}] "
        f"ELSE coalesce({_map_sql(norm)}[{_norm_sql(field_name)}], {default}) END"
    )


def _release_sql(field_name: str) -> str:
    """'R2' | 'R1' | 'invalid' (mapped to Invalid) | 'unmapped', NULL when blank."""
    return _lookup_sql(field_name, 2, "'unmapped'")


def _r2_sql(field_name: str) -> str:
    """The Release 2 value a coded field maps to, '' when blank or unmapped (for conditions)."""
    return f"coalesce({_lookup_sql(field_name, 1, 'NULL')}, '')"


LA_CODE_RE = r"^E(06|07|08|09|10)[0-9]{6}$"
ORDERS = {
    "cld": [
        ("event_start_date", "event_end_date"),
        ("reporting_period_start_date", "reporting_period_end_date"),
    ],
    "payments": [("period_start_date", "period_end_date")],
    "ref_targets": [("period_start", "period_end")],
}


def derived_columns(kind: str) -> dict[str, str]:
    """Derived column -> SQL over the canonical VARCHAR columns (blank = NULL)."""
    cols = KIND_COLUMNS[kind]
    d: dict[str, str] = {}
    for c in cols:
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
    for start, end in ORDERS.get(kind, []):
        e, s = contract.date_sql(end), contract.date_sql(start)
        d[f"{end}__order"] = (
            f"CASE WHEN {e} < {s} THEN 'before start' "
            f"WHEN {e} IS NOT NULL AND {s} IS NOT NULL THEN 'ok' END"
        )
    if any(c.name == "la_code" for c in cols):
        d["la_code__parse"] = (
            f"CASE WHEN la_code IS NULL THEN NULL WHEN regexp_matches(la_code, {_q(LA_CODE_RE)}) "
            "THEN 'ok' ELSE 'invalid' END"
        )
    if kind == "cld":
        for f in CODED_FIELDS:
            d[f"{f}__release"] = _release_sql(f)
        for col, rel in (("_release_1_fields", "R1"), ("_unmapped_fields", "unmapped")):
            d[col] = (
                "nullif(concat_ws(', ', "
                + ", ".join(
                    f"CASE WHEN {d[f'{f}__release']} = '{rel}' THEN '{f}' END" for f in CODED_FIELDS
                )
                + "), '')"
            )
        for f in (
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
        ):
            d[f"_{f}"] = _r2_sql(f)
        d["_person_identified"] = (
            "CASE WHEN nhs_number IS NOT NULL OR la_person_unique_identifier IS NOT NULL "
            "THEN '*' END"
        )
        d["_has_date_of_death"] = "CASE WHEN date_of_death IS NOT NULL THEN 'Y' ELSE '' END"
        d["_has_event_end_date"] = "CASE WHEN event_end_date IS NOT NULL THEN 'Y' ELSE '' END"
        end_dates = ("event_end_date", "reporting_period_end_date")
        age_at = f"coalesce({', '.join(contract.date_sql(c) for c in end_dates)})"
        d["_working_age"] = (
            f"CASE WHEN date_diff('year', {contract.date_sql('date_of_birth')}, {age_at}) "
            "BETWEEN 18 AND 64 THEN 'Y' ELSE '' END"
        )
        # The format rules (contract.FORMAT_RULES) judge a value, or the mask raw keeps of it.
        for name in contract.FORMAT_RULES:
            d[f"{name}__parse"] = (
                f"CASE WHEN {name} IS NULL THEN NULL WHEN {contract.well_formed_sql(name, name)} "
                "THEN 'ok' ELSE 'invalid' END"
            )
        # Release 2 made the hours a defined list of bands; Release 1 sent a number.
        bands = ", ".join(_q(v) for v in r2_values("total_hrs_caring_per_week")) or "NULL"
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
    for c in KIND_COLUMNS[kind]:
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
            out.append(_q(tok[1:-1]))
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
        vals = ", ".join(_q(v) for v in kw["value_set"]) or "NULL"
        return f"({col} IS NOT NULL AND {col} NOT IN ({vals}))"
    if t == "expect_column_values_to_not_be_in_set":
        vals = ", ".join(_q(v) for v in kw["value_set"]) or "NULL"
        return f"({col} IS NOT NULL AND {col} IN ({vals}))"
    return None


def field_status_sql(suite: Suite, field_name: str) -> str:
    """One CASE giving the field's DQ check code per row (cld.md 1.4): -1 blank but mandatory,
    0 blank allowed, -7 Release 1 value, -2 invalid, 1 valid."""
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


# --------------------------------------------------------------------------- GX execution


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX logs its set-up (temporary docs folders...) at INFO; the checks' results say enough.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


@functools.cache
def _gx_context():
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    ds = ctx.data_sources.add_pandas("primed_frames")
    return ctx, ds.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


_validations: dict[tuple[str, str], Any] = {}


def _validation(suite: Suite, scope: str, indices: list[int]):
    key = (f"{suite.name}:{suite.digest}", scope)
    if key not in _validations:
        gx = _gx()
        ctx, batch_def = _gx_context()
        name = f"{suite.name}__{scope}__{suite.digest}"
        gx_suite = gx.ExpectationSuite(
            name=name,
            expectations=[_to_gx(suite.expectations[i], j) for j, i in enumerate(indices)],
            meta=suite.meta,
        )
        gx_suite = ctx.suites.add(gx_suite)
        vd = gx.ValidationDefinition(data=batch_def, suite=gx_suite, name=name)
        _validations[key] = ctx.validation_definitions.add(vd)
    return _validations[key]


def _to_gx(e: dict, position: int):
    gx = _gx()
    cls_name = "".join(p.capitalize() for p in e["type"].split("_"))
    cls = getattr(gx.expectations, cls_name)
    kwargs = dict(e["kwargs"])
    meta = {**e.get("meta", {}), "_index": position}
    return cls(**kwargs, severity=e.get("severity", "warning"), meta=meta)


RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}


@dataclass
class ExpectationResult:
    index: int
    expectation: dict
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    values: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)
    error: str = ""

    def summary(self) -> dict:
        e = self.expectation
        meta = e.get("meta", {})
        out = {
            "expectation": e["type"],
            "column": e["kwargs"].get("column"),
            "field": meta.get("field"),
            "rule": meta.get("rule", ""),
            "chk": meta.get("chk"),
            "blocking": is_blocking(e),
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "example_rows": [int(x) for x in self.examples[:MAX_EXAMPLES]],
        }
        if self.values:
            out["unexpected_values"] = dict(self.values.most_common(MAX_VALUES))
        if self.error:
            out["error"] = self.error
        return out


def _shown(column: str | None) -> bool:
    if not column:
        return False
    base = column.split("__")[0].lstrip("_")
    return base not in NO_VALUES


def run_frames(
    suite: Suite,
    scope: str,
    frames: Iterable[Any],
    parameters: dict | None = None,
    raw_out: list | None = None,
) -> list[ExpectationResult]:
    """Validate DataFrames (batches of one data set) with one scope of a suite; sum results."""
    indices = [i for i, _ in suite.scoped(scope)]
    results = [ExpectationResult(i, suite.expectations[i]) for i in indices]
    if not indices:
        return results
    vd = _validation(suite, scope, indices)
    for df in frames:
        run = vd.run(
            batch_parameters={"dataframe": df},
            expectation_parameters=parameters or {},
            result_format=RESULT_FORMAT,
        )
        js = run.to_json_dict()
        if raw_out is not None:
            raw_out.append(_scrub(js))
        ordered = sorted(js["results"], key=lambda r: r["expectation_config"]["meta"]["_index"])
        for agg, r in zip(results, ordered, strict=True):
            info = r.get("exception_info") or {}
            if info.get("raised_exception"):
                agg.success = False
                agg.error = (info.get("exception_message") or "error")[:300]
                continue
            res = r.get("result") or {}
            agg.success = agg.success and bool(r["success"])
            agg.element_count += int(res.get("element_count") or 0)
            agg.unexpected_count += int(res.get("unexpected_count") or 0)
            if _shown(agg.expectation["kwargs"].get("column")):
                for pc in res.get("partial_unexpected_counts") or []:
                    agg.values[str(pc["value"])] += pc["count"]
            for ix in res.get("partial_unexpected_index_list") or []:
                if len(agg.examples) < MAX_EXAMPLES:
                    agg.examples.append(ix.get("_row", ix) if isinstance(ix, dict) else ix)
    # Counts of unexpected values: GX gives counts within its partial list; the totals are
    # summed from every batch's unexpected_count.
    return results


def _scrub(js: dict) -> dict:
    """Drop unexpected values of personal columns from a GX result (they are masked anyway)."""
    for r in js.get("results", []):
        col = (r.get("expectation_config") or {}).get("kwargs", {}).get("column")
        if not _shown(col):
            res = r.get("result") or {}
            for k in ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list"):
                res.pop(k, None)
    return js


# --------------------------------------------------------------------------- raw extracts


@dataclass
class CheckOutcome:
    name: str
    asset: str  # "raw/cld_events", "marts/rpt_spend_monthly"...
    passed: bool
    blocking: bool
    description: str
    metadata: dict = field(default_factory=dict)


def _frame_columns(suite: Suite, scope: str = "row") -> list[str]:
    cols: list[str] = []
    for _i, e in suite.scoped(scope):
        names = [e["kwargs"].get("column")]
        cond = e["kwargs"].get("row_condition")
        if cond:
            names += [t for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", cond) if t.startswith("_")]
        for n in names:
            if n and n not in cols:
                cols.append(n)
    return cols


def frame_sql(kind: str, relation: str, columns: list[str]) -> str:
    """SELECT of the GX columns over a canonical relation (personal fields masked)."""
    derived = derived_columns(kind)
    kinds = {c.name: c.kind for c in KIND_COLUMNS[kind]}
    parts = ["_row"]
    for c in columns:
        if c in derived:
            parts.append(f"{derived[c]} AS {c}")
        elif c.endswith("__given"):
            base = derived.get(c[:-7], c[:-7])
            parts.append(f"CASE WHEN ({base}) IS NOT NULL THEN '*' END AS {c}")
        elif c in PII:
            parts.append(f"CASE WHEN {c} IS NOT NULL THEN '*' END AS {c}")
        elif kinds.get(c) in ("number", "integer"):
            parts.append(f"try_cast({contract.number_sql(c)} AS DOUBLE) AS {c}")
        else:
            parts.append(c)
    return f"SELECT {', '.join(parts)} FROM {relation}"


def _batches(con: duckdb.DuckDBPyConnection, sql: str, rows: int) -> Iterator[Any]:
    reader = con.sql(sql).to_arrow_reader(rows)
    for batch in reader:
        df = batch.to_pandas()
        yield df.set_index("_row")


def raw_relation(kind: str, file_id: int) -> str:
    sources = {c.name: c.name for c in KIND_COLUMNS[kind]}
    return (
        f"(SELECT _row_number AS _row, {canonical_select(kind, sources)} "
        f"FROM raw.{RAW_TABLE[kind]} WHERE _file_id = {int(file_id)})"
    )


FILE_FRAMES = {
    "cld": "SELECT reporting_period_end_date, count(*) AS rows, "
    "any_value(ends) AS reporting_period_ends_in_file, "
    "any_value(starts) AS reporting_period_starts_in_file, any_value(las) AS la_codes_in_file "
    "FROM {rel}, (SELECT count(DISTINCT reporting_period_end_date) AS ends, "
    "count(DISTINCT reporting_period_start_date) AS starts, count(DISTINCT la_code) AS las "
    "FROM {rel}) GROUP BY ALL",
    "payments": "SELECT count(*) - count(DISTINCT payment_id) AS duplicate_payment_ids FROM {rel}",
}


def _grouped_column(e: dict) -> str:
    """Null checks need only blank / given: `<col>__given` keeps the grouped frame small."""
    col = e["kwargs"]["column"]
    return f"{col}__given" if e["type"] == "expect_column_values_to_not_be_null" else col


def _expectation_columns(e: dict) -> list[str]:
    cols = [_grouped_column(e)]
    cond = e["kwargs"].get("row_condition")
    if cond:
        for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", cond):
            if t.startswith("_") and t not in cols:
                cols.append(t)
    return cols


def grouped_frame_sql(suite: Suite, relation: str) -> tuple[str, list[str], list[tuple]]:
    """One scan: every row rule's columns as a GROUPING SET, with the row count `_n` and up to
    MAX_EXAMPLES row numbers per distinct combination. GX then checks each distinct combination
    once; counts are weighted by `_n`. (A 5 GB extract becomes a frame of a few thousand rows.)"""
    sets: list[tuple] = []
    for _i, e in suite.scoped("row"):
        key = tuple(_expectation_columns(e))
        if key not in sets:
            sets.append(key)
    cols = []
    for key in sets:
        cols += [c for c in key if c not in cols]
    inner = frame_sql(suite.kind, relation, cols)
    chunks = [cols[i : i + 60] for i in range(0, len(cols), 60)]
    gsql = ", ".join(f"GROUPING({', '.join(ch)}) AS _g{n}" for n, ch in enumerate(chunks))
    sql = (
        f"SELECT {', '.join(cols)}, {gsql}, count(*) AS _n, "
        f"min(_row, {MAX_EXAMPLES}) AS _rows FROM ({inner}) "
        f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(k) + ')' for k in sets)})"
    )
    return sql, cols, sets


def _grouping_id(cols: list[str], key: tuple) -> tuple[int, ...]:
    out = []
    for i in range(0, len(cols), 60):
        ch = cols[i : i + 60]
        n = len(ch)
        out.append(sum(1 << (n - 1 - j) for j, c in enumerate(ch) if c not in key))
    return tuple(out)


def run_grouped(
    suite: Suite, df, cols: list[str], sets: list[tuple], raw_out: list | None = None
) -> dict[Any, list[ExpectationResult]]:
    """Row rules on the grouped frame (one GX run), each expectation limited to its own
    grouping set; results per `_file` (the frame may hold several files' groups)."""
    gid = {_grouping_id(cols, k): i for i, k in enumerate(sets)}
    df = df.reset_index(drop=True)
    gcols = sorted(c for c in df.columns if re.fullmatch(r"_g[0-9]+", c))
    df["_set"] = [gid[tuple(int(x) for x in t)] for t in df[gcols].itertuples(index=False)]
    df = df.astype({c: object for c in cols if df[c].dtype != object})
    scoped = suite.scoped("row")
    exps = []
    for _i, e in scoped:
        e2 = json.loads(json.dumps(e))
        k = sets.index(tuple(_expectation_columns(e)))
        cond = e["kwargs"].get("row_condition")
        e2["kwargs"]["row_condition"] = f"_set == {k}" + (f" and ({cond})" if cond else "")
        e2["kwargs"]["condition_parser"] = "pandas"
        e2["kwargs"]["column"] = _grouped_column(e)
        exps.append(e2)
    grouped = Suite(suite.name + "_grouped", suite.meta, exps, suite.digest)
    vd = _validation(grouped, "row", list(range(len(exps))))
    # GX reads the rules' columns only: the example row numbers (lists) stay out of its copies.
    checked = df.drop(columns=["_rows"])
    run = vd.run(batch_parameters={"dataframe": checked}, result_format="COMPLETE")
    js = run.to_json_dict()
    by_index = {r["expectation_config"]["meta"]["_index"]: r for r in js["results"]}
    out: dict[Any, list[ExpectationResult]] = {}
    files = sorted(set(df["_file"])) if "_file" in df.columns else [None]

    # Each rule's rows counted per file from one evaluation of its condition over the frame
    # (not one per rule and file: pandas pays for every evaluation by the frame's width).
    def rows_per_file(condition: str) -> dict:
        hit = df[df.eval(condition)]
        if "_file" not in df.columns:
            return {None: hit["_n"].sum()}
        return hit.groupby("_file")["_n"].sum().to_dict()

    element_counts = [rows_per_file(e2["kwargs"]["row_condition"]) for e2 in exps]
    for f in files:
        mine = df if f is None else df[df["_file"] == f]
        results = out.setdefault(f, [])
        for j, ((i, e), e2) in enumerate(zip(scoped, exps, strict=True)):
            agg = ExpectationResult(i, e)
            results.append(agg)
            r = by_index[j]
            info = r.get("exception_info") or {}
            if info.get("raised_exception"):
                agg.success, agg.error = False, (info.get("exception_message") or "error")[:300]
                continue
            res = r.get("result") or {}
            idx = [x for x in (res.get("unexpected_index_list") or []) if x in mine.index]
            agg.element_count = int(element_counts[j].get(f, 0))
            bad = mine.loc[idx]
            agg.unexpected_count = int(bad["_n"].sum())
            agg.success = agg.unexpected_count == 0
            col = e2["kwargs"]["column"]
            if _shown(col) and not col.endswith("__given"):
                for v, n in zip(bad[col], bad["_n"], strict=True):
                    agg.values[str(v)] += int(n)
            agg.examples = sorted(x for rows in bad["_rows"] for x in rows)[:MAX_EXAMPLES]
    if raw_out is not None:
        js["meta"]["primed_note"] = (
            "validated on distinct combinations (one GROUPING SET per rule, row_condition "
            "'_set == k', column _file = raw file id); unexpected_index_list indexes that "
            "frame; row counts (weighted by _n) are in the primed summary"
        )
        for r in js.get("results", []):
            (r.get("result") or {}).pop("unexpected_list", None)
            (r.get("result") or {}).pop("partial_unexpected_list", None)
        raw_out.append(_scrub(js))
    return out


def grouped_frame(con: duckdb.DuckDBPyConnection, suite: Suite, relation: str, file_key: Any):
    sql, cols, sets = grouped_frame_sql(suite, relation)
    df = con.execute(sql).df()
    df["_file"] = file_key
    return df, cols, sets


def validate_relation(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    relation: str,
    parameters: dict | None = None,
) -> tuple[list[ExpectationResult], list[dict]]:
    """Run a raw suite over one canonical relation (one file)."""
    return validate_relations(con, suite, {0: relation}, parameters)[0]


def validate_relations(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    relations: dict[Any, str],
    parameters: dict | None = None,
) -> dict[Any, tuple[list[ExpectationResult], list[dict]]]:
    """Run a raw suite over several files' relations: one DuckDB scan per file builds its
    grouped frame, then one GX run checks all files' row rules; file rules per file."""
    import pandas as pd

    out: dict[Any, tuple[list[ExpectationResult], list[dict]]] = {}
    if not relations:
        return out
    if suite.kind.startswith("ref_"):  # small files: plain rows (uniqueness rules need them)
        for key, relation in relations.items():
            raw: list[dict] = []
            sql = frame_sql(suite.kind, relation, _frame_columns(suite))
            res = run_frames(suite, "row", _batches(con, sql, BATCH_ROWS), parameters, raw)
            out[key] = (res, raw)
        return out
    frames = []
    cols: list[str] = []
    sets: list[tuple] = []
    for key, relation in relations.items():
        df, cols, sets = grouped_frame(con, suite, relation, key)
        frames.append(df)
    shared: list[dict] = []
    per_file = run_grouped(suite, pd.concat(frames, ignore_index=True), cols, sets, shared)
    file_results: dict[Any, list[ExpectationResult]] = {}
    if suite.scoped("file") and suite.kind in FILE_FRAMES:
        fdfs = []
        for key, relation in relations.items():
            fdf = con.execute(FILE_FRAMES[suite.kind].format(rel=relation)).df()
            fdf["_file"] = key
            fdfs.append(fdf)
        file_results = run_file_scope(suite, pd.concat(fdfs, ignore_index=True), shared)
    for key in relations:
        results = per_file.get(key, []) + file_results.get(key, [])
        results.sort(key=lambda r: r.index)
        out[key] = (results, shared)
    return out


def run_file_scope(suite: Suite, df, raw_out: list) -> dict[Any, list[ExpectationResult]]:
    """The whole-file rules in one GX run over every file's summary rows; split per file."""
    scoped = suite.scoped("file")
    vd = _validation(suite, "file", [i for i, _ in scoped])
    js = vd.run(batch_parameters={"dataframe": df}, result_format="COMPLETE").to_json_dict()
    for r in js.get("results", []):
        (r.get("result") or {}).pop("unexpected_list", None)
        (r.get("result") or {}).pop("partial_unexpected_list", None)
    raw_out.append(js)
    by_index = {r["expectation_config"]["meta"]["_index"]: r for r in js["results"]}
    out: dict[Any, list[ExpectationResult]] = {}
    for f in sorted(set(df["_file"])):
        mine = df[df["_file"] == f]
        for j, (i, e) in enumerate(scoped):
            agg = ExpectationResult(i, e)
            r = by_index[j]
            idx = [x for x in ((r.get("result") or {}).get("unexpected_index_list") or [])]
            bad = mine.loc[[x for x in idx if x in mine.index]]
            agg.element_count = len(mine)
            agg.unexpected_count = len(bad)
            agg.success = len(bad) == 0 and not (r.get("exception_info") or {}).get(
                "raised_exception"
            )
            col = e["kwargs"]["column"]
            for v in bad[col]:
                agg.values[str(v)] += 1
            out.setdefault(f, []).append(agg)
    return out


def _quality_dir(work_db: Path) -> Path:
    # work_db is <warehouse>/work/primed.duckdb
    return Path(work_db).resolve().parent.parent / "quality"


def _run_dir(root: Path, run_id: str) -> Path:
    """The run's folder for GX results; only the newest KEEP_RUNS runs' folders are kept
    (PRIMED_KEEP_QUALITY_RUNS; about 2.5 MB a run at Ealing's size). Caches (`_*`) stay."""
    run_dir = root / _safe(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    keep = int(os.environ.get("PRIMED_KEEP_QUALITY_RUNS", KEEP_RUNS))
    runs = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_") and p != run_dir),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[: max(len(runs) - (keep - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)
    return run_dir


def check_raw_extracts(
    work_db: str | Path,
    run_id: str,
    loaded_since: Any = None,
    out_root: str | Path | None = None,
) -> list[CheckOutcome]:
    """Run the raw suites on every loaded file; two outcomes per raw table (blocking rules,
    warning rules). A file already validated with the same suite (same SHA-256) is not read
    again: its saved result is reused. With `loaded_since`, only files loaded since then can
    fail a blocking check (older files were let through by earlier runs); all are reported."""
    work_db = Path(work_db)
    root = Path(out_root) if out_root else _quality_dir(work_db)
    run_dir = _run_dir(root, run_id)
    cache = root / "_cache"
    cache.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(work_db), read_only=True)
    con.execute(f"SET memory_limit = '{settings.memory_limit(Settings.from_env())}'")
    con.execute("SET enable_progress_bar = false")
    outcomes: list[CheckOutcome] = []
    try:
        use_local_mappings(read_local_mappings(con))
        files = con.execute(
            "SELECT file_id, file_name, kind, sha256, loaded_at FROM raw._files "
            "WHERE status = 'loaded' ORDER BY file_id"
        ).fetchall()
        for kind in RAW_TABLE:
            suite = suite_for_kind(kind)
            mine = [f for f in files if f[2] == kind]
            todo = {}
            for file_id, _name, _k, sha, _at in mine:
                if not (cache / f"{kind}_{sha[:32]}_{suite.digest}.json").exists():
                    todo[file_id] = raw_relation(kind, file_id)
            fresh = validate_relations(con, suite, todo)
            per_file = []
            for file_id, name, _k, sha, loaded_at in mine:
                cached = cache / f"{kind}_{sha[:32]}_{suite.digest}.json"
                if file_id in fresh:
                    results, raw = fresh[file_id]
                    path = run_dir / f"{RAW_TABLE[kind]}__{_safe(name)}.json"
                    summary = {
                        "suite": suite.name,
                        "file": name,
                        "sha256": sha,
                        "gx_results_path": str(path),
                        "results": [r.summary() for r in results],
                    }
                    path.write_text(
                        json.dumps({**summary, "gx_validation_results": raw}, default=str)
                    )
                    cached.write_text(json.dumps(summary, default=str))
                else:
                    summary = json.loads(cached.read_text())
                new = loaded_since is None or loaded_at >= loaded_since
                per_file.append((name, new, summary))
            outcomes += _raw_outcomes(kind, suite, per_file, run_dir)
    finally:
        con.close()
    return outcomes


def _raw_outcomes(kind: str, suite: Suite, per_file: list, run_dir: Path) -> list[CheckOutcome]:
    asset = f"raw/{RAW_TABLE[kind]}"
    out = []
    for blocking in (True, False):
        failing: dict[tuple, dict] = {}
        failed_new = False
        for name, new, summary in per_file:
            for r in summary["results"]:
                if r["blocking"] != blocking or r["success"]:
                    continue
                key = (r["expectation"], r["column"], r.get("rule", ""))
                f = failing.setdefault(
                    key,
                    {
                        "field": r.get("field"),
                        "rule": r.get("rule", ""),
                        "expectation": r["expectation"],
                        "unexpected_rows": 0,
                        "files": [],
                    },
                )
                f["unexpected_rows"] += r["unexpected_count"]
                f["files"].append(name)
                f.setdefault("where", []).append(
                    {
                        "file": name,
                        "rows": r["unexpected_count"],
                        "example_rows": r.get("example_rows", []),
                        "values": list(r.get("unexpected_values") or {})[:3],
                    }
                )
                failed_new = failed_new or new
        label = "blocking" if blocking else "warnings"
        passed = not failed_new if blocking else not failing
        index = run_dir / f"{RAW_TABLE[kind]}__{label}.json"
        meta = {
            "suite": suite.name,
            "files_checked": len(per_file),
            "failed_rules": len(failing),
            "failures": sorted(failing.values(), key=lambda f: -f["unexpected_rows"])[:30],
            "gx_results": [s["gx_results_path"] for _n, _new, s in per_file],
        }
        index.write_text(json.dumps(meta, indent=1, default=str))
        meta["gx_results_index"] = str(index)
        n_rules = sum(is_blocking(e) == blocking for e in suite.expectations)
        description = f"{n_rules} {label} rules of expectations/{suite.name}.json"
        if failing:
            ranked = sorted(failing.values(), key=lambda f: -f["unexpected_rows"])
            description = "\n".join(explain_failure(kind, f) for f in ranked[:5])
            if len(ranked) > 5:
                description += f"\n... and {len(ranked) - 5} more rule(s); see {index}"
        out.append(
            CheckOutcome(
                name=f"{suite.name}_{label}",
                asset=asset,
                passed=passed,
                blocking=blocking,
                description=description,
                metadata=meta,
            )
        )
    return out


def explain_failure(kind: str, failure: dict) -> str:
    """One line: the rule, then where it failed, file by file, with example rows and (for
    fields that are not personal data) the values, e.g. "Worker ID unique: workers.csv
    rows 1, 158 (2 rows, value 'EALW01001')"."""
    headers = {c.name: c.header for c in KIND_COLUMNS[kind]}
    header = headers.get(str(failure.get("field")), "")
    rule = failure.get("rule") or failure["expectation"]
    what = rule if not header or header.lower() in rule.lower() else f"{header}: {rule}"
    places = []
    for w in failure.get("where", [])[:3]:
        rows = w["example_rows"]
        text = w["file"]
        if rows:
            more = ", ..." if w["rows"] > len(rows) else ""
            text += f" row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}{more}"
        detail = f"{w['rows']:,} row{'s' if w['rows'] != 1 else ''}"
        if w["values"]:
            detail += ", value " + ", ".join(f"'{v}'" for v in w["values"])
        places.append(f"{text} ({detail})")
    if len(failure.get("where", [])) > 3:
        places.append(f"and {len(failure['where']) - 3} more file(s)")
    return f"{what}: {'; '.join(places)}" if places else what


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text))[:120]


# --------------------------------------------------------------------------- marts


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'marts'",
            [db],
        ).fetchall()
    }


def reconciliation_sql(db: str = "cand") -> str:
    """Committed vs paid per month and service type (the spend mart), relative difference.
    Months before the first payment (no payments extract covers them) and the latest, partial
    month are left out."""
    return f"""
        SELECT strftime(month, '%Y-%m') AS month, service_type,
               round(sum(committed_spend), 2) AS committed_spend,
               round(sum(paid_spend), 2) AS paid_spend,
               round(sum(paid_spend) - sum(committed_spend), 2) AS difference,
               CASE WHEN sum(committed_spend) > 0
                    THEN (sum(paid_spend) - sum(committed_spend)) / sum(committed_spend)
                    WHEN sum(paid_spend) <> 0 THEN 1e9 END AS relative_difference
        FROM {db}.marts.rpt_spend_committed_vs_paid_monthly
        WHERE month < (SELECT max(month) FROM {db}.marts.rpt_spend_committed_vs_paid_monthly)
          AND month >= (SELECT min(month) FROM {db}.marts.rpt_spend_committed_vs_paid_monthly
                        WHERE paid_spend <> 0)
        GROUP BY ALL ORDER BY month, service_type"""


def _mart_frames(con: duckdb.DuckDBPyConnection, has_previous: bool) -> dict[str, Any]:
    cand = _tables(con, "cand")
    prev = _tables(con, "prev") if has_previous else set()
    frames: dict[str, Any] = {}
    rows = []
    for t in sorted(cand - {"_release"}):
        n = con.execute(f"SELECT count(*) FROM cand.marts.{t}").fetchall()[0][0]
        p = (
            con.execute(f"SELECT count(*) FROM prev.marts.{t}").fetchall()[0][0]
            if t in prev
            else None
        )
        rows.append((t, n, p, (n / p) if p else None))
    import pandas as pd

    frames["row_counts"] = pd.DataFrame(
        rows, columns=["mart", "candidate_rows", "previous_rows", "row_ratio"]
    ).set_index("mart", drop=False)
    parts = [
        f"SELECT '{t}' AS mart, '{c}' AS column_name, {c}::DOUBLE AS value FROM cand.marts.{t} "
        f"WHERE {c} IS NOT NULL"
        for t, cs in SHARE_COLUMNS.items()
        if t in cand
        for c in cs
    ]
    if parts:
        df = con.execute(" UNION ALL ".join(parts)).df()
        frames["shares"] = df.set_index("mart", drop=False)
    if {"rpt_team_workload_monthly", "rpt_team_completed_monthly"} <= cand:
        frames["team_months"] = con.execute(
            """WITH present AS (
                   SELECT team_code, month FROM cand.marts.rpt_team_workload_monthly
                   WHERE open_count > 0
                   UNION SELECT team_code, month FROM cand.marts.rpt_team_completed_monthly
                   WHERE completed_count > 0),
               span AS (SELECT team_code, min(month) AS first, max(month) AS last
                        FROM present GROUP BY team_code),
               months AS (SELECT DISTINCT month FROM present)
               SELECT span.team_code, strftime(months.month, '%Y-%m') AS month,
                      present.team_code IS NOT NULL AS present
               FROM span JOIN months ON months.month BETWEEN span.first AND span.last
               LEFT JOIN present ON present.team_code = span.team_code
                    AND present.month = months.month
               ORDER BY 1, 2"""
        ).df()
    if "rpt_spend_committed_vs_paid_monthly" in cand:
        # The first and the latest month are partial: not compared.
        frames["spend_months"] = con.execute(
            """WITH m AS (SELECT month, sum(committed_spend) AS committed
                          FROM cand.marts.rpt_spend_committed_vs_paid_monthly GROUP BY month),
               r AS (SELECT month, committed, lag(committed) OVER (ORDER BY month) AS previous
                     FROM m)
               SELECT strftime(month, '%Y-%m') AS month, committed, previous,
                      CASE WHEN previous > 0 THEN committed / previous END AS ratio
               FROM r WHERE month < (SELECT max(month) FROM m)
                 AND month > (SELECT min(month) + INTERVAL 1 MONTH FROM m)
               ORDER BY month"""
        ).df()
        frames["reconciliation"] = con.execute(reconciliation_sql("cand")).df()
    return frames


def mart_check_parameters(parameters: dict | None = None) -> dict[str, float]:
    """DEFAULT_PARAMETERS, overridden by the published_marts suite's meta.parameters, then by
    `parameters`, then by PRIMED_DQ_<NAME> environment variables."""
    suite = load_suite("published_marts")
    params = {**DEFAULT_PARAMETERS, **suite.meta.get("parameters", {}), **(parameters or {})}
    for k in list(params):
        env = os.environ.get(f"PRIMED_DQ_{k.upper()}")
        if env:
            params[k] = float(env)
    return params


def check_published_marts(
    candidate_db: str | Path,
    previous_db: str | Path | None,
    run_id: str,
    out_dir: str | Path | None = None,
    parameters: dict | None = None,
) -> list[CheckOutcome]:
    """The published_marts suite on the candidate marts (normally the work database), against
    the previous publish when there is one. Parameters: DEFAULT_PARAMETERS, overridable by the
    suite's meta.parameters, then by `parameters`, then by PRIMED_DQ_<NAME> variables."""
    suite = load_suite("published_marts")
    params = mart_check_parameters(parameters)
    params["min_spend_ratio"] = 1 / params["max_spend_factor"]
    params["neg_tolerance"] = -params["tolerance"]
    root = Path(out_dir) if out_dir else _quality_dir(Path(candidate_db))
    run_dir = _run_dir(root, run_id)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute(f"ATTACH {_q(str(candidate_db))} AS cand (READ_ONLY)")
        if previous_db and Path(previous_db).exists():
            con.execute(f"ATTACH {_q(str(previous_db))} AS prev (READ_ONLY)")
        frames = _mart_frames(con, bool(previous_db and Path(previous_db).exists()))
    finally:
        con.close()
    outcomes: list[CheckOutcome] = []
    for e in suite.expectations:
        frame_name = e["meta"]["frame"]
        name = MART_CHECK_NAMES.get(frame_name, frame_name)
        df = frames.get(frame_name)
        if df is None:
            continue
        one = Suite(f"{suite.name}_{frame_name}", suite.meta, [e], suite.digest)
        per_asset = (
            [(f"marts/{m}", df[df["mart"] == m]) for m in sorted(set(df["mart"]))]
            if e["meta"]["asset"] == "*"
            else [(e["meta"]["asset"], df)]
        )
        for asset, sub in per_asset:
            raw: list[dict] = []
            res = run_frames(one, "row", [sub], params, raw)[0] if len(sub) else None
            path = run_dir / f"{_safe(asset)}__{name}.json"
            path.write_text(
                json.dumps({"parameters": params, "gx_validation_results": raw}, default=str)
            )
            passed = res.success if res else True
            detail = _frame_detail(frame_name, sub, params)
            rule = e["meta"].get("rule", "")
            outcomes.append(
                CheckOutcome(
                    name=name,
                    asset=asset,
                    passed=passed,
                    blocking=is_blocking(e),
                    description=rule if passed else f"{rule}: {_explain_mart(detail)}",
                    metadata={
                        "gx_results_path": str(path),
                        "rows_checked": len(sub),
                        "unexpected_rows": res.unexpected_count if res else 0,
                        "parameters": {k: round(v, 4) for k, v in params.items()},
                        **detail,
                    },
                )
            )
    return outcomes


def _explain_mart(detail: dict) -> str:
    """What a failed mart check found, in a line (the frame's detail, as its metadata)."""
    if "candidate_rows" in detail:
        prev = detail["previous_rows"]
        before = "none" if prev is None else f"{prev:,}"
        return f"{detail['candidate_rows']:,} rows now, {before} in the published release"
    if "out_of_range" in detail:
        return f"{detail['out_of_range']:,} value(s) outside 0 to 1"
    if "missing_team_months" in detail:
        missing = detail["missing_team_months"]
        return "missing: " + ", ".join(f"{m['team_code']} {m['month']}" for m in missing[:5])
    if "jumps" in detail:
        return "months: " + ", ".join(
            f"{j['month']} ({j['committed']} after {j['previous']})" for j in detail["jumps"][:5]
        )
    if "beyond_tolerance" in detail:
        examples = detail["examples"][:3]
        return f"{detail['beyond_tolerance']} month and service type row(s), e.g. " + ", ".join(
            f"{x['month']} {x['service_type']} ({x['relative_difference']:+.1%})" for x in examples
        )
    return "see the check's metadata"


def _frame_detail(frame_name: str, df, params: dict) -> dict:
    if frame_name == "row_counts":
        r = df.iloc[0]
        prev = r["previous_rows"]
        return {
            "candidate_rows": int(r["candidate_rows"]),
            "previous_rows": None if prev is None or prev != prev else int(prev),
        }
    if frame_name == "shares":
        return {"out_of_range": int(((df["value"] < 0) | (df["value"] > 1)).sum())}
    if frame_name == "team_months":
        missing = df[~df["present"].astype(bool)]
        return {"missing_team_months": missing[["team_code", "month"]].head(20).to_dict("records")}
    if frame_name == "spend_months":
        f = params["max_spend_factor"]
        bad = df[(df["ratio"] > f) | (df["ratio"] < 1 / f)]
        return {"jumps": bad.round(2).head(20).to_dict("records")}
    if frame_name == "reconciliation":
        t = params["tolerance"]
        bad = df[df["relative_difference"].abs() > t]
        return {"beyond_tolerance": len(bad), "examples": bad.round(3).head(20).to_dict("records")}
    return {}


def check_published_marts_for(paths: WarehousePaths, run_id: str) -> list[CheckOutcome]:
    """Convenience: the work database's marts against the published release."""
    previous = paths.published_db if paths.published_db.exists() else None
    return check_published_marts(paths.work_db, previous, run_id)
