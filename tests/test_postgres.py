"""The dbt project on PostgreSQL, the route for a council that outgrows one machine: from the
same raw rows, every model, data test and unit test builds on a real PostgreSQL server, and
every mart holds what DuckDB's does."""

from __future__ import annotations

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from pipeline.dbt_project import PROJECT_DIR
from tests.postgres import copy_raw_schema, postgres_server, server_programs

pytestmark = pytest.mark.skipif(
    server_programs() is None, reason="PostgreSQL's server programs are not installed"
)
NUMERIC = ("DOUBLE", "DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "FLOAT")


def _fingerprints(work_db) -> dict[str, tuple[list[str], str]]:
    """Per mart: its column names and one query giving rows, and per column the rounded sum
    (numbers) or the count of distinct values (anything else)."""
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
            f'round(cast(sum("{c}") as numeric), 2)'
            if d.startswith(NUMERIC)
            else f'count(distinct "{c}")'
            for c, d in cols
        ]
        out[table] = (
            ["rows"] + [c for c, _ in cols],
            f'select {", ".join(exprs)} from marts."{table}"',
        )
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 0.011


def test_the_project_builds_on_postgres_and_every_mart_matches_duckdb(
    demo_build, tmp_path, monkeypatch
):
    import psycopg2

    _, paths = demo_build
    with postgres_server() as pg:
        copied = copy_raw_schema(paths.work_db, pg, tmp_path)
        assert copied["cld_events"] > 1000 and copied["_quarantine"] > 0
        monkeypatch.setenv("PRIMED_DBT_TARGET", "postgres")
        monkeypatch.setenv("PRIMED_PG_HOST", pg["host"])
        monkeypatch.setenv("PRIMED_PG_PORT", str(pg["port"]))
        monkeypatch.setenv("PRIMED_PG_USER", pg["user"])
        monkeypatch.setenv("PRIMED_PG_DATABASE", pg["dbname"])
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir", str(PROJECT_DIR),
                "--profiles-dir", str(PROJECT_DIR),
                "--target-path", str(tmp_path / "target"),
                "--log-path", str(tmp_path / "logs"),
                "--quiet",
            ]
        )  # fmt: skip
        results = result.result.results if result.result is not None else []
        failed = [r.node.unique_id for r in results if str(r.status) in ("error", "fail")]
        assert result.success and not failed, failed or result.exception
        assert sum(r.node.resource_type == "unit_test" for r in results) > 25

        con = psycopg2.connect(**pg)
        differences = []
        try:
            cur = con.cursor()
            fingerprints = _fingerprints(paths.work_db)
            assert len(fingerprints) >= 25
            duck = duckdb.connect(str(paths.work_db), read_only=True)
            try:
                for table, (names, sql) in fingerprints.items():
                    expected = duck.execute(sql).fetchall()[0]
                    cur.execute(sql)
                    got = cur.fetchone()
                    differences += [
                        (table, name, e, g)
                        for name, e, g in zip(names, expected, got, strict=True)
                        if not _same(e, g)
                    ]
            finally:
                duck.close()
        finally:
            con.close()
    assert differences == []
