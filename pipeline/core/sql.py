"""SQL text made safely, written once: a string literal, a quoted name, and whether a table
exists (looked up in DuckDB's catalogue, so a missing table is told apart from a faulty query)."""

from __future__ import annotations

import duckdb


def literal(text: object) -> str:
    """`text` as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str, db: str = "") -> bool:
    """Whether the table (or view) `db.schema.table` exists (db "": the connection's own
    database)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM (SELECT database_name, schema_name, table_name "
            "FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name "
            "FROM duckdb_views()) WHERE schema_name = ? AND table_name = ? "
            "AND database_name = coalesce(nullif(?, ''), current_database())",
            [schema, table, db],
        ).fetchall()[0][0]
    )
