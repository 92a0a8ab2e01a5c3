"""The archive: every loaded file as sent, and `manifest.jsonl`, one line per loaded file in load
order, from which `rebuild_raw` loads everything again (the archive and the pseudonym key are
the whole of a warehouse's backup)."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, append_record
from pipeline.ingest.read import LandingFile

MANIFEST = "manifest.jsonl"


def safe_name(name: str) -> str:
    """`name` with only letters, digits, '.', '_' and '-' (for a file name of primed's own)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def archive_copy(archive_dir: Path, path: Path, digest: str, name: str) -> Path:
    """The file's copy in the archive, named by its hash and name (made once)."""
    target = archive_dir / f"{digest[:16]}__{safe_name(name)}"
    if not target.exists():
        part = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, part)
        part.replace(target)
    return target


def _line(
    file_id: int, name: str, kind: str, sha256: str, archived_as: str, at: datetime, key: str | None
) -> dict:
    return {
        "file_id": file_id,
        "file_name": name,
        "kind": kind,
        "sha256": sha256,
        "archived_as": archived_as,
        "loaded_at": at.isoformat(),
        "key_fingerprint": key,
    }


def append_manifest(
    archive_dir: Path, file_id: int, f: LandingFile, at: datetime, key_fingerprint: str
) -> None:
    """One line per loaded file, in load order: what a rebuild loads again, and how (with the
    fingerprint of the pseudonym key, never the key, so that a rebuild uses the same key)."""
    line = _line(file_id, f.name, f.kind, f.digest, f.archived.name, at, key_fingerprint)
    append_record(archive_dir / MANIFEST, line)


def ensure_manifest(con: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> None:
    """A warehouse loaded before the manifest existed gets it once, from raw._files."""
    manifest = paths.archive_dir / MANIFEST
    if manifest.exists():
        return
    rows = con.execute(
        "SELECT file_id, file_name, kind, sha256, archived_as, loaded_at "
        f"FROM {contract.RAW_SCHEMA}._files WHERE status = 'loaded' ORDER BY file_id"
    ).fetchall()
    if not rows:
        return
    fingerprint = con.execute(
        f"SELECT value FROM {contract.RAW_SCHEMA}._settings "
        "WHERE name = 'pseudonym_key_fingerprint'"
    ).fetchall()
    key = fingerprint[0][0] if fingerprint else None
    part = manifest.with_suffix(".part")
    with part.open("w", encoding="utf-8") as out:
        for file_id, name, kind, sha, archived, at in rows:
            line = _line(file_id, name, kind, sha, Path(archived).name, at, key)
            out.write(json.dumps(line) + "\n")
    part.replace(manifest)


def read_manifest(archive_dir: Path) -> list[dict]:
    manifest = archive_dir / MANIFEST
    if not manifest.exists():
        raise PrimedError(f"{manifest} does not exist: there is nothing to rebuild from")
    lines = manifest.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def rewrite_manifest_key(paths: WarehousePaths, fingerprint: str) -> None:
    """After a key rotation: the archive's manifest names the key it is now loaded with."""
    manifest = paths.archive_dir / MANIFEST
    lines = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    part = manifest.with_suffix(".part")
    part.write_text(
        "".join(json.dumps(e | {"key_fingerprint": fingerprint}) + "\n" for e in lines),
        encoding="utf-8",
    )
    os.replace(part, manifest)
