"""A throwaway PostgreSQL server for the portability test, and a copy of a DuckDB warehouse's
raw schema into it. Needs PostgreSQL's server programs (initdb, pg_ctl) on PATH."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline.publish.postgres import copy_tables


def server_programs() -> tuple[str, str] | None:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    return (initdb, pg_ctl) if initdb and pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server(user: str = "primed", database: str = "primed") -> Iterator[dict]:
    """Start a server on a free local port with trust authentication; yield its connection
    settings; stop it and remove its files. As root, the server runs as user `postgres`
    (PostgreSQL refuses to run as root)."""
    programs = server_programs()
    assert programs, "PostgreSQL's initdb and pg_ctl are not on PATH"
    initdb, pg_ctl = programs
    root = Path(tempfile.mkdtemp(prefix="primed-pg-", dir="/tmp"))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)

    try:
        run(initdb, "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {root} -c listen_addresses=localhost -c fsync=off"
        run(pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        try:
            import psycopg2

            con = psycopg2.connect(host="localhost", port=port, user=user, dbname="postgres")
            con.autocommit = True
            con.cursor().execute(f"CREATE DATABASE {database}")
            con.close()
            yield {"host": "localhost", "port": port, "user": user, "dbname": database}
        finally:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def copy_raw_schema(work_db: Path, settings: dict, tmp: Path) -> dict[str, int]:
    """Every table of the DuckDB raw schema, same columns and types, into PostgreSQL."""
    import psycopg2

    src = duckdb.connect(str(work_db), read_only=True)
    pg = psycopg2.connect(**settings)
    try:
        cur = pg.cursor()
        cur.execute("CREATE SCHEMA raw")
        tables = src.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' ORDER BY 1"
        ).fetchall()
        copied = copy_tables(src, "raw", cur, "raw", [t for (t,) in tables], tmp)
        pg.commit()
    finally:
        pg.close()
        src.close()
    return copied
