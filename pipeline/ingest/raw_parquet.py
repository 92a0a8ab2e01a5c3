"""The raw layer as Parquet, for engines other than DuckDB (Spark reads it through
macros/raw_parquet.sql).

Layout: one folder per raw table under the root, named as the table less any leading `_`
(Spark skips paths that start with one: `_files` is in `files/`), and in it one folder per
loaded file (`_file_id=N/`, Hive-style, so Spark reads `_file_id` back as a column); tables
without a `_file_id` column (the registries: `_files`, `_quarantine`, ...) are one Parquet
file. A file's rows are in one folder, so a replaced or withdrawn file is one folder to drop.

For now this is an export of a DuckDB warehouse's raw schema; when ingestion writes each
loaded file's checked rows as Parquet itself (issue 16 point 1), it should write this layout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb


def export_raw_parquet(work_db: Path, root: Path) -> dict[str, int]:
    """Write every table of `work_db`'s raw schema under `root` (replacing what is there);
    return the rows written per table."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    con = duckdb.connect(str(work_db), read_only=True)
    written: dict[str, int] = {}
    try:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            columns = {
                name
                for (name,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() "
                    "WHERE schema_name = 'raw' AND table_name = ?",
                    [table],
                ).fetchall()
            }
            rows = con.execute(f'SELECT count(*) FROM raw."{table}"').fetchone()[0]
            folder = root / table.lstrip("_")
            if "_file_id" in columns and rows:
                target, options = folder, "FORMAT parquet, PARTITION_BY (_file_id)"
            else:
                folder.mkdir()
                target, options = folder / "part-0.parquet", "FORMAT parquet"
            con.execute(f"COPY raw.\"{table}\" TO '{target}' ({options})")
            written[table] = rows
    finally:
        con.close()
    return written
