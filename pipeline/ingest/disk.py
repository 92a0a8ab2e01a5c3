"""How much each part of a warehouse holds on disk now, and what it keeps (`primed status`).

<warehouse>/releases/   each publish adds one; the newest PRIMED_KEEP_RELEASES (default 3) are
                        kept, and never the live one nor one a reader has open (releases.py)
<warehouse>/archive/    every loaded file as sent, kept PRIMED_RETAIN_MONTHS (default 24) after
                        the period it covers, then purged to its pseudonymised rows
                        (retention.py); with the pseudonym key it rebuilds everything else
<warehouse>/quality/    GX results of the last PRIMED_KEEP_QUALITY_RUNS runs (default 30), and
                        per-file caches of checks and DQ reports (small)
<warehouse>/work/       the work database: every loaded row, and the models built from them
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.config import VARIABLES, Settings
from pipeline.core.paths import WarehousePaths
from pipeline.ingest.retention import PURGED_DIR, due_for_purge, purged_log
from pipeline.publish.pruning import live_release, reader_pid, releases


@dataclass
class Usage:
    what: str
    path: Path
    bytes: int
    note: str


def _bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    if not path.is_dir():
        return 0
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def disk_usage(
    paths: WarehousePaths, read_db: bool = False, settings: Settings | None = None
) -> list[Usage]:
    """How much each part of the warehouse holds now, and what it keeps (with `read_db`, how
    many loaded files are due for purging: the work database is opened read-only).
    `settings`: default, this process's environment."""
    settings = settings or Settings.from_env()
    found = releases(paths)
    live = live_release(paths)
    held = [r.name for r in found if reader_pid(r / "primed.duckdb") is not None]
    quality = paths.root / "quality"
    runs = [p for p in quality.glob("*") if p.is_dir() and not p.name.startswith("_")]
    return [
        Usage(
            "releases",
            paths.releases_dir,
            _bytes(paths.releases_dir),
            f"{len(found)} kept: the newest {settings.keep_releases} "
            f"({VARIABLES['keep_releases'].name}), the live one "
            f"({live.name if live else 'none yet'})"
            + (f", and {len(held)} a reader has open ({', '.join(held)})" if held else ""),
        ),
        Usage(
            "archive",
            paths.archive_dir,
            _bytes(paths.archive_dir),
            _archive_note(paths, settings.retain_months, read_db)
            + ". With the pseudonym key they rebuild everything",
        ),
        Usage(
            "quality",
            quality,
            _bytes(quality),
            f"GX results of {len(runs)} run(s) (the last {settings.keep_quality_runs}: "
            f"{VARIABLES['keep_quality_runs'].name}) and per-file caches",
        ),
        Usage(
            "work",
            paths.work_dir,
            _bytes(paths.work_dir),
            "the work database: every loaded row and the models built from them (a rebuild "
            "from the archive compacts it)",
        ),
    ]


def _archive_note(paths: WarehousePaths, months: int, read_db: bool) -> str:
    """What the archive keeps: loaded files, purged ones, and (`read_db`) how many are due."""
    archived = [p for p in paths.archive_dir.glob("*") if p.is_file() and p.suffix != ".jsonl"]
    purged = len(purged_log(paths))
    kept = (
        f"{len(archived)} loaded file(s), each kept {months} months after the period "
        f"it covers ({VARIABLES['retain_months'].name}; `primed purge`)"
    )
    if purged:
        kept += f"; {purged} purged (their pseudonymised rows kept in archive/{PURGED_DIR}/)"
    due = _due(paths, months) if read_db and paths.work_db.exists() else None
    return kept + (f"; {due} due for purging" if due else "")


def _due(paths: WarehousePaths, months: int) -> int | None:
    """How many loaded files are due for purging; None while another process writes the work
    database (it holds DuckDB's lock on the file: said another time)."""
    try:
        con = duckdb.connect(str(paths.work_db), read_only=True)
    except duckdb.IOException as exc:
        if "Could not set lock" in str(exc):
            return None
        raise
    try:
        tables = {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?",
                [contract.RAW_SCHEMA],
            ).fetchall()
        }
        if not {"_files", contract.RAW_TABLE["cld"], contract.RAW_TABLE["payments"]} <= tables:
            return 0  # nothing was ever loaded
        return len(due_for_purge(con, months, date.today()))
    finally:
        con.close()
