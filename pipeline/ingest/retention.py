"""How long a loaded file is kept as sent, and what is kept of it after.

Every loaded file is archived as sent and kept PRIMED_RETAIN_MONTHS (default 24) after the
period it covers; with the pseudonym key the archive rebuilds everything else (`primed
rebuild`). `primed purge` then removes the file, and keeps in archive/purged/ its rows as raw
holds them (pseudonymised), so that a rebuild still gives every row, every figure and the row
accounting.

What a purge removes of a loaded file: the file as sent (names, NHS numbers, dates of birth,
postcodes, person ids, free text), its quarantined rows' records (their file, row number and
reasons stay) and the unknown columns kept with its rows. Its raw rows stay, pseudonymised:
every figure, old periods' included, is made from them, as is the row accounting; so a purge
changes no figure, and a run after it has nothing new to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, append_record
from pipeline.ingest.registry import now

PURGED_LOG = "purged.jsonl"
PURGED_DIR = "purged"
PURGED_DDL = """CREATE TABLE IF NOT EXISTS raw._purged (
    file_id INTEGER NOT NULL, covered_to DATE, purged_at TIMESTAMP NOT NULL,
    retain_months INTEGER NOT NULL)"""


@dataclass
class Due:
    file_id: int
    file_name: str
    kind: str
    sha256: str
    archived_as: str
    covered_to: date | None  # the end of the period it covers


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
    `months` months ago; default PRIMED_RETAIN_MONTHS), keeping its rows as raw holds them in
    archive/purged/<file>/ for rebuilds; blank its quarantined rows' records and its rows'
    unknown columns. Rows, registry, lineage and releases are untouched. The files purged."""
    say = progress or (lambda msg: None)
    months = Settings.from_env().retain_months if months is None else months
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
        _purge(con, paths, due, months)
    finally:
        con.close()
    return due


def _purge(con: duckdb.DuckDBPyConnection, paths: WarehousePaths, due: list[Due], months: int):
    """The files' residues written, then in one transaction their personal leftovers blanked
    and their purge registered, then their archived copies deleted."""
    con.execute(PURGED_DDL)
    at = now()
    for f in due:  # first the residues, then the registry: a crash between repeats a file
        _write_residue(con, paths, f, months, at)
    con.execute("BEGIN TRANSACTION")
    for f in due:
        con.execute(
            f"UPDATE raw.{contract.RAW_TABLE[f.kind]} SET _extra = NULL "
            "WHERE _file_id = ? AND _extra IS NOT NULL",
            [f.file_id],
        )
        con.execute("UPDATE raw._quarantine SET record = NULL WHERE file_id = ?", [f.file_id])
        con.execute(
            "INSERT INTO raw._purged VALUES (?, ?, ?, ?)",
            [f.file_id, f.covered_to, at, months],
        )
    con.execute("COMMIT")
    _sweep(con, paths)


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
        "rows": f"SELECT * REPLACE (NULL::JSON AS _extra) FROM raw.{contract.RAW_TABLE[f.kind]} "
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
    table = contract.RAW_TABLE[entry["kind"]]
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
