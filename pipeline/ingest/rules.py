"""The row rules, as SQL over a file's cells (`c0`, `c1`...): each gives a problem's text or NULL.

A field is too long, not a date or number where one is due, missing where mandatory; a CLD row
names no person; a period ends before it starts; a cost is negative; a cell holds a NUL byte.
A row with any problem is quarantined with every problem, each named by the field's header.
"""

from __future__ import annotations

from pipeline.core import contract
from pipeline.core.contract import Column
from pipeline.core.sql import literal as q
from pipeline.ingest.header import CLD_REQUIRED_HEADERS
from pipeline.ingest.schema import SQL_TYPE

MAX_FIELD_CHARS = 4000  # no CLD field is longer; a longer one is a broken export
NUL_REASON = "holds a NUL byte (0x00), a stray byte from the exporting system"

Cols = dict[str, tuple[Column, str]]  # contract column name -> (column, its cell `cN`)
Rule = tuple[str, str]  # (field header, SQL giving the problem's text or NULL)


def typed_expr(col: Column, src: str) -> str:
    """The SQL reading the cell `src` as `col`'s kind (NULL when empty or unreadable)."""
    v = f"nullif(trim({src}), '')"
    if col.kind == "date":
        return contract.date_sql(v)
    if col.kind in ("number", "integer"):
        return contract.number_sql(v, integer=col.kind == "integer")
    return v


def typed_ref(name: str) -> str:
    """The column of `_in` holding a typed field's value, read once as the file is read."""
    return f"_t_{name}"


def _typed(cols: Cols, name: str) -> str:
    col, src = cols[name]
    return typed_ref(name) if col.kind in SQL_TYPE else typed_expr(col, src)


def _present(cols: Cols, name: str) -> str:
    return f"nullif(trim({cols[name][1]}), '') IS NOT NULL" if name in cols else "false"


def row_problems(kind: str, cols: Cols) -> list[Rule]:
    """Every row rule of a file of `kind` with these columns, in the order a row's problems
    are listed. A typed field (date, number) is read from its `typed_ref` column, not parsed
    again."""
    return _field_rules(cols) + _mandatory_rules(kind, cols) + _kind_rules(kind, cols)


def nul_rules(headers: dict[int, str]) -> list[Rule]:
    """A NUL byte in any cell (only a file holding NUL bytes pays for looking)."""
    return [
        (headers[pos], f"CASE WHEN contains(c{pos}, chr(0)) THEN {q(NUL_REASON)} END")
        for pos in sorted(headers)
    ]


def _field_rules(cols: Cols) -> list[Rule]:
    rules: list[Rule] = []
    for name, (col, src) in cols.items():
        rules.append(
            (
                col.header,
                f"CASE WHEN length({src}) > {MAX_FIELD_CHARS} "
                f"THEN 'longer than {MAX_FIELD_CHARS:,} characters' END",
            )
        )
        if col.kind in SQL_TYPE:
            what = {"date": "a date", "number": "a number", "integer": "a whole number"}[col.kind]
            shown = "" if col.pii else f" (' || {src} || ')"
            rules.append(
                (
                    col.header,
                    f"CASE WHEN {_present(cols, name)} AND {_typed(cols, name)} IS NULL "
                    f"THEN 'not {what}{shown}' END",
                )
            )
    return rules


def _mandatory_rules(kind: str, cols: Cols) -> list[Rule]:
    rules: list[Rule] = []
    ckba = "false"
    if "client_type" in cols:
        ckba = f"coalesce(lower({cols['client_type'][1]}) LIKE '%known by association%', false)"
    for col in contract.KIND_COLUMNS[kind]:
        mandatory = col.required or (kind == "cld" and col.name in CLD_REQUIRED_HEADERS)
        if not mandatory or col.name not in cols:
            continue
        exempt = (
            ckba if kind == "cld" and col.name in ("event_type", "event_start_date") else "false"
        )
        rules.append(
            (
                col.header,
                f"CASE WHEN NOT ({_present(cols, col.name)}) AND NOT {exempt} "
                "THEN 'missing (mandatory)' END",
            )
        )
    return rules


def _kind_rules(kind: str, cols: Cols) -> list[Rule]:
    rules: list[Rule] = []
    if kind == "cld":
        rules.append(
            (
                "NHS Number / LA Person Unique Identifier",
                f"CASE WHEN NOT ({_present(cols, 'nhs_number')}) "
                f"AND NOT ({_present(cols, 'la_person_unique_identifier')}) "
                "THEN 'both missing: the person cannot be identified' END",
            )
        )
        rules += _order_rule(cols, "event_start_date", "event_end_date")
        for name in ("unit_cost", "planned_units_per_week"):
            if name in cols:
                rules.append(
                    (
                        cols[name][0].header,
                        f"CASE WHEN {_typed(cols, name)} < 0 THEN 'negative' END",
                    )
                )
    if kind == "payments":
        rules += _order_rule(cols, "period_start_date", "period_end_date")
    if kind == "ref_targets":
        rules += _order_rule(cols, "period_start", "period_end")
    return rules


def _order_rule(cols: Cols, start: str, end: str) -> list[Rule]:
    if start not in cols or end not in cols:
        return []
    return [
        (
            cols[end][0].header,
            f"CASE WHEN {_typed(cols, end)} < {_typed(cols, start)} "
            f"THEN 'before {cols[start][0].header}' END",
        )
    ]


def problems_sql(rules: list[Rule]) -> str:
    """A row's problems: each its field's header and the rule's text; NULL (no problem) is
    left out."""
    if not rules:
        return "[]::VARCHAR[]"
    return (
        "list_filter(["
        + ", ".join(f"{q(h + ': ')} || ({expr})" for h, expr in rules)
        + "], lambda x: x IS NOT NULL)"
    )


def listed(items: list[str], rules: list[Rule], when_true: bool = False) -> str:
    """SQL list of `items[i]` for each rule whose expression is not NULL (or is true)."""
    if not rules:
        return "[]::VARCHAR[]"
    test = "" if when_true else " IS NOT NULL"
    cases = ", ".join(
        f"CASE WHEN ({expr}){test} THEN {item} END"
        for item, (_h, expr) in zip(items, rules, strict=True)
    )
    return f"list_filter([{cases}], lambda x: x IS NOT NULL)"


def record_cell(col: Column | None, src: str) -> str:
    """A quarantined row's cell as its record keeps it (an unknown column's as sent)."""
    if col is None or col.kept == "value":
        return src
    return contract.kept_sql(col, f"nullif(trim({src}), '')", typed=False)
