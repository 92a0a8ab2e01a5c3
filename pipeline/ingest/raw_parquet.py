"""The raw layer as Parquet, for engines other than DuckDB (Spark reads it through
macros/raw_parquet.sql), written by ingestion as it loads files.

Layout: one folder per raw table under the root, named as the table less any leading `_`
(Spark skips paths that start with one: `_files` is in `files/`), and in it one folder per
loaded file (`_file_id=N/`, Hive-style, so Spark reads `_file_id` back as a column); tables
without a `_file_id` column (the registries: `_files`, `_quarantine`, ...) are one Parquet
file. A file's rows are in one folder, so a replaced or withdrawn file is one folder to drop.

`sync_raw_parquet` brings the folder in line with the raw schema: a loaded file's folder is
written once (the root's `.written.json` says which load of which file each folder holds),
the folder of a file no longer in raw (purged, or rebuilt under another id) is removed, and
the registries are written again (they are small). A run that loads nothing writes only them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.core.paths import WarehousePaths
from pipeline.core.sql import literal

WRITTEN = ".written.json"  # {table: {file_id: "<sha256> <loaded_at>"}}


def raw_parquet_root(settings: Settings, paths: WarehousePaths) -> Path | None:
    """Where the raw Parquet is kept (PRIMED_RAW_PARQUET, else `<warehouse>/work/raw_parquet`
    when dbt builds on Spark); None when nothing reads it."""
    if settings.raw_parquet:
        return Path(settings.raw_parquet).resolve()
    if settings.dbt_target == "spark":
        return (paths.work_dir / "raw_parquet").resolve()
    return None


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Each raw table, and whether it holds loaded files' rows (a `_file_id` column)."""
    rows = con.execute(
        "SELECT t.table_name, bool_or(c.column_name = '_file_id') FROM duckdb_tables() t "
        "JOIN duckdb_columns() c ON c.table_oid = t.table_oid "
        "WHERE t.schema_name = ? AND t.database_name = current_database() GROUP BY 1 ORDER BY 1",
        [contract.RAW_SCHEMA],
    ).fetchall()
    return dict(rows)


def sync_raw_parquet(con: duckdb.DuckDBPyConnection, root: Path) -> dict[str, int]:
    """Write what `root` lacks of the raw schema on `con` and drop what raw no longer has;
    return the rows written per table (0 for a table whose files were all written before)."""
    root.mkdir(parents=True, exist_ok=True)
    state_path = root / WRITTEN
    state: dict[str, dict[str, str]] = (
        json.loads(state_path.read_text()) if state_path.exists() else {}
    )
    written: dict[str, int] = {}
    for table, per_file in _tables(con).items():
        folder = root / table.lstrip("_")
        relation = f'{contract.RAW_SCHEMA}."{table}"'
        if not per_file:
            folder.mkdir(exist_ok=True)
            written[table] = _copy(con, f"SELECT * FROM {relation}", folder / "part-0.parquet")
            continue
        written[table] = 0
        empty = folder / "part-0.parquet"  # a table with no file yet: its columns, no rows
        loads = {
            str(file_id): f"{digest} {loaded_at}"
            for file_id, digest, loaded_at in con.execute(
                f"SELECT _file_id, any_value(_file_hash), max(_loaded_at) FROM {relation} "
                "GROUP BY 1"
            ).fetchall()
        }
        done = state.get(table, {})
        if not loads:
            folder.mkdir(exist_ok=True)
            _copy(con, f"SELECT * FROM {relation}", empty)
        else:
            empty.unlink(missing_ok=True)
        for file_id in set(done) - set(loads):  # purged, or rebuilt under another id
            shutil.rmtree(folder / f"_file_id={file_id}", ignore_errors=True)
            del done[file_id]
        for file_id, load in sorted(loads.items(), key=lambda kv: int(kv[0])):
            if done.get(file_id) == load and (folder / f"_file_id={file_id}").is_dir():
                continue
            written[table] += _write_file(con, relation, folder, int(file_id))
            done[file_id] = load
        state[table] = done
        tmp_state = root / f"{WRITTEN}.tmp"
        tmp_state.write_text(json.dumps(state, sort_keys=True))
        tmp_state.replace(state_path)
    return written


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """`query`'s rows as the Parquet file `path`, written aside and then moved in place; the
    rows written (COPY says how many)."""
    tmp = path.with_name(f".{path.name}.tmp")
    rows = con.execute(f"COPY ({query}) TO {literal(str(tmp))} (FORMAT parquet)").fetchone()[0]
    tmp.replace(path)
    return rows


def _write_file(con: duckdb.DuckDBPyConnection, relation: str, folder: Path, file_id: int) -> int:
    """One loaded file's rows of `relation` into `folder/_file_id=N/` (written aside, then
    moved in place: a reader never sees half a file); the rows written."""
    final = folder / f"_file_id={file_id}"
    tmp = folder / f".tmp_file_id={file_id}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rows = _copy(
        con,
        f"SELECT * EXCLUDE (_file_id) FROM {relation} WHERE _file_id = {file_id}",
        tmp / "part-0.parquet",
    )
    shutil.rmtree(final, ignore_errors=True)
    tmp.replace(final)
    return rows


def export_raw_parquet(work_db: Path, root: Path) -> dict[str, int]:
    """The raw schema of the work database at `work_db` synced to `root` (read only)."""
    con = duckdb.connect(str(work_db), read_only=True)
    try:
        return sync_raw_parquet(con, root)
    finally:
        con.close()
