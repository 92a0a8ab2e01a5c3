"""The data of the per-file DQ report, in the spirit of the national collection's own.

Per field: counts of valid, blank allowed, blank but mandatory, invalid and Release 1 values
(cld.md 1.4 check codes 1, 0, -1, -2..-6, -7), from the rules in expectations/raw_cld_events.json
(`rules_sql.field_status_sql`); the coded values that are not valid Release 2 values, with
counts; example row numbers; the reporting periods. Never a personal value: personal fields
show counts and row numbers only, and values are listed for coded (defined-list) fields alone.

`from_profile` fills a `ValidationReport` from one streaming DuckDB pass (`profile`, with a
memory limit: `connect`), so a multi-GB extract needs no more than a bounded amount of memory;
for loaded files the raw checks make that pass (with their own) and cache its reports, and
publishing only renders them. `analyse` does it for one relation (`dq_file`: a file not
loaded); `dq_page` writes the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.sql import literal
from pipeline.quality.codes import (
    CODED_FIELDS,
    LocalMapping,
    code_key,
    code_table,
    local_mappings,
    r2_values,
)
from pipeline.quality.profile import DATES, PERIOD, Profile, profile
from pipeline.quality.suites import Suite, suite_for_kind

THREADS = 2
EXAMPLES = 5
VALUE_EXAMPLES = 3  # example rows per value that is not a Release 2 value
STATUS_COLUMNS = ("valid", "blank_allowed", "blank_mandatory", "invalid", "release_1")
HEADERS = {c.name: c.header for c in contract.CLD_COLUMNS}
BUCKETS = {1: "valid", 0: "blank_allowed", -1: "blank_mandatory", -7: "release_1"}  # else invalid
VALUE_STATUS = {  # a value's status by the release its mapping gives
    "R1": "release_1",
    "invalid": "invalid (maps to Invalid and not mapped)",
    "R2": "invalid (case or punctuation differs from Release 2)",
    None: "unmapped",
}


@dataclass
class FieldStats:
    field: str
    header: str
    present: bool
    rule: str
    valid: int = 0
    blank_allowed: int = 0
    blank_mandatory: int = 0
    invalid: int = 0
    release_1: int = 0
    examples: dict[str, list[int]] = field(default_factory=dict)
    time_of_day: int = 0  # dates with a time other than midnight (kept as the date)


@dataclass
class ValueStats:
    field: str
    value: str
    status: str  # release_1 | invalid (mapped to Invalid) | variant of R2 | unmapped
    rows: int
    examples: list[int]


@dataclass
class ValidationReport:
    file_name: str
    status: str  # checked | refused
    reason: str = ""
    rows: int = 0
    malformed_rows: list[int] = field(default_factory=list)
    nul_rows: list[int] = field(default_factory=list)  # rows with a stray NUL: quarantined
    fields: list[FieldStats] = field(default_factory=list)
    values: list[ValueStats] = field(default_factory=list)
    periods: list[dict] = field(default_factory=list)
    reconciliation: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # as ingestion would warn
    html_path: Path | None = None
    csv_path: Path | None = None

    @property
    def problem_rows(self) -> int:
        return sum(f.blank_mandatory + f.invalid + f.release_1 for f in self.fields)


def report_from_json(text: str) -> ValidationReport:
    """A report saved as JSON (dataclasses.asdict), without its paths."""
    data = json.loads(text)
    data.update(html_path=None, csv_path=None)
    data["fields"] = [FieldStats(**f) for f in data["fields"]]
    data["values"] = [ValueStats(**v) for v in data["values"]]
    return ValidationReport(**data)


def connect(tmp: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for the report's scans, spilling to `tmp` beyond `memory_limit`."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {THREADS}")
    con.execute(f"SET temp_directory = {literal(str(tmp))}")
    con.execute("SET enable_progress_bar = false")
    return con


# --------------------------------------------------------------------------- fields


def _rules_text(suite: Suite, name: str) -> str:
    rules = []
    for e in suite.expectations:
        meta = e.get("meta", {})
        row_rule = meta.get("field") == name and meta.get("scope", "row") == "row"
        if row_rule and meta.get("rule") and meta["rule"] not in rules:
            rules.append(meta["rule"])
    return "; ".join(rules)


def _field_stats(f: str, suite: Suite, present: set[str], counts: dict, times: dict) -> FieldStats:
    """A field's counts per check code, with example rows of each problem."""
    stats = FieldStats(f, HEADERS[f], f in present, _rules_text(suite, f))
    for (name, value), (n, ex) in counts.items():
        if name != f:
            continue
        key = BUCKETS.get(value, "invalid")
        setattr(stats, key, getattr(stats, key) + n)
        if ex and key != "valid":
            stats.examples[key] = sorted(stats.examples.get(key, []) + ex)[:EXAMPLES]
    # In check-code order, whatever order the query gave them in.
    stats.examples = {k: stats.examples[k] for k in STATUS_COLUMNS if k in stats.examples}
    if f in times:
        stats.time_of_day, stats.examples["time_of_day"] = times[f]
    return stats


def analyse(
    con: duckdb.DuckDBPyConnection, relation: str, present: set[str], report: ValidationReport
) -> None:
    """Fill a report from a canonical CLD relation (`_row` + every contract column, VARCHAR)."""
    rel = f"(SELECT 0 AS _file, false AS _loaded, * FROM {relation})"
    from_profile(profile(con, "cld", rel, None, suite_for_kind("cld")), 0, present, report)


def _examples(rows) -> list[int]:
    return sorted(int(x) for x in rows) if rows is not None else []


def from_profile(prof: Profile, file_key: int, present: set[str], report: ValidationReport) -> None:
    """Fill a report from one file's groups of a profile made with the CLD suite's DQ sets:
    counts per field and check code (example rows of the problems), dates with a time of day,
    the coded values that are not Release 2 values, the reporting periods."""
    suite = suite_for_kind("cld")
    fields = [c.name for c in contract.CLD_COLUMNS]
    counts: dict[tuple[str, int], tuple[int, list]] = {}
    times: dict[str, tuple[int, list]] = {}

    groups = prof.file_groups(file_key)

    def mine(column: str, *columns: str) -> list[tuple]:
        """The file's groups of the set of `column`: its columns' values, rows, examples."""
        cols = (column, *columns)
        return [(*(g[c] for c in cols), g["_n"], g["_rows"]) for g in groups.get(column, [])]

    for f in fields:
        for value, n, ex in mine(f"dqs_{f}"):
            counts[(f, int(value))] = (int(n), _examples(ex) if value < 0 else [])
    for f in DATES:
        for value, n, ex in mine(f"dqt_{f}"):
            if value == 1:
                times[f] = (int(n), _examples(ex))
    report.rows = sum(n for (f, _v), (n, _ex) in counts.items() if f == fields[0])
    report.fields.extend(_field_stats(f, suite, present, counts, times) for f in fields)
    _values(mine, present, report)
    periods = sorted(
        (p[:4] for p in mine(*PERIOD)), key=lambda p: (-p[3], *(str(x) for x in p[:3]))
    )[:20]
    report.periods = [
        {
            "reporting_period_start_date": _text(a),
            "reporting_period_end_date": _text(b),
            "la_code": _text(c),
            "rows": int(n),
        }
        for a, b, c, n in periods
    ]


def _text(value) -> str | None:
    """A VARCHAR cell of a pandas frame (None when NULL)."""
    return None if value is None or value != value else str(value)


# --------------------------------------------------------------------------- values


def _value_status(f: str, value: str, local: dict[tuple[str, str], LocalMapping]) -> str:
    """What a value that is not a Release 2 value is, and which local mapping decided."""
    releases = {code_key(raw): rel for raw, _r2, rel in code_table().get(f, [])}
    status = VALUE_STATUS.get(releases.get(code_key(value)), "")
    mine = local.get((f, code_key(value)))
    if mine:  # the council's own mapping decided: say so, and where
        status = (status or "local value") + (
            f" (mapped to {mine.r2_value} by {mine.file_name} row {mine.row_number})"
        )
    return status


def _values(mine, present: set[str], report: ValidationReport) -> None:
    """The coded fields' values that are not Release 2 values, with counts and example rows."""
    local = {(m.field, code_key(m.raw_value)): m for m in local_mappings()}
    for f in (f for f in CODED_FIELDS if f in present):
        for value, n, ex in mine(f"dqv_{f}"):
            value = _text(value)
            if value is None or value in r2_values(f):
                continue
            examples = _examples(ex)[:VALUE_EXAMPLES]
            report.values.append(
                ValueStats(f, value, _value_status(f, value, local), int(n), examples)
            )
    report.values.sort(key=lambda v: (v.field, -v.rows, v.value))
