"""Which loaded CLD files count: withdrawing a wrong file, and saying which files no longer count.

The rule itself lives in dbt (`int_cld_files`): a later-loaded file for the same LA and the same
reporting period supersedes the earlier one entirely; a withdrawn file never counts. This module
only records withdrawals (`raw._withdrawals`, read by that model, and `archive/withdrawals.jsonl`,
so that a warehouse rebuilt from its archive withdraws the same files) and describes the
result. The archive keeps every file whatever happens here.
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.ingest.registry import now

LOG = "withdrawals.jsonl"
WITHDRAWALS_DDL = """CREATE TABLE IF NOT EXISTS raw._withdrawals (
    file_id INTEGER NOT NULL, withdrawn_at TIMESTAMP NOT NULL, reason VARCHAR NOT NULL,
    restored_at TIMESTAMP)"""


def _log(paths: WarehousePaths, con, file_id: int, action: str, at: datetime, reason=None):
    """Append the withdrawal or restore to the archive's log, naming the file by its content."""
    sha, name = con.execute(
        "SELECT sha256, file_name FROM raw._files WHERE file_id = ?", [file_id]
    ).fetchall()[0]
    line = {"action": action, "sha256": sha, "file_name": name, "at": at.isoformat(),
            "reason": reason}  # fmt: skip
    paths.archive_dir.mkdir(parents=True, exist_ok=True)
    with (paths.archive_dir / LOG).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def replay_withdrawals(con: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> int:
    """After a rebuild from the archive: withdraw again what was withdrawn (the files found
    by their content, whatever load ids they have now). The number of withdrawals replayed."""
    log = paths.archive_dir / LOG
    if not log.exists():
        return 0
    con.execute(WITHDRAWALS_DDL)
    replayed = 0
    for line in log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        ids = con.execute(
            "SELECT file_id FROM raw._files "
            "WHERE sha256 = ? AND status = 'loaded' AND kind = 'cld'",
            [event["sha256"]],
        ).fetchall()
        at = datetime.fromisoformat(event["at"])
        for (file_id,) in ids:
            if event["action"] == "withdraw":
                con.execute(
                    "INSERT INTO raw._withdrawals VALUES (?, ?, ?, NULL)",
                    [file_id, at, event["reason"]],
                )
            else:
                con.execute(
                    "UPDATE raw._withdrawals SET restored_at = ? "
                    "WHERE file_id = ? AND restored_at IS NULL",
                    [at, file_id],
                )
            replayed += 1
    return replayed


def _loaded_file(con: duckdb.DuckDBPyConnection, file: str) -> tuple[int, str]:
    """The loaded CLD file named by `file`: its load id, or its name when that is unique."""
    rows = con.execute(
        "SELECT file_id, file_name, loaded_at FROM raw._files WHERE kind = 'cld' "
        "AND status = 'loaded' AND (file_name = ? OR CAST(file_id AS VARCHAR) = ?) ORDER BY 1",
        [file, file],
    ).fetchall()
    if not rows:
        names = con.execute(
            "SELECT file_id, file_name FROM raw._files WHERE kind = 'cld' AND status = 'loaded' "
            "ORDER BY file_id DESC LIMIT 10"
        ).fetchall()
        listed = ", ".join(f"{name} (id {fid})" for fid, name in names) or "none"
        raise PrimedError(f"no loaded CLD file is named {file!r}; the latest loaded: {listed}")
    if len(rows) > 1:
        listed = "; ".join(f"id {fid} loaded {at:%Y-%m-%d %H:%M}" for fid, _, at in rows)
        raise PrimedError(f"{len(rows)} loaded files are named {file!r} ({listed}): give the id")
    return rows[0][0], rows[0][1]


def _connect(warehouse: WarehousePaths) -> duckdb.DuckDBPyConnection:
    if not warehouse.work_db.exists():
        raise PrimedError(f"there is no warehouse at {warehouse.root}")
    con = duckdb.connect(str(warehouse.work_db))
    con.execute(WITHDRAWALS_DDL)
    return con


def withdraw(warehouse: WarehousePaths, file: str, reason: str) -> str:
    """Withdraw a loaded file: from the next run on, none of its rows count."""
    if not reason.strip():
        raise PrimedError("say why the file is withdrawn (--reason)")
    con = _connect(warehouse)
    try:
        file_id, name = _loaded_file(con, file)
        if con.execute(
            "SELECT 1 FROM raw._withdrawals WHERE file_id = ? AND restored_at IS NULL", [file_id]
        ).fetchall():
            raise PrimedError(f"{name} (id {file_id}) is already withdrawn")
        at = now()
        con.execute(
            "INSERT INTO raw._withdrawals VALUES (?, ?, ?, NULL)", [file_id, at, reason.strip()]
        )
        _log(warehouse, con, file_id, "withdraw", at, reason.strip())
    finally:
        con.close()
    return (
        f"withdrew {name} (id {file_id}): its rows stop counting at the next run; "
        "a file it had superseded counts again. The archived copy is kept."
    )


def restore(warehouse: WarehousePaths, file: str) -> str:
    """Undo a withdrawal: from the next run on, the file counts again (unless superseded)."""
    con = _connect(warehouse)
    try:
        file_id, name = _loaded_file(con, file)
        at = now()
        restored = con.execute(
            "UPDATE raw._withdrawals SET restored_at = ? WHERE file_id = ? AND restored_at IS NULL "
            "RETURNING file_id",
            [at, file_id],
        ).fetchall()
        if not restored:
            raise PrimedError(f"{name} (id {file_id}) is not withdrawn")
        _log(warehouse, con, file_id, "restore", at)
    finally:
        con.close()
    return f"restored {name} (id {file_id}): it counts again from the next run"


def files_not_counting(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> list[str]:
    """One line per loaded file (and LA) whose rows no longer count, from `dq_cld_files`."""
    rows = con.execute(
        f"""SELECT file_name, file_id, la_code, period_start, period_end, file_status,
                   superseded_by_file_name, superseded_by_file_id, withdrawal_reason
            FROM {schema}.dq_cld_files WHERE file_status <> 'current' ORDER BY file_id, la_code"""
    ).fetchall()
    lines = []
    for name, fid, la, start, end, status, by_name, by_id, why in rows:
        what = f"{name} (id {fid}, {la}, {start} to {end})"
        if status == "superseded":
            lines.append(f"{what} is superseded by {by_name} (id {by_id}), loaded later")
        else:
            lines.append(f"{what} is withdrawn: {why}")
    return lines
