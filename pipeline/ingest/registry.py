"""The registry of landing files, `raw._files`: one row per file dealt with, and what became of it.

A file that is read has its content hash (SHA-256): content loaded or refused before is skipped,
under any name. A file seen before with the same name, size and modification time has the hash
recorded then (the known-digest shortcut), so a run with nothing new reads no file. A file not
read (ignored, refused for what it is, or waiting to settle) is registered once per name, size
and modification time.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.ingest.encoding import CHUNK
from pipeline.ingest.results import FileResult
from pipeline.ingest.scan import OTHER_KIND


def now() -> datetime:
    """The time now, in UTC without a zone, as the registry records times."""
    return datetime.now(UTC).replace(tzinfo=None)


def mtime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        f"SELECT coalesce(max(file_id), 0) + 1 FROM {contract.RAW_SCHEMA}._files"
    ).fetchall()[0][0]


def known_digest(
    con: duckdb.DuckDBPyConnection, name: str, kind: str, st: os.stat_result
) -> str | None:
    """The hash recorded for this name when the file has the size and modification time it
    had then (as make and rsync judge a file unchanged): a run reads no file twice over
    when nothing new has landed. A file changed in place gets a new time, and is read."""
    rows = con.execute(
        f"SELECT sha256 FROM {contract.RAW_SCHEMA}._files WHERE file_name = ? AND kind = ? "
        "AND size_bytes = ? AND modified_at = ? AND sha256 IS NOT NULL "
        "ORDER BY file_id DESC LIMIT 1",
        [name, kind, st.st_size, mtime(st.st_mtime)],
    ).fetchall()
    return rows[0][0] if rows else None


def seen_before(
    con: duckdb.DuckDBPyConnection, digest: str, kind: str, statuses: tuple[str, ...]
) -> tuple | None:
    """The first file of this content and kind whose outcome was one of `statuses`: its
    (file_id, file_name, status, reason), or None."""
    listed = ", ".join(f"'{s}'" for s in statuses)
    rows = con.execute(
        f"SELECT file_id, file_name, status, reason FROM {contract.RAW_SCHEMA}._files "
        f"WHERE sha256 = ? AND kind = ? AND status IN ({listed}) "
        "ORDER BY file_id LIMIT 1",
        [digest, kind],
    ).fetchall()
    return rows[0] if rows else None


def record(con: duckdb.DuckDBPyConnection, **row) -> int:
    """One row of raw._files (a file's final outcome replaces its waiting row)."""
    row.setdefault("file_id", next_file_id(con))
    row.setdefault("loaded_at", now())
    if row["status"] != "waiting":
        con.execute(
            f"DELETE FROM {contract.RAW_SCHEMA}._files WHERE file_name = ? AND status = 'waiting'",
            [row["file_name"]],
        )
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(
        f"INSERT INTO {contract.RAW_SCHEMA}._files ({names}) VALUES ({marks})", list(row.values())
    )
    return row["file_id"]


def record_read(
    con: duckdb.DuckDBPyConnection,
    name: str,
    kind: str,
    digest: str,
    st: os.stat_result,
    status: str,
    reason: str | None,
    **more,
) -> int:
    """The row of a file that was read (so has a hash)."""
    if "rows_read" in more:
        more.setdefault("rows_loaded", 0)
        more.setdefault("rows_quarantined", 0)
    return record(
        con,
        file_name=name,
        kind=kind,
        sha256=digest,
        size_bytes=st.st_size,
        modified_at=mtime(st.st_mtime),
        status=status,
        reason=reason,
        **more,
    )


def note(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    kind: str | None,
    status: str,
    reason: str,
    size: int | None = None,
    modified: datetime | None = None,
) -> FileResult:
    """A file not read (ignored, refused for what it is, or waiting), registered once per
    name, size and modification time; a waiting file's row is replaced when it settles."""
    kind = kind or OTHER_KIND
    if size is None or modified is None:
        st = path.lstat()
        size, modified = st.st_size, mtime(st.st_mtime)
    if status == "waiting":
        con.execute(
            f"DELETE FROM {contract.RAW_SCHEMA}._files WHERE file_name = ? AND status = 'waiting'",
            [name],
        )
    seen = con.execute(
        f"SELECT 1 FROM {contract.RAW_SCHEMA}._files WHERE file_name = ? AND status = ? "
        "AND size_bytes = ? AND modified_at = ?",
        [name, status, size, modified],
    ).fetchall()
    if not seen:
        record(
            con,
            file_name=name,
            kind=kind,
            status=status,
            reason=reason,
            size_bytes=size,
            modified_at=modified,
        )
    elif status == "refused":  # said before, as a refused CSV seen again is
        return FileResult(name, kind, "skipped", reason=f"already refused: {reason}")
    return FileResult(name, kind, status, reason=reason)


def skipped(
    con: duckdb.DuckDBPyConnection, result: FileResult, prior: tuple, digest: str, st
) -> FileResult:
    """Content loaded (or refused) before: nothing is read again. A copy under another name
    is registered once, so that every name in the landing folder has its row."""
    file_id, prior_name, prior_status, prior_reason = prior
    result.status = "skipped"
    result.reason = f"already {prior_status} (same content)"
    if prior_name != result.file_name:
        result.reason = f"already {prior_status} as {prior_name} (same content)"
    if prior_status == "refused":
        result.reason += f": {prior_reason}"
    known = con.execute(
        f"SELECT 1 FROM {contract.RAW_SCHEMA}._files WHERE file_name = ? AND sha256 = ?",
        [result.file_name, digest],
    ).fetchall()
    if not known:
        reason = f"{result.reason} (file {file_id})"
        record_read(con, result.file_name, result.kind, digest, st, "skipped", reason)
    return result
