"""Publishing to a PostgreSQL server (issue 14): BI tools read a server, not a file.

A throwaway PostgreSQL 15 server; the demo warehouse's release loaded into it; every mart's
rows and comments equal to the published DuckDB file's; a reader connected during a swap sees
the old release or the new one, never a mix; a failed load leaves the previous release.
"""

from __future__ import annotations

import math
import shutil
import threading
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.publish.postgres import PostgresTarget, load_release
from pipeline.publish.release import publish
from tests.postgres import postgres_server, server_programs

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(server_programs() is None, reason="PostgreSQL not installed"),
]
psycopg2 = pytest.importorskip("psycopg2")


@pytest.fixture(scope="module")
def server():
    with postgres_server() as settings:
        dsn = " ".join(f"{k}={v}" for k, v in settings.items())
        yield settings, dsn


def connect(settings: dict):
    con = psycopg2.connect(**settings)
    con.autocommit = True
    return con


def publish_to(release_db: Path, dsn: str, **kw) -> None:
    load_release(release_db, PostgresTarget(dsn, **kw), print).swap()


def variant(release_db: Path, folder: Path, run_id: str, drop_requests: int) -> Path:
    """A copy of a release with another run id and fewer requests: a release told apart."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "primed.duckdb"
    shutil.copyfile(release_db, copy)
    copy.chmod(0o644)
    con = duckdb.connect(str(copy))
    con.execute("UPDATE marts._release SET run_id = ?", [run_id])
    con.execute(
        "DELETE FROM marts.fct_requests WHERE event_id IN "
        f"(SELECT event_id FROM marts.fct_requests ORDER BY event_id LIMIT {drop_requests})"
    )
    con.close()
    return copy


def rows(cur_or_con, sql: str) -> list[tuple]:
    out = cur_or_con.execute(sql)
    return (out or cur_or_con).fetchall()


def same(a: list[tuple], b: list[tuple]) -> bool:
    def norm(v):
        if isinstance(v, float):
            return None if math.isnan(v) else round(v, 6)
        if hasattr(v, "as_tuple"):  # Decimal
            return round(float(v), 6)
        return v

    def key(row: tuple) -> tuple:  # NULLs sort first, beside values of any type
        return tuple((v is not None, "" if v is None else v) for v in row)

    rows_a = sorted((tuple(map(norm, r)) for r in a), key=key)
    return rows_a == sorted((tuple(map(norm, r)) for r in b), key=key)


def test_every_mart_and_comment_reaches_the_server(server, demo_build):
    settings, dsn = server
    _, paths = demo_build
    publish_to(paths.published_db, dsn)
    duck = duckdb.connect(str(paths.published_db), read_only=True)
    pg = connect(settings)
    cur = pg.cursor()
    try:
        tables = [r[0] for r in rows(duck, "SELECT table_name FROM duckdb_tables() ORDER BY 1")]
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'marts' ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == tables and len(tables) > 25
        for table in tables:
            cur.execute(f"SELECT * FROM marts.{table}")
            assert same(cur.fetchall(), rows(duck, f"SELECT * FROM marts.{table}")), table
            cur.execute(
                "SELECT obj_description(%s::regclass), "
                "array_agg(col_description(%s::regclass, attnum) ORDER BY attnum) "
                "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [f"marts.{table}"] * 3,
            )
            table_comment, column_comments = cur.fetchone()
            expected = rows(
                duck,
                "SELECT t.comment, list(c.comment ORDER BY c.column_index) FROM duckdb_tables() t "
                "JOIN duckdb_columns() c USING (table_name) "
                f"WHERE t.table_name = '{table}' GROUP BY ALL",
            )[0]
            assert (table_comment, column_comments) == (expected[0], list(expected[1])), table
        # BI users read through the reader role, and only read.
        cur.execute("SET ROLE primed_reader")
        cur.execute("SELECT count(*) FROM marts.fct_requests")
        assert cur.fetchone()[0] == rows(duck, "SELECT count(*) FROM marts.fct_requests")[0][0]
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("DELETE FROM marts.fct_requests")
        # Any other account on the server (PUBLIC) reads nothing (docs/data-protection.md).
        pg.rollback()
        cur.execute(
            "SELECT has_schema_privilege('public', 'marts', 'USAGE'), "
            "has_table_privilege('public', 'marts.dim_person', 'SELECT')"
        )
        assert cur.fetchone() == (False, False)
    finally:
        pg.close()
        duck.close()


def test_a_reader_during_the_swap_sees_one_release_or_the_other(server, demo_build, tmp_path):
    settings, dsn = server
    _, paths = demo_build
    old = variant(paths.published_db, tmp_path / "old", "release-old", 10)
    new = variant(paths.published_db, tmp_path / "new", "release-new", 20)
    publish_to(old, dsn)
    releases = {}
    for name, db in (("release-old", old), ("release-new", new)):
        con = duckdb.connect(str(db), read_only=True)
        releases[name] = rows(con, "SELECT count(*) FROM marts.fct_requests")[0][0]
        con.close()
    query = "SELECT (SELECT run_id FROM marts._release), (SELECT count(*) FROM marts.fct_requests)"
    seen: list[tuple] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def read() -> None:
        con = connect(settings)
        try:
            while not stop.is_set():
                seen.append(tuple(rows(con.cursor(), query)[0]))
        except Exception as exc:  # a reader must never fail either
            errors.append(exc)
        finally:
            con.close()

    # A BI session in the middle of a transaction on the old release when the swap begins:
    # the swap waits for it, and everything it reads is the old release.
    session = psycopg2.connect(**settings)
    scur = session.cursor()
    scur.execute("SELECT run_id FROM marts._release")
    assert scur.fetchone()[0] == "release-old"
    reader = threading.Thread(target=read)
    reader.start()
    prepared = load_release(new, PostgresTarget(dsn), print)
    swapper = threading.Thread(target=prepared.swap)
    swapper.start()
    time.sleep(1.5)
    assert swapper.is_alive(), "the swap must wait for the open transaction"
    scur.execute("SELECT count(*) FROM marts.fct_requests")
    assert scur.fetchone()[0] == releases["release-old"]
    session.commit()
    session.close()
    swapper.join(60)
    assert not swapper.is_alive()
    time.sleep(0.5)
    stop.set()
    reader.join(10)
    assert not errors
    assert set(seen) <= set(releases.items()), set(seen) - set(releases.items())
    assert {s[0] for s in seen} == set(releases), "the reader saw both releases"


def test_a_failed_load_leaves_the_previous_release(server, demo_build, tmp_path):
    settings, dsn = server
    _, paths = demo_build
    good = variant(paths.published_db, tmp_path / "good", "release-good", 1)
    publish_to(good, dsn)
    bad = variant(paths.published_db, tmp_path / "bad", "release-bad", 1)
    con = duckdb.connect(str(bad))
    con.execute("CREATE TABLE marts.zz_unloadable AS SELECT MAP {'a': 1} AS m")
    con.close()
    with pytest.raises(PrimedError, match="zz_unloadable.m: no PostgreSQL type"):
        load_release(bad, PostgresTarget(dsn), print)
    pg = connect(settings)
    try:
        cur = pg.cursor()
        cur.execute("SELECT run_id FROM marts._release")
        assert cur.fetchone()[0] == "release-good"
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'marts%' ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == ["marts"]
    finally:
        pg.close()


def test_publishing_loads_the_server_when_told_to(server, demo_build, tmp_path, monkeypatch):
    settings, dsn = server
    _, demo_paths = demo_build
    paths = WarehousePaths.at(tmp_path / "warehouse")
    shutil.copytree(demo_paths.root, paths.root, symlinks=True)
    monkeypatch.setenv("PRIMED_PUBLISH_PG", dsn)
    monkeypatch.setenv("PRIMED_PUBLISH_PG_SCHEMA", "published")
    publish(paths, "run-to-the-server")
    pg = connect(settings)
    try:
        cur = pg.cursor()
        cur.execute("SELECT run_id FROM published._release")
        assert cur.fetchone()[0] == "run-to-the-server"
    finally:
        pg.close()
    monkeypatch.setenv("PRIMED_PUBLISH_PG", "host=127.0.0.1 port=1 dbname=nowhere")
    before = (paths.published / "primed.duckdb").resolve()
    with pytest.raises(PrimedError, match="cannot connect to the PostgreSQL server"):
        publish(paths, "run-that-fails")
    assert (paths.published / "primed.duckdb").resolve() == before
