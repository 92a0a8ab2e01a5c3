"""Which releases a warehouse keeps, pruned after each publish: the newest
PRIMED_KEEP_RELEASES (default 3), and never the
live one (the target of `published`) nor one whose DuckDB file a reader has open (DuckDB's own
file lock says so); the folders of builds that never finished go."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from pipeline.core.config import Settings
from pipeline.core.paths import WarehousePaths


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
    """Remove releases older than the newest `keep` (default PRIMED_KEEP_RELEASES), except
    the live one and any a DuckDB reader holds open; the folders of builds that never finished
    go too. Returns the releases removed."""
    keep = Settings.from_env().keep_releases if keep is None else keep
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
