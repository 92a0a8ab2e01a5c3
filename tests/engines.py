"""What the portability tests share: a dbt build on another engine, and one comparison of its
marts with DuckDB's. Per mart, the same query on both engines gives the row count and, per
column, the sum rounded to 2 decimals (numbers) or the count of distinct values (anything
else); any value that differs by more than 0.011 is a difference."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from pipeline.transform.dbt_project import PROJECT_DIR

NUMERIC = ("DOUBLE", "DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "FLOAT")


def dbt_build_on(target: str, scratch: Path):
    """`dbt build` of the whole project in process on PRIMED_DBT_TARGET=`target` (the caller
    sets the target's settings in the environment), with dbt's target and logs in `scratch`.
    Returns the results; asserts that nothing failed."""
    assert os.environ.get("PRIMED_DBT_TARGET") == target
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(scratch / "target"),
            "--log-path", str(scratch / "logs"),
            "--quiet",
        ]
    )  # fmt: skip
    results = result.result.results if result.result is not None else []
    failed = [r.node.unique_id for r in results if str(r.status) in ("error", "fail")]
    assert result.success and not failed, failed or result.exception
    return results


def mart_queries(work_db: Path, quote: str = '"') -> dict[str, tuple[list[str], str]]:
    """Per mart of `work_db`: the names of what is compared ("rows", then its columns) and the
    query that computes them, with identifiers in `quote` (a backtick on Spark)."""
    con = duckdb.connect(str(work_db), read_only=True)
    try:
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, dtype in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'marts' ORDER BY table_name, column_index"
        ).fetchall():
            columns.setdefault(table, []).append((column, dtype))
    finally:
        con.close()
    out = {}
    for table, cols in columns.items():
        exprs = ["count(*)"] + [
            f"round(cast(sum({quote}{c}{quote}) as decimal(38, 6)), 2)"
            if d.startswith(NUMERIC)
            else f"count(distinct {quote}{c}{quote})"
            for c, d in cols
        ]
        out[table] = (
            ["rows"] + [c for c, _ in cols],
            f"select {', '.join(exprs)} from marts.{quote}{table}{quote}",
        )
    return out


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 0.011


def mart_differences(
    work_db: Path, fetch_one: Callable[[str], Sequence], quote: str = '"'
) -> list[tuple[str, str, object, object]]:
    """(mart, column, DuckDB's value, the other engine's) for every difference; `fetch_one`
    runs a query on the other engine and returns its one row."""
    duck_queries = mart_queries(work_db)
    other_queries = mart_queries(work_db, quote)
    assert len(duck_queries) >= 25
    differences = []
    duck = duckdb.connect(str(work_db), read_only=True)
    try:
        for table, (names, sql) in duck_queries.items():
            expected = duck.execute(sql).fetchall()[0]
            got = tuple(fetch_one(other_queries[table][1]))
            differences += [
                (table, name, e, g)
                for name, e, g in zip(names, expected, got, strict=True)
                if not same(e, g)
            ]
    finally:
        duck.close()
    return differences
