"""What a warehouse keeps on disk, and for how long.

<warehouse>/releases/   each publish adds one; the newest PRIMED_KEEP_RELEASES (default 3) are
                        kept, and never removed: the live one (the target of `published`) nor
                        one whose DuckDB file a reader has open (DuckDB's own file lock says so)
<warehouse>/archive/    every loaded file as sent, kept PRIMED_RETAIN_MONTHS (default 24) after
                        the period it covers; with the pseudonym key it rebuilds everything else
                        (`primed rebuild`). `primed purge` then removes the file, and keeps in
                        archive/purged/ its rows as raw holds them (pseudonymised), so that a
                        rebuild still gives every row, every figure and the row accounting
<warehouse>/quality/    GX results of the last PRIMED_KEEP_QUALITY_RUNS runs (default 30), and
                        per-file caches of checks and DQ reports (small)
<warehouse>/work/       the work database: every loaded row, and the models built from them

What a purge removes of a loaded file: the file as sent (names, NHS numbers, dates of birth,
postcodes, person ids, free text), its quarantined rows' records (their file, row number and
reasons stay) and the unknown columns kept with its rows. Its raw rows stay, pseudonymised:
every figure, old periods' included, is made from them, as is the row accounting; so a purge
changes no figure, and a run after it has nothing new to do.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, append_record

KEEP_RELEASES = 3
KEEP_ENV = "PRIMED_KEEP_RELEASES"
RETAIN_MONTHS = 24
RETAIN_ENV = "PRIMED_RETAIN_MONTHS"
PURGED_LOG = "purged.jsonl"
PURGED_DIR = "purged"
PURGED_DDL = """CREATE TABLE IF NOT EXISTS raw._purged (
    file_id INTEGER NOT NULL, covered_to DATE, purged_at TIMESTAMP NOT NULL,
    retain_months INTEGER NOT NULL)"""


def _setting(name: str, default: int, unit: str, why: str = "") -> int:
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        raise PrimedError(f"{name} must be a whole number of {unit}") from None
    if value < 1:
        raise PrimedError(f"{name} must be at least 1{why}")
    return value


def keep_releases() -> int:
    """How many of the newest releases publishing keeps: PRIMED_KEEP_RELEASES, default 3."""
    return _setting(KEEP_ENV, KEEP_RELEASES, "releases", " (the live release is always kept)")


def retain_months() -> int:
    """How long a loaded file is kept after the period it covers: PRIMED_RETAIN_MONTHS, 24."""
    return _setting(RETAIN_ENV, RETAIN_MONTHS, "months")


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


def disk_usage(paths: WarehousePaths, read_db: bool = False) -> list[Usage]:
    """How much each part of the warehouse holds now, and what it keeps (with `read_db`, how
    many loaded files are due for purging: the work database is opened read-only)."""
    found = releases(paths)
    live = live_release(paths)
    held = [r.name for r in found if reader_pid(r / "primed.duckdb") is not None]
    archived = [p for p in paths.archive_dir.glob("*") if p.is_file() and p.suffix != ".jsonl"]
    purged = len(purged_log(paths))
    kept = (
        f"{len(archived)} loaded file(s), each kept {retain_months()} months after the period "
        f"it covers ({RETAIN_ENV}; `primed purge`)"
    )
    if purged:
        kept += f"; {purged} purged (their pseudonymised rows kept in archive/{PURGED_DIR}/)"
    if read_db and paths.work_db.exists():
        try:
            con = duckdb.connect(str(paths.work_db), read_only=True)
            try:
                due = due_for_purge(con, retain_months(), date.today())
            finally:
                con.close()
            kept += f"; {len(due)} due for purging" if due else ""
        except duckdb.Error:  # being written: said another time
            pass
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
            kept + ". With the pseudonym key they rebuild everything",
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


# --------------------------------------------------------------------------- retention of inputs


@dataclass
class Due:
    file_id: int
    file_name: str
    kind: str
    sha256: str
    archived_as: str
    covered_to: date | None  # the end of the period it covers


def _raw_table(kind: str) -> str:
    from pipeline.core.contract import RAW_TABLE

    return RAW_TABLE[kind]


def due_for_purge(con: duckdb.DuckDBPyConnection, months: int, today: date) -> list[Due]:
    """Loaded files not yet purged whose period ended more than `months` months before
    `today`. The period a file covers ends with its rows' latest reporting period (CLD) or
    payment period (payments); a reference file's when a later one of its kind replaced it
    (the current one is never due); a file with no loaded row, on the day it was loaded.
    Reads only (a database opened read-only will do)."""
    purged = (
        "SELECT file_id FROM raw._purged"
        if con.execute(
            "SELECT 1 FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = '_purged'"
        ).fetchall()
        else "SELECT NULL::INTEGER WHERE false"
    )
    rows = con.execute(
        f"""WITH covered AS (
               SELECT _file_id AS file_id, max(reporting_period_end_date) AS covered_to
               FROM raw.cld_events GROUP BY 1
               UNION ALL
               SELECT _file_id, max(period_end_date) FROM raw.payments GROUP BY 1),
           loaded AS (
               SELECT *, lead(loaded_at) OVER (PARTITION BY kind ORDER BY file_id) AS replaced
               FROM raw._files WHERE status = 'loaded'),
           spans AS (
               SELECT loaded.file_id, file_name, kind, sha256, archived_as,
                      CASE WHEN starts_with(kind, 'ref_') THEN CAST(replaced AS DATE)
                           ELSE coalesce(covered.covered_to, CAST(loaded_at AS DATE)) END
                          AS covered_to
               FROM loaded LEFT JOIN covered USING (file_id)
               WHERE loaded.file_id NOT IN ({purged}))
           SELECT * FROM spans
           WHERE covered_to + to_months(CAST($months AS INTEGER)) < $today
           ORDER BY file_id""",
        {"months": months, "today": today},
    ).fetchall()
    return [Due(*r) for r in rows]


def purged_log(paths: WarehousePaths) -> dict[str, dict]:
    """The files purged from the archive, by content (SHA-256): what a rebuild restores from
    their pseudonymised rows."""
    log = paths.archive_dir / PURGED_LOG
    if not log.exists():
        return {}
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    return {e["sha256"]: e for e in lines}


def purge(
    paths: WarehousePaths,
    months: int | None = None,
    today: date | None = None,
    dry_run: bool = False,
    progress=None,
) -> list[Due]:
    """Remove from the archive every loaded file beyond retention (its period ended more than
    `months` months ago: PRIMED_RETAIN_MONTHS), keeping its rows as raw holds them in
    archive/purged/<file>/ for rebuilds; blank its quarantined rows' records and its rows'
    unknown columns. Rows, registry, lineage and releases are untouched. The files purged."""
    say = progress or (lambda msg: None)
    months = retain_months() if months is None else months
    today = today or date.today()
    if not paths.work_db.exists():
        raise PrimedError(f"there is no warehouse at {paths.root}")
    con = duckdb.connect(str(paths.work_db), read_only=dry_run)
    try:
        due = due_for_purge(con, months, today)
        for f in due:
            say(
                f"{'would purge' if dry_run else 'purging'} {f.file_name} (id {f.file_id}, "
                f"covers to {f.covered_to})"
            )
        if dry_run or not due:
            return due
        con.execute(PURGED_DDL)
        now = datetime.now(UTC).replace(tzinfo=None)
        for f in due:  # first the residues, then the registry: a crash between repeats a file
            _write_residue(con, paths, f, months, now)
        con.execute("BEGIN TRANSACTION")
        for f in due:
            con.execute(
                f"UPDATE raw.{_raw_table(f.kind)} SET _extra = NULL "
                "WHERE _file_id = ? AND _extra IS NOT NULL",
                [f.file_id],
            )
            con.execute("UPDATE raw._quarantine SET record = NULL WHERE file_id = ?", [f.file_id])
            con.execute(
                "INSERT INTO raw._purged VALUES (?, ?, ?, ?)",
                [f.file_id, f.covered_to, now, months],
            )
        con.execute("COMMIT")
        _sweep(con, paths)
    finally:
        con.close()
    return due


def _write_residue(
    con: duckdb.DuckDBPyConnection, paths: WarehousePaths, f: Due, months: int, at: datetime
) -> None:
    """The file's rows as raw holds them (pseudonymised; unknown columns and quarantined
    records left out) and its registry row, as Parquet, then a line in purged.jsonl."""
    name = Path(f.archived_as).name
    folder = paths.archive_dir / PURGED_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    parts = {
        "files": f"SELECT * FROM raw._files WHERE file_id = {f.file_id}",
        "rows": f"SELECT * REPLACE (NULL::JSON AS _extra) FROM raw.{_raw_table(f.kind)} "
        f"WHERE _file_id = {f.file_id}",
        "quarantine": "SELECT * REPLACE (NULL::JSON AS record) FROM raw._quarantine "
        f"WHERE file_id = {f.file_id}",
    }
    for part, sql in parts.items():
        out = folder / f"{part}.parquet"
        con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    line = {
        "sha256": f.sha256,
        "file_name": f.file_name,
        "kind": f.kind,
        "archived_as": name,
        "residue": f"{PURGED_DIR}/{name}",
        "covered_to": str(f.covered_to) if f.covered_to else None,
        "purged_at": at.isoformat(timespec="seconds"),
        "retain_months": months,
    }
    append_record(paths.archive_dir / PURGED_LOG, line)


def _sweep(con: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> None:
    """Delete the archived copy of every purged file still there (after a crash, too)."""
    for (archived_as,) in con.execute(
        "SELECT archived_as FROM raw._files WHERE file_id IN (SELECT file_id FROM raw._purged)"
    ).fetchall():
        (paths.archive_dir / Path(archived_as).name).unlink(missing_ok=True)


def restore_purged(con: duckdb.DuckDBPyConnection, paths: WarehousePaths, entry: dict) -> int:
    """In a rebuild: a purged file's registry row, rows and quarantined rows (no records) from
    its residue, under a new load id, in one transaction. The load id."""
    folder = paths.archive_dir / entry["residue"]
    missing = [p for p in ("files", "rows", "quarantine") if not (folder / f"{p}.parquet").exists()]
    if missing:
        raise PrimedError(f"{folder} lacks {', '.join(missing)}.parquet: the purged file "
                          f"{entry['file_name']} cannot be restored")  # fmt: skip
    con.execute(PURGED_DDL)
    file_id = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM raw._files").fetchall()[0][0]
    table = _raw_table(entry["kind"])
    con.execute("BEGIN TRANSACTION")
    try:
        for target, part, key in (("raw._files", "files", "file_id"),
                                  (f"raw.{table}", "rows", "_file_id"),
                                  ("raw._quarantine", "quarantine", "file_id")):  # fmt: skip
            con.execute(
                f"INSERT INTO {target} BY NAME SELECT * REPLACE ({file_id} AS {key}) "
                f"FROM read_parquet('{folder / part}.parquet')"
            )
        con.execute(
            "INSERT INTO raw._purged VALUES (?, ?, ?, ?)",
            [file_id, entry["covered_to"], entry["purged_at"], entry["retain_months"]],
        )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return file_id
