"""The dbt project on PostgreSQL, the route for a council that outgrows one machine: from the
same raw rows, every model, data test and unit test builds on a real PostgreSQL server, and
every mart holds what DuckDB's does."""

from __future__ import annotations

import pytest

from tests.engines import dbt_build_on, mart_differences
from tests.postgres import copy_raw_schema, postgres_server, server_programs

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        server_programs() is None, reason="PostgreSQL's server programs are not installed"
    ),
]


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
        results = dbt_build_on("postgres", tmp_path)
        assert sum(r.node.resource_type == "unit_test" for r in results) > 25

        con = psycopg2.connect(**pg)
        try:
            cur = con.cursor()

            def fetch_one(sql: str):
                cur.execute(sql)
                return cur.fetchone()

            differences = mart_differences(paths.work_db, fetch_one)
            # Every table dbt built has the planner's statistics (macros/planner.sql): without
            # them a join of int_events_deduplicated was planned as a loop over every row.
            cur.execute(
                "select n.nspname || '.' || c.relname from pg_class c join pg_namespace n "
                "on n.oid = c.relnamespace where c.relkind = 'r' and c.reltuples < 0 "
                "and n.nspname in ('staging', 'intermediate', 'marts')"
            )
            never_analysed = cur.fetchall()
        finally:
            con.close()
    assert differences == []
    assert never_analysed == []
