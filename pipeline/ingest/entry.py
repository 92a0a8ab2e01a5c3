"""The stage's two entry functions: `ingest` the landing folder, and `rebuild_raw` from the
archive (a restore from backup, or a compaction)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.core.settings import KEY_ENV, key_fingerprint
from pipeline.ingest import retention
from pipeline.ingest.archive import MANIFEST, read_manifest, rewrite_manifest_key
from pipeline.ingest.ingestor import Ingestor
from pipeline.ingest.minimise import minimise_loaded
from pipeline.ingest.registry import sha256_of
from pipeline.ingest.results import FileResult, IngestReport, describe
from pipeline.ingest.supersession import replay_withdrawals


def ingest(
    landing: str | Path,
    warehouse: str | Path,
    progress: Callable[[str], None] | None = None,
    settle_seconds: float = 0.0,
    settings: Settings | None = None,
) -> IngestReport:
    """Every file in `landing` dealt with once: loaded into `warehouse`'s raw tables, or
    skipped, refused, ignored or left waiting, with the reason. `settings`: the settings
    (default: this process's environment)."""
    paths = WarehousePaths.at(warehouse)
    settings = settings or Settings.from_env()
    return Ingestor(paths, settings, progress, settle_seconds=settle_seconds).run(Path(landing))


def rebuild_raw(
    warehouse: str | Path,
    progress: Callable[[str], None] | None = None,
    rotate_key: bool = False,
    settings: Settings | None = None,
) -> IngestReport:
    """Load every archived file again, in the order it was first loaded, into a warehouse
    whose work database is gone (a restore, or a compaction): the same raw rows, the same
    quarantine, the same pseudonyms (with the same key). With `rotate_key`, the key may differ
    from the archive's: every pseudonym is made anew with it, and the manifest then names the
    new key's fingerprint."""
    paths = WarehousePaths.at(warehouse)
    settings = settings or Settings.from_env()
    if paths.work_db.exists():
        raise PrimedError(
            f"{paths.work_db} exists: a rebuild starts from the archive alone; move the work "
            "folder away first"
        )
    entries = read_manifest(paths.archive_dir)
    # Files purged beyond retention come back from their pseudonymised rows.
    purged = retention.purged_log(paths)
    _check_archive(paths, entries, purged, rotate_key, settings)
    ingestor = Ingestor(paths, settings, progress, record_manifest=False)
    fingerprint = key_fingerprint(ingestor.pseudonym_key)
    if not rotate_key and any(e.get("key_fingerprint") not in (None, fingerprint) for e in entries):
        raise PrimedError(
            "the pseudonym key differs from the one the archive was loaded with; set "
            f"{KEY_ENV} (or restore secrets/pseudonym.key) to the original key"
        )
    con = duckdb.connect(str(paths.work_db))
    try:
        ingestor.prepare(con)
        minimise_loaded(con)
        report = _load_archive(con, ingestor, entries, purged)
        if replayed := replay_withdrawals(con, paths):
            ingestor.progress(f"replayed {replayed} withdrawal(s) and restore(s) from the archive")
    finally:
        con.close()
    if rotate_key:
        rewrite_manifest_key(paths, fingerprint)
    return report


def _check_archive(
    paths: WarehousePaths,
    entries: list[dict],
    purged: dict[str, dict],
    rotate_key: bool,
    settings: Settings,
) -> None:
    """Refuse a rebuild that could not give every row back: a new key over purged files, a
    file missing from the archive, or no key at all."""
    if rotate_key and any(e["sha256"] in purged for e in entries):
        raise PrimedError(
            f"{sum(e['sha256'] in purged for e in entries)} loaded file(s) were purged beyond "
            "retention: their rows are kept only as pseudonyms made with the old key, which a "
            "new key cannot make again. Rotate the key before files are purged, or keep it"
        )
    missing = [
        e["archived_as"]
        for e in entries
        if e["sha256"] not in purged and not (paths.archive_dir / e["archived_as"]).exists()
    ]
    if missing:
        raise PrimedError(
            f"{len(missing)} file(s) listed in {MANIFEST} are not in the archive, e.g. {missing[0]}"
        )
    if not settings.pseudonym_key and not (paths.secrets_dir / "pseudonym.key").exists():
        raise PrimedError(
            f"no pseudonym key: set {KEY_ENV} to the key the archive was loaded with, "
            f"or restore {paths.secrets_dir / 'pseudonym.key'} from the backup"
        )


def _load_archive(
    con: duckdb.DuckDBPyConnection,
    ingestor: Ingestor,
    entries: list[dict],
    purged: dict[str, dict],
) -> IngestReport:
    """Each manifest entry once, in load order: a purged file from its residue, any other
    from its archived copy (checked against its hash)."""
    paths = ingestor.paths
    report = IngestReport()
    seen: set[str] = set()
    for e in entries:
        if e["sha256"] in seen:  # a line repeated by a crash between archive and commit
            continue
        seen.add(e["sha256"])
        if e["sha256"] in purged:
            result = _restore(con, paths, purged[e["sha256"]])
        else:
            path = paths.archive_dir / e["archived_as"]
            if sha256_of(path) != e["sha256"]:
                raise PrimedError(f"{path} does not match its SHA-256 in {MANIFEST}: damaged")
            result = ingestor.ingest_file(con, path, e["kind"], e["file_name"], e["sha256"])
        report.files.append(result)
        ingestor.progress(describe(result))
    return report


def _restore(con: duckdb.DuckDBPyConnection, paths: WarehousePaths, entry: dict) -> FileResult:
    """A purged file in a rebuild: its rows as raw held them when it was purged."""
    file_id = retention.restore_purged(con, paths, entry)
    row = con.execute(
        f"SELECT kind, rows_read, rows_loaded, rows_quarantined FROM {contract.RAW_SCHEMA}._files "
        "WHERE file_id = ?",
        [file_id],
    ).fetchall()[0]
    return FileResult(
        entry["file_name"], row[0], "loaded", row[1] or 0, row[2] or 0, row[3] or 0,
        reason=f"from its pseudonymised rows (the file was purged on {entry['purged_at'][:10]})",
    )  # fmt: skip
