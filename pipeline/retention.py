"""What a warehouse keeps on disk, and for how long.

<warehouse>/releases/   each publish adds one; the newest PRIMED_KEEP_RELEASES (default 3) are
                        kept, and never removed: the live one (the target of `published`) nor
                        one whose DuckDB file a reader has open (DuckDB's own file lock says so)
<warehouse>/archive/    every loaded file, kept for good: with the pseudonym key it rebuilds
                        everything else (`primed rebuild`)
<warehouse>/quality/    GX results of the last PRIMED_KEEP_QUALITY_RUNS runs (default 30), and
                        per-file caches of checks and DQ reports (small)
<warehouse>/work/       the work database: every loaded row, and the models built from them
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PrimedError
from pipeline.paths import WarehousePaths

KEEP_RELEASES = 3
KEEP_ENV = "PRIMED_KEEP_RELEASES"


def keep_releases() -> int:
    """How many of the newest releases publishing keeps: PRIMED_KEEP_RELEASES, default 3."""
    try:
        keep = int(os.environ.get(KEEP_ENV, KEEP_RELEASES))
    except ValueError:
        raise PrimedError(f"{KEEP_ENV} must be a whole number of releases") from None
    if keep < 1:
        raise PrimedError(f"{KEEP_ENV} must be at least 1 (the live release is always kept)")
    return keep


def reader_pid(db: Path) -> int | None:
    """The process holding `db` open through DuckDB, or None. DuckDB locks the file it opens
    (a shared lock for a reader); the kernel lists every file lock in /proc/locks, which is
    read rather than probed, since probing a file (open, close) would drop the locks this very
    process holds on it. Without /proc/locks (not Linux), no reader is seen. Readers of a
    release's Parquet files take no lock and are not seen either: on POSIX they keep reading a
    removed file they hold open; one that opens files later needs a kept release."""
    locks = Path("/proc/locks")
    if not db.exists() or not locks.exists():
        return None
    st = db.stat()
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in locks.read_text().splitlines():
        fields = line.split()
        if "->" in fields or len(fields) < 6:  # a process waiting for a lock, not holding one
            continue
        if fields[5] == key:
            return int(fields[4])
    return None


def releases(paths: WarehousePaths) -> list[Path]:
    """Complete releases, oldest first (their names start with the publish time)."""
    if not paths.releases_dir.is_dir():
        return []
    return sorted(
        p for p in paths.releases_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    )


def live_release(paths: WarehousePaths) -> Path | None:
    return paths.published.resolve() if paths.published.is_symlink() else None


def prune_releases(
    paths: WarehousePaths, keep: int | None = None, also_keep: Path | None = None
) -> list[Path]:
    """Remove releases older than the newest `keep` (default keep_releases()), except the
    live one and any a DuckDB reader holds open; the folders of builds that never finished
    go too. Returns the releases removed."""
    keep = keep_releases() if keep is None else keep
    found = releases(paths)
    spared = {*found[-keep:], live_release(paths), also_keep}
    removed = []
    for old in found:
        if old in spared or reader_pid(old / "primed.duckdb") is not None:
            continue
        _remove(old)
        removed.append(old)
    for stale in paths.releases_dir.glob(".*.building"):
        _remove(stale)
    return removed


def _remove(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IWUSR | stat.S_IRUSR)
    shutil.rmtree(folder, ignore_errors=True)


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


def disk_usage(paths: WarehousePaths) -> list[Usage]:
    """How much each part of the warehouse holds now, and what it keeps."""
    found = releases(paths)
    live = live_release(paths)
    held = [r.name for r in found if reader_pid(r / "primed.duckdb") is not None]
    archived = [p for p in paths.archive_dir.glob("*") if p.is_file() and p.suffix != ".jsonl"]
    quality = paths.root / "quality"
    runs = [p for p in quality.glob("*") if p.is_dir() and not p.name.startswith("_")]
    keep_runs = os.environ.get("PRIMED_KEEP_QUALITY_RUNS", "30")
    return [
        Usage(
            "releases",
            paths.releases_dir,
            _bytes(paths.releases_dir),
            f"{len(found)} kept: the newest {keep_releases()} ({KEEP_ENV}), the live one "
            f"({live.name if live else 'none yet'})"
            + (f", and {len(held)} a reader has open ({', '.join(held)})" if held else ""),
        ),
        Usage(
            "archive",
            paths.archive_dir,
            _bytes(paths.archive_dir),
            f"{len(archived)} loaded file(s), kept for good: with the pseudonym key they "
            "rebuild everything",
        ),
        Usage(
            "quality",
            quality,
            _bytes(quality),
            f"GX results of {len(runs)} run(s) (the last {keep_runs}: "
            "PRIMED_KEEP_QUALITY_RUNS) and per-file caches",
        ),
        Usage(
            "work",
            paths.work_dir,
            _bytes(paths.work_dir),
            "the work database: every loaded row and the models built from them (a rebuild "
            "from the archive compacts it)",
        ),
    ]
