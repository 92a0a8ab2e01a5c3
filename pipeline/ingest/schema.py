"""The raw schema: one table per kind of input file (the contract's columns, typed, with the
pseudonyms and lineage), the registry of landing files (`_files`), the quarantine and the
withdrawals; and the connection a load runs on."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.contract import Column
from pipeline.ingest.pseudonyms import PSEUDONYMS
from pipeline.ingest.supersession import WITHDRAWALS_DDL

SQL_TYPE = {"date": "DATE", "number": "DECIMAL(18,2)", "integer": "BIGINT"}
LINEAGE_DDL = (
    "_extra JSON, _file_id INTEGER NOT NULL, _file_name VARCHAR NOT NULL, "
    "_file_hash VARCHAR NOT NULL, _row_number BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL"
)


def connect_for_loading(db: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """The work database, set for loading files one transaction each: DuckDB's memory bounded
    as the dbt step's is (spilling beyond it), and no checkpoint after every file's commit
    (each would compress and write the table's new rows again; the write-ahead log keeps every
    commit durable and the run checkpoints once at the end)."""
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET checkpoint_threshold = '4GB'")
    con.execute("SET enable_progress_bar = false")
    return con


def _column_ddl(col: Column) -> str:
    return f"{col.name} {SQL_TYPE.get(col.kind, 'VARCHAR')}"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    schema, tables = contract.RAW_SCHEMA, contract.RAW_TABLE
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for kind, cols in contract.KIND_COLUMNS.items():
        body = ", ".join(
            [_column_ddl(c) for c in cols] + [f"{p} VARCHAR" for p in PSEUDONYMS.get(kind, {})]
        )
        con.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{tables[kind]} ({body}, {LINEAGE_DDL})")
        for c in cols:  # a column the contract gained since the warehouse was made
            con.execute(
                f"ALTER TABLE {schema}.{tables[kind]} ADD COLUMN IF NOT EXISTS {_column_ddl(c)}"
            )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {schema}._files (
            file_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL, size_bytes BIGINT, encoding VARCHAR, delimiter VARCHAR,
            status VARCHAR NOT NULL, reason VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
            rows_quarantined BIGINT, unknown_columns VARCHAR[], archived_as VARCHAR,
            loaded_at TIMESTAMP NOT NULL)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {schema}._quarantine (
            file_id INTEGER NOT NULL, file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            row_number BIGINT, fields VARCHAR[], reasons VARCHAR[], record JSON,
            loaded_at TIMESTAMP NOT NULL, event_type VARCHAR)"""
    )
    # Warehouses made before the column existed.
    con.execute(f"ALTER TABLE {schema}._quarantine ADD COLUMN IF NOT EXISTS event_type VARCHAR")
    con.execute(WITHDRAWALS_DDL)
    # Files that are not read (ignored, waiting) have no hash; when a file was last modified.
    con.execute(f"ALTER TABLE {schema}._files ALTER COLUMN sha256 DROP NOT NULL")
    con.execute(f"ALTER TABLE {schema}._files ADD COLUMN IF NOT EXISTS modified_at TIMESTAMP")
