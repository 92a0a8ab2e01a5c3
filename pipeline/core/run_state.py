"""What a release was built from, so a run with nothing new can say so and stop early.

The inputs of a release are the loaded files (id, content hash, status), the withdrawals, the
project's code and rules (dbt models, macros, seeds, report queries, expectations, the Python
packages) and the `PRIMED_*` settings. Publishing records their fingerprint in the release
(`marts._release.inputs_fingerprint`); a run whose inputs have the same fingerprint as the
published release would rebuild the same thing, so it ends after ingestion. A sensor that must
not open DuckDB (a run may hold it) reads `landing_seen.json` instead: what every landing file
looked like (size, modification time) when a run last dealt with it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from pipeline.core.config import PROJECT_DIR, Settings
from pipeline.core.paths import WarehousePaths

CODE = ("models", "macros", "seeds", "tests/dbt", "reports_sql", "expectations", "pipeline",
        "dagster_project", "dbt_project.yml", "profiles.yml")  # fmt: skip


def code_fingerprint() -> str:
    h = hashlib.sha256()
    for name in CODE:
        root = PROJECT_DIR / name
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(f"{path.relative_to(PROJECT_DIR)}\n".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def inputs_fingerprint(
    con: duckdb.DuckDBPyConnection, database: str | None = None, settings: Settings | None = None
) -> str:
    """The fingerprint of what a build from this work database would use now (`database`:
    the work database's name where it is attached to another connection); of the settings,
    those that change what a release holds (`Settings.release_settings`)."""
    h = hashlib.sha256(code_fingerprint().encode())
    catalog = database or con.execute("SELECT current_database()").fetchall()[0][0]
    for table, columns in (("_files", "file_id, sha256, status"),
                           ("_withdrawals", "file_id, withdrawn_at, restored_at")):  # fmt: skip
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE database_name = ? AND schema_name = 'raw' AND table_name = ?",
            [catalog, table],
        ).fetchall()[0][0]
        query = f'SELECT {columns} FROM "{catalog}".raw.{table} ORDER BY ALL'
        h.update(repr(con.execute(query).fetchall() if exists else []).encode())
    h.update(repr((settings or Settings.from_env()).release_settings()).encode())
    return h.hexdigest()


def published_fingerprint(paths: WarehousePaths) -> tuple[str | None, str | None]:
    """The published release's inputs fingerprint and run id (None, None when there is none)."""
    if not paths.published_db.exists():
        return None, None
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = '_release'"
        ).fetchall()}  # fmt: skip
        if "inputs_fingerprint" not in columns:
            return None, None
        row = con.execute("SELECT inputs_fingerprint, run_id FROM marts._release").fetchall()
    finally:
        con.close()
    return (row[0][0], row[0][1]) if row else (None, None)


def landing_snapshot(landing: Path) -> dict[str, list[int]]:
    """Every file under the landing folder: relative path -> [size, modification time ns]."""
    snapshot = {}
    if landing.is_dir():
        for path in sorted(landing.rglob("*")):
            if path.is_file() and not path.is_symlink():
                st = path.stat()
                snapshot[str(path.relative_to(landing))] = [st.st_size, st.st_mtime_ns]
    return snapshot


def seen_file(paths: WarehousePaths) -> Path:
    return paths.work_dir / "landing_seen.json"


def record_seen(paths: WarehousePaths, snapshot: dict[str, list[int]], waiting: set[str]) -> None:
    """Remember the files a run dealt with (all but those left waiting), atomically."""
    seen = {k: v for k, v in snapshot.items() if k not in waiting}
    out = seen_file(paths)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(seen, indent=0, sort_keys=True))
    os.replace(tmp, out)


def unseen(paths: WarehousePaths, snapshot: dict[str, list[int]]) -> dict[str, list[int]]:
    """Landing files that are new or changed since a run last dealt with them."""
    try:
        seen = json.loads(seen_file(paths).read_text())
    except (OSError, ValueError):
        seen = {}
    return {k: v for k, v in snapshot.items() if seen.get(k) != v}
