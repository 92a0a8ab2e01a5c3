"""The small frames GX validates, built in DuckDB.

GX never gets a whole extract: one DuckDB pass over all the files checked groups the columns
each row rule needs into distinct combinations per file with their row count `_n` and example
row numbers (`profile`); GX validates that small frame and the counts are weighted by `_n`.
Reference files are small and go to GX row by row (`frame_sql`, `batches`). Whole-file
rules (`meta.scope = "file"`) run on one summary row per file and reporting period
(`FILE_FRAMES`).

Personal fields (NHS number, names, date of birth, postcode, person ids) reach GX masked as
`*` (or NULL when blank), so no GX result, check metadata or log line can hold them; their
format rules run in DuckDB (`nhs_number__parse`...) and arrive as `ok` / `invalid`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import duckdb

from pipeline.core import contract
from pipeline.quality.rules_sql import canonical_select, derived_columns
from pipeline.quality.suites import Suite

BATCH_ROWS = 500_000
MAX_EXAMPLES = 5  # example row numbers per expectation
PII = {c.name for c in contract.CLD_COLUMNS + contract.PAYMENT_COLUMNS if c.pii}
# Over a relation of several files' loaded rows (`_file`): one summary row per file (and period).
FILE_FRAMES = {
    "cld": "SELECT _file, reporting_period_end_date, count(*) AS rows, "
    "any_value(ends) AS reporting_period_ends_in_file, "
    "any_value(starts) AS reporting_period_starts_in_file, any_value(las) AS la_codes_in_file "
    "FROM {rel} JOIN (SELECT _file, count(DISTINCT reporting_period_end_date) AS ends, "
    "count(DISTINCT reporting_period_start_date) AS starts, count(DISTINCT la_code) AS las "
    "FROM {rel} GROUP BY _file) USING (_file) GROUP BY ALL",
    "payments": "SELECT _file, count(*) - count(DISTINCT payment_id) AS duplicate_payment_ids "
    "FROM {rel} GROUP BY _file",
}


def raw_relation(kind: str, file_id: int) -> str:
    """One loaded file's rows of its raw table, as a canonical relation (`_row` + VARCHAR)."""
    sources = {c.name: c.name for c in contract.KIND_COLUMNS[kind]}
    return (
        f"(SELECT _row_number AS _row, {canonical_select(kind, sources)} "
        f"FROM raw.{contract.RAW_TABLE[kind]} WHERE _file_id = {int(file_id)})"
    )


def raw_files_relation(kind: str, file_ids: list[int], db: str = "") -> str:
    """Several loaded files' rows of their raw table as one canonical relation: `_file` (the
    file id), `_loaded` (true), `_row` and every contract column as VARCHAR."""
    sources = {c.name: c.name for c in contract.KIND_COLUMNS[kind]}
    ids = ", ".join(str(int(i)) for i in file_ids) or "NULL"
    return (
        f"(SELECT _file_id AS _file, true AS _loaded, _row_number AS _row, "
        f"{canonical_select(kind, sources)} FROM {db}raw.{contract.RAW_TABLE[kind]} "
        f"WHERE _file_id IN ({ids}))"
    )


def frame_columns(suite: Suite, scope: str = "row") -> list[str]:
    """The columns a scope's rules read (their columns and their conditions' `_` columns)."""
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
    kinds = {c.name: c.kind for c in contract.KIND_COLUMNS[kind]}
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


def batches(con: duckdb.DuckDBPyConnection, sql: str, rows: int) -> Iterator[Any]:
    """The query's rows as DataFrames of at most `rows` rows, indexed by `_row`."""
    reader = con.sql(sql).to_arrow_reader(rows)
    for batch in reader:
        df = batch.to_pandas()
        yield df.set_index("_row")


# --------------------------------------------------------------------------- grouped frames


def grouped_column(e: dict) -> str:
    """Null checks need only blank / given: `<col>__given` keeps the grouped frame small."""
    col = e["kwargs"]["column"]
    return f"{col}__given" if e["type"] == "expect_column_values_to_not_be_null" else col


def expectation_columns(e: dict) -> list[str]:
    """A row rule's grouping set: its column and its condition's `_` columns."""
    cols = [grouped_column(e)]
    cond = e["kwargs"].get("row_condition")
    if cond:
        for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", cond):
            if t.startswith("_") and t not in cols:
                cols.append(t)
    return cols
