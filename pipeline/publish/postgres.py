"""Publishing to PostgreSQL: the release's marts in a server schema that BI tools read.

When `PRIMED_PUBLISH_PG` names a server (a libpq connection string or URL; the password from
`PGPASSWORD` or `~/.pgpass`, never from the repository), publishing loads every table of the
new release into `<schema>__loading` beside the published schema, with the tables' and
columns' comments, then swaps it in with one transaction: the old schema's tables are locked
(waiting, without blocking anyone, until no reader's transaction holds them), renamed away,
the new schema renamed in, the reader role granted, the old tables dropped. A BI query sees
the old release or the new one, never a mix; a failed load leaves the published schema as it
was and removes what it loaded.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.sql import ident as _ident
from pipeline.core.sql import literal as _literal

PG_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "SMALLINT": "smallint",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "JSON": "jsonb",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class PostgresTarget:
    dsn: str  # libpq connection string or URL
    schema: str = "marts"
    reader_role: str = "primed_reader"
    swap_timeout: float = 300.0  # seconds to wait for readers' transactions to let go

    def __post_init__(self):
        for name in (self.schema, self.reader_role):
            if not _NAME.fullmatch(name):
                raise PrimedError(f"{name!r} is not a plain PostgreSQL name (letters, digits, _)")


def publish_target(settings: Settings) -> PostgresTarget | None:
    """Where publishing also loads the marts (PRIMED_PUBLISH_PG), or None."""
    if not settings.publish_pg:
        return None
    return PostgresTarget(
        settings.publish_pg,
        schema=settings.publish_pg_schema,
        reader_role=settings.publish_pg_reader,
        swap_timeout=settings.publish_pg_swap_timeout,
    )


def _connect(dsn: str):
    try:
        import psycopg2
    except ImportError:
        raise PrimedError(
            "publishing to PostgreSQL needs psycopg2: install primed with its postgres extra"
        ) from None
    try:
        return psycopg2.connect(dsn)
    except psycopg2.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PrimedError(
            f"cannot connect to the PostgreSQL server to publish to: {first}"
        ) from None


def copy_tables(
    src: duckdb.DuckDBPyConnection,
    src_schema: str,
    cur: Any,
    dst_schema: str,
    tables: list[str],
    tmp: Path,
    comments: bool = False,
) -> dict[str, int]:
    """Create each DuckDB table of `src_schema` in PostgreSQL's `dst_schema` (same columns and
    types; lists become text arrays) and fill it with COPY; with `comments`, the table and
    column comments too. Row counts by table. The caller commits."""
    counts: dict[str, int] = {}
    for table in tables:
        columns = src.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            [src_schema, table],
        ).fetchall()
        ddl, select = [], []
        for name, dtype, _ in columns:
            if dtype.endswith("[]"):
                ddl.append(f"{_ident(name)} text[]")
                # PostgreSQL's array literal: {"a","b"} with \ and " escaped.
                element = "'\"' || replace(replace(x, '\\', '\\\\'), '\"', '\\\"') || '\"'"
                select.append(
                    f"'{{' || array_to_string(list_transform({_ident(name)}, lambda x: "
                    f"{element}), ',') || '}}' AS {_ident(name)}"
                )
            else:
                pg_type = PG_TYPES.get(dtype) or dtype.replace("DECIMAL", "numeric")
                if not re.fullmatch(r"numeric\(\d+,\d+\)|[a-z ]+", pg_type):
                    raise PrimedError(f"{table}.{name}: no PostgreSQL type for DuckDB's {dtype}")
                ddl.append(f"{_ident(name)} {pg_type}")
                select.append(_ident(name))
        target = f"{_ident(dst_schema)}.{_ident(table)}"
        cur.execute(f"CREATE TABLE {target} ({', '.join(ddl)})")
        csv_path = tmp / f"{table}.csv"
        src.execute(
            f"COPY (SELECT {', '.join(select)} FROM {_ident(src_schema)}.{_ident(table)}) "
            f"TO {_literal(str(csv_path))} (HEADER, FORMAT csv)"
        )
        with csv_path.open(encoding="utf-8") as f:
            cur.copy_expert(f"COPY {target} FROM STDIN WITH (FORMAT csv, HEADER)", f)
        csv_path.unlink()
        counts[table] = src.execute(
            f"SELECT count(*) FROM {_ident(src_schema)}.{_ident(table)}"
        ).fetchall()[0][0]
        if comments:
            _copy_comments(src, src_schema, table, cur, target, columns)
    return counts


def _copy_comments(src, src_schema: str, table: str, cur, target: str, columns) -> None:
    row = src.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [src_schema, table],
    ).fetchall()
    if row and row[0][0]:
        cur.execute(f"COMMENT ON TABLE {target} IS %s", [row[0][0]])
    for name, _, comment in columns:
        if comment:
            cur.execute(f"COMMENT ON COLUMN {target}.{_ident(name)} IS %s", [comment])


class PostgresRelease:
    """A release loaded beside the published schema, waiting to be swapped in (or dropped)."""

    def __init__(self, target: PostgresTarget, con, say: Callable[[str], None]):
        self.target, self.con, self.say = target, con, say
        self.loading = f"{target.schema}__loading"

    def swap(self) -> None:
        """Swap the loaded schema in, in one transaction; the old release is dropped."""
        import psycopg2

        schema, previous = self.target.schema, f"{self.target.schema}__previous"
        deadline = time.monotonic() + self.target.swap_timeout
        cur = self.con.cursor()
        while True:
            try:
                old = self._tables(cur, schema)
                if old:
                    # NOWAIT: never hold some locks while waiting for others, so no reader
                    # is ever blocked or deadlocked by a half-taken swap; try again shortly.
                    names = ", ".join(f"{_ident(schema)}.{_ident(t)}" for t in old)
                    cur.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE NOWAIT")
                    cur.execute(f"DROP SCHEMA IF EXISTS {_ident(previous)} CASCADE")
                    cur.execute(f"ALTER SCHEMA {_ident(schema)} RENAME TO {_ident(previous)}")
                cur.execute(f"ALTER SCHEMA {_ident(self.loading)} RENAME TO {_ident(schema)}")
                self._grant(cur, schema)
                if old:
                    self._drop_previous(cur, previous, old)
                self.con.commit()
                break
            except psycopg2.errors.LockNotAvailable:
                self.con.rollback()
                if time.monotonic() > deadline:
                    self.discard()
                    raise PrimedError(
                        f"readers held the PostgreSQL schema {schema} for over "
                        f"{self.target.swap_timeout:.0f}s; the previous release stays"
                    ) from None
                time.sleep(0.2)
        self.con.close()
        self.say(f"  PostgreSQL: schema {schema} swapped in")

    def _drop_previous(self, cur, previous: str, tables: list[str]) -> None:
        """Drop the old tables, unless the council built objects on them (views elsewhere):
        then keep them under a dated name and say so, rather than drop someone's work."""
        import psycopg2

        cur.execute("SAVEPOINT drop_previous")
        try:
            names = ", ".join(f"{_ident(previous)}.{_ident(t)}" for t in tables)
            cur.execute(f"DROP TABLE {names}")
            cur.execute(f"DROP SCHEMA {_ident(previous)}")
        except psycopg2.errors.DependentObjectsStillExist as exc:
            cur.execute("ROLLBACK TO SAVEPOINT drop_previous")
            kept = f"{self.target.schema}__kept_{time.strftime('%Y%m%d%H%M%S')}"
            cur.execute(f"ALTER SCHEMA {_ident(previous)} RENAME TO {_ident(kept)}")
            detail = str(exc).strip().splitlines()[0]
            self.say(f"  PostgreSQL: the previous release is kept as {kept}: {detail}")

    def discard(self) -> None:
        try:
            self.con.rollback()
            cur = self.con.cursor()
            cur.execute(f"DROP SCHEMA IF EXISTS {_ident(self.loading)} CASCADE")
            self.con.commit()
        finally:
            self.con.close()

    def _grant(self, cur, schema: str) -> None:
        role = self.target.reader_role
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if not cur.fetchall():
            import psycopg2

            cur.execute("SAVEPOINT create_role")
            try:
                cur.execute(f"CREATE ROLE {_ident(role)} NOLOGIN")
            except psycopg2.errors.InsufficientPrivilege:
                cur.execute("ROLLBACK TO SAVEPOINT create_role")
                self.say(f"  PostgreSQL: role {role} does not exist and cannot be created here")
                return
        cur.execute(f"GRANT USAGE ON SCHEMA {_ident(schema)} TO {_ident(role)}")
        cur.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {_ident(schema)} TO {_ident(role)}")

    @staticmethod
    def _tables(cur, schema: str) -> list[str]:
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        return [r[0] for r in cur.fetchall()]


def load_release(
    release_db: Path, target: PostgresTarget, say: Callable[[str], None], schema: str = "marts"
) -> PostgresRelease:
    """Load every table of a release's DuckDB file into `<schema>__loading`, committed, for
    `swap()`. On failure, nothing is left behind and the published schema is untouched."""
    con = _connect(target.dsn)
    release = PostgresRelease(target, con, say)
    src = duckdb.connect(str(release_db), read_only=True)
    try:
        cur = con.cursor()
        cur.execute(f"DROP SCHEMA IF EXISTS {_ident(release.loading)} CASCADE")
        cur.execute(f"CREATE SCHEMA {_ident(release.loading)}")
        tables = [
            r[0]
            for r in src.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1", [schema]
            ).fetchall()
        ]
        with tempfile.TemporaryDirectory(prefix="primed-pg-") as tmp:
            counts = copy_tables(src, schema, cur, release.loading, tables, Path(tmp), True)
        con.commit()
    except BaseException as exc:
        release.discard()
        if isinstance(exc, PrimedError):
            raise
        import psycopg2

        if isinstance(exc, psycopg2.Error):
            first = str(exc).strip().splitlines()[0]
            raise PrimedError(f"loading the release into PostgreSQL failed: {first}") from None
        raise
    finally:
        src.close()
    say(f"  PostgreSQL: {len(counts)} tables, {sum(counts.values()):,} rows loaded beside")
    return release
