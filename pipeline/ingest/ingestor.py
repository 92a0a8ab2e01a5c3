"""One ingestion run over the landing folder: each file in turn, from its verdict to its outcome.

A file is noted without being read (ignored, refused for what it is, waiting to settle), skipped
(its content was dealt with before), opened (a zip: each file inside in turn), or read and
loaded in one transaction. The run checkpoints the work database once, at the end.
"""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.core.errors import FileRefused
from pipeline.core.paths import WarehousePaths
from pipeline.core.settings import pseudonym_key
from pipeline.ingest import registry
from pipeline.ingest.archive import archive_copy, ensure_manifest, safe_name
from pipeline.ingest.encoding import readable_source
from pipeline.ingest.header import map_headers, read_header
from pipeline.ingest.load import load_file
from pipeline.ingest.minimise import minimise_loaded
from pipeline.ingest.pseudonyms import check_key
from pipeline.ingest.raw_parquet import raw_parquet_root, sync_raw_parquet
from pipeline.ingest.read import LandingFile
from pipeline.ingest.results import FileResult, IngestReport, describe
from pipeline.ingest.scan import OTHER_KIND, ZIP_KIND, Found, discover, zip_members
from pipeline.ingest.schema import connect_for_loading, ensure_raw_schema
from pipeline.ingest.unzip import extract_member


class Ingestor:
    def __init__(
        self,
        warehouse: WarehousePaths,
        settings: Settings,
        progress: Callable[[str], None] | None = None,
        settle_seconds: float = 0.0,
        record_manifest: bool = True,
    ):
        self.paths = warehouse.ensure()
        self.memory_limit = settings.memory_limit
        # Each loaded file's rows as Parquet too, where another engine reads them (Spark).
        self.raw_parquet = raw_parquet_root(settings, self.paths)
        # A file modified more recently than this may still be being written: left for later.
        self.settle_seconds = settle_seconds
        self.pseudonym_key = pseudonym_key(self.paths, settings)
        self.progress = progress or (lambda msg: None)
        self.record_manifest = record_manifest

    def run(self, landing: Path) -> IngestReport:
        report = IngestReport()
        con = connect_for_loading(self.paths.work_db, self.memory_limit)
        try:
            self.prepare(con)
            if changed := minimise_loaded(con):
                self.progress(f"minimised the personal fields of {changed:,} loaded row(s)")
                if self.raw_parquet is not None:  # every file's Parquet is written again
                    shutil.rmtree(self.raw_parquet, ignore_errors=True)
            ensure_manifest(con, self.paths)
            for found in discover(Path(landing)):
                for result in self.ingest_found(con, found):
                    report.files.append(result)
                    self.progress(describe(result))
            con.execute("CHECKPOINT")
            if self.raw_parquet is not None:
                written = sum(sync_raw_parquet(con, self.raw_parquet).values())
                self.progress(f"raw Parquet: {written:,} row(s) written to {self.raw_parquet}")
        finally:
            con.close()
        return report

    def prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        """The raw schema as the contract has it now, and this warehouse's pseudonym key."""
        ensure_raw_schema(con)
        check_key(con, self.pseudonym_key)

    # ----------------------------------------------------------------------- one landing file

    def ingest_found(self, con: duckdb.DuckDBPyConnection, found: Found) -> Iterator[FileResult]:
        """The outcome of one landing file: one result, or one per file inside a zip and one
        for the zip itself."""
        note = registry.note
        if found.status:  # ignored or refused for what it is, without reading it
            yield note(con, found.path, found.name, found.kind, found.status, found.reason)
            return
        if found.path.is_symlink():
            # A link could point anywhere on the machine: only real files are loaded.
            reason = "is a symbolic link; copy the file itself into the landing folder"
            yield note(con, found.path, found.name, found.kind, "refused", reason)
            return
        try:
            age = time.time() - found.path.stat().st_mtime
        except FileNotFoundError:  # moved away since the folder was listed: not ours now
            yield FileResult(
                found.name,
                found.kind or OTHER_KIND,
                "skipped",
                reason="removed from the landing folder during the run",
            )
            return
        if age < self.settle_seconds:
            reason = f"modified {age:.0f}s ago and may still be being written; a later run loads it"
            yield note(con, found.path, found.name, found.kind, "waiting", reason)
            return
        if found.kind == ZIP_KIND:
            yield from self._ingest_zip(con, found)
        else:
            yield self.ingest_file(con, found.path, str(found.kind), found.name)

    def ingest_file(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        kind: str,
        name: str | None = None,
        digest: str | None = None,
    ) -> FileResult:
        """Load one CSV file (plain or gzipped) recorded as `name`: loaded, skipped (same
        content loaded or refused before) or refused with the reason."""
        name = name or path.name
        result = FileResult(name, kind, "refused")
        st = path.stat()
        try:
            digest = (
                digest or registry.known_digest(con, name, kind, st) or registry.sha256_of(path)
            )
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror})"
            return registry.note(con, path, name, kind, "refused", reason)
        prior = registry.seen_before(con, digest, kind, ("loaded", "refused", "unpacked"))
        if prior:
            return registry.skipped(con, result, prior, digest, st)
        tmp_copy: Path | None = None
        try:
            source, facts, changes = readable_source(path, self.paths.tmp_dir, name)
            result.warnings += changes
            if source != path:
                tmp_copy = source
            cells, delim = read_header(source, "utf-8", contract.KIND_COLUMNS[kind])
            mapped, unknown = map_headers(name, cells, kind)
            if unknown:
                result.warnings.append(
                    "unknown column(s) kept in raw and ignored: " + ", ".join(u for _, u in unknown)
                )
            archived = archive_copy(self.paths.archive_dir, path, digest, name)
            landing_file = LandingFile(
                path, name, source, kind, digest, facts, delim, cells, mapped, unknown, archived
            )
            manifest = self.paths.archive_dir if self.record_manifest else None
            load_file(con, landing_file, result, self.pseudonym_key, manifest)
        except FileRefused as exc:
            result.status, result.reason = "refused", exc.reason
            registry.record_read(con, name, kind, digest, st, "refused", exc.reason, rows_read=0)
        finally:
            if tmp_copy is not None:
                tmp_copy.unlink(missing_ok=True)
        return result

    # ----------------------------------------------------------------------- zip files

    def _ingest_zip(self, con: duckdb.DuckDBPyConnection, found: Found) -> Iterator[FileResult]:
        """Each file inside, classified as if it were in the landing folder (inside a single
        top folder, or in reference/ when the zip is), streamed out into the warehouse's tmp
        folder and loaded like a landing file; then the zip's own row."""
        path, name = found.path, found.name
        st = path.stat()
        result = FileResult(name, ZIP_KIND, "refused")
        try:
            digest = registry.sha256_of(path)
            prior = registry.seen_before(con, digest, ZIP_KIND, ("unpacked", "refused"))
            if prior:
                yield registry.skipped(con, result, prior, digest, st)
                return
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            reason = f"is not a readable zip file ({exc})"
            yield registry.note(con, path, name, ZIP_KIND, "refused", reason)
            return
        in_reference = path.parent.name.lower() == "reference"
        counts: dict[str, int] = {}
        with archive:
            for info, _parts, kind, status, reason in zip_members(archive, in_reference):
                member = f"{name}/{info.filename}"
                modified = datetime(*info.date_time)
                if status:
                    member_result = registry.note(
                        con, path, member, kind, status, reason, info.file_size, modified
                    )
                else:
                    member_result = self._ingest_member(con, archive, info, member, str(kind))
                counts[member_result.status] = counts.get(member_result.status, 0) + 1
                yield member_result
        result.status = "unpacked"
        result.reason = f"{sum(counts.values())} file(s) inside: " + (
            ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
        )
        registry.record_read(con, name, ZIP_KIND, digest, st, "unpacked", result.reason)
        yield result

    def _ingest_member(
        self, con, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, kind: str
    ) -> FileResult:
        out = self.paths.tmp_dir / f"zip-{os.getpid()}-{safe_name(Path(info.filename).name)}"
        try:
            digest = extract_member(archive, info, out, name)
            os.utime(out, (time.time(), datetime(*info.date_time).timestamp()))
            return self.ingest_file(con, out, kind, name, digest)
        except FileRefused as exc:
            return registry.note(
                con,
                out,
                name,
                kind,
                "refused",
                exc.reason,
                info.file_size,
                datetime(*info.date_time),
            )
        finally:
            out.unlink(missing_ok=True)
