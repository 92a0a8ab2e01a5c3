"""Ingestion: landing folder -> raw DuckDB tables, with lineage, quarantine and an archive.

Every file in the landing folder is accounted for, in the progress lines and in `raw._files`:
loaded, waiting (still being written), skipped (same content seen before), refused with the
reason, or ignored with the reason (a README, a file in an unknown subfolder). A CSV may come
as it is, gzipped (`.csv.gz`, read by DuckDB as it stands) or in a `.zip` (each CSV inside is
streamed out into the warehouse's tmp folder and loaded as a file of its own); a workbook is
refused with how to save it as CSV.

Each CSV is checked against the contract (pipeline/core/contract.py), then streamed through
DuckDB's own CSV reader into a raw table in one transaction: every data row is either loaded
(typed, with file name, file hash, row number and load time) or quarantined with its reason.
A file that cannot be read at all is refused whole. A file whose content (SHA-256) was loaded
before is skipped, so loading the same file again adds nothing. Each loaded file is copied to
the archive and listed in `archive/manifest.jsonl`, from which `rebuild_raw` loads everything
again (the archive and the pseudonym key are the whole of a warehouse's backup).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import duckdb

from pipeline import retention
from pipeline.core import contract, settings
from pipeline.core.contract import Column, header_key
from pipeline.core.errors import FileRefused, PrimedError
from pipeline.core.paths import WarehousePaths, append_record
from pipeline.minimise import minimise_loaded
from pipeline.supersession import WITHDRAWALS_DDL, replay_withdrawals

CHUNK = 1 << 20
MAX_LINE_BYTES = 16 << 20
MAX_FIELD_CHARS = 4000  # no CLD field is longer; a longer one is a broken export

KIND_COLUMNS, RAW_SCHEMA, RAW_TABLE = contract.KIND_COLUMNS, contract.RAW_SCHEMA, contract.RAW_TABLE
# Headers a CLD file must have: without them no row could be placed.
CLD_REQUIRED_HEADERS = ("la_code", "reporting_period_end_date", "event_type", "event_start_date")

SQL_TYPE = {"date": "DATE", "number": "DECIMAL(18,2)", "integer": "BIGINT"}

# Keyed pseudonyms, computed at load so that no personal identifier leaves the raw layer.
# Each is sha256(key | value); the key is a bound parameter, never part of any SQL text.
NHS_DIGITS = "regexp_replace(nhs_number, '[^0-9]', '', 'g')"
NHS_VALID = (
    f"(length({NHS_DIGITS}) = 10 AND (11 - list_sum(list_transform(range(9), "
    f"lambda i: substr({NHS_DIGITS}, (i + 1)::INTEGER, 1)::INTEGER * (10 - i))) % 11) % 11 "
    f"= substr({NHS_DIGITS}, 10, 1)::INTEGER)"
)
PSEUDONYMS: dict[str, dict[str, str]] = {
    "cld": {
        "_nhs_number_pseudonym": f"CASE WHEN {NHS_VALID} THEN {NHS_DIGITS} END",
        "_la_person_pseudonym": "la_code || '_' || la_person_unique_identifier",
        **{
            f"_adult_{n}_linked_person_pseudonym": f"la_code || '_' || adult_{n}_linked_person_id"
            for n in (1, 2, 3)
        },
    },
    "payments": {"_la_person_pseudonym": "la_code || '_' || la_person_unique_identifier"},
}
LINEAGE_DDL = (
    "_extra JSON, _file_id INTEGER NOT NULL, _file_name VARCHAR NOT NULL, "
    "_file_hash VARCHAR NOT NULL, _row_number BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL"
)


OTHER_KIND = "other"  # the kind recorded for a file that is not a CSV of the contract
MANIFEST = "manifest.jsonl"


@dataclass
class FileResult:
    file_name: str
    kind: str
    status: str  # loaded | skipped | refused | ignored | waiting | unpacked (a zip)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class _LandingFile:
    """A landing file that passed the file-level checks, ready to load."""

    path: Path  # as found in the landing folder (or unpacked from a zip)
    name: str  # as recorded
    source: Path  # what DuckDB reads: the file, or its UTF-8 copy
    kind: str
    digest: str
    facts: ByteFacts
    delim: str
    cells: list[str]  # header cells as sent
    mapped: dict[int, Column]  # header position -> contract column
    unknown: list[tuple[int, str]]  # extra headers, kept in raw as JSON
    archived: Path


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "loaded"]

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "refused"]

    def summary(self) -> dict:
        return {
            "files_loaded": len(self.loaded),
            "files_skipped": sum(f.status == "skipped" for f in self.files),
            "files_refused": len(self.refused),
            "files_ignored": sum(f.status == "ignored" for f in self.files),
            "files_waiting": sum(f.status == "waiting" for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }


# --------------------------------------------------------------------------- schema


def connect_for_loading(db: Path) -> duckdb.DuckDBPyConnection:
    """The work database, set for loading files one transaction each: DuckDB's memory bounded
    as the dbt step's is (spilling beyond it), and no checkpoint after every file's commit
    (each would compress and write the table's new rows again; the write-ahead log keeps every
    commit durable and the run checkpoints once at the end)."""
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit = '{settings.memory_limit()}'")
    con.execute("SET checkpoint_threshold = '4GB'")
    con.execute("SET enable_progress_bar = false")
    return con


def _column_ddl(col: Column) -> str:
    return f"{col.name} {SQL_TYPE.get(col.kind, 'VARCHAR')}"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for kind, cols in KIND_COLUMNS.items():
        body = ", ".join(
            [_column_ddl(c) for c in cols] + [f"{p} VARCHAR" for p in PSEUDONYMS.get(kind, {})]
        )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{RAW_TABLE[kind]} ({body}, {LINEAGE_DDL})"
        )
        for c in cols:  # a column the contract gained since the warehouse was made
            con.execute(
                f"ALTER TABLE {RAW_SCHEMA}.{RAW_TABLE[kind]} ADD COLUMN IF NOT EXISTS "
                f"{_column_ddl(c)}"
            )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._files (
            file_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL, size_bytes BIGINT, encoding VARCHAR, delimiter VARCHAR,
            status VARCHAR NOT NULL, reason VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
            rows_quarantined BIGINT, unknown_columns VARCHAR[], archived_as VARCHAR,
            loaded_at TIMESTAMP NOT NULL)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._quarantine (
            file_id INTEGER NOT NULL, file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            row_number BIGINT, fields VARCHAR[], reasons VARCHAR[], record JSON,
            loaded_at TIMESTAMP NOT NULL, event_type VARCHAR)"""
    )
    # Warehouses made before the column existed.
    con.execute(f"ALTER TABLE {RAW_SCHEMA}._quarantine ADD COLUMN IF NOT EXISTS event_type VARCHAR")
    con.execute(WITHDRAWALS_DDL)
    # Files that are not read (ignored, waiting) have no hash; when a file was last modified.
    con.execute(f"ALTER TABLE {RAW_SCHEMA}._files ALTER COLUMN sha256 DROP NOT NULL")
    con.execute(f"ALTER TABLE {RAW_SCHEMA}._files ADD COLUMN IF NOT EXISTS modified_at TIMESTAMP")


# --------------------------------------------------------------------------- discovery
# Every file in the landing folder gets a verdict: a contract kind to load, a zip to open, or
# ignored / refused with the reason. Nothing is passed over in silence.

WORKBOOKS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
COMPRESSED = (".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".7z", ".rar")
EXCEL_HOW_TO = (
    "open it in Excel and use File > Save As with the type 'CSV UTF-8 (Comma delimited) "
    "(*.csv)', one file per sheet, and drop the .csv in the landing folder"
)
ODS_HOW_TO = (
    "open it in LibreOffice Calc and use File > Save As with the type 'Text CSV (.csv)' and "
    "the character set 'Unicode (UTF-8)', one file per sheet, and drop the .csv in the "
    "landing folder"
)
ZIP_KIND = "zip"


def workbook_reason(suffix: str) -> str:
    if suffix == ".ods":
        return f"is a spreadsheet (OpenDocument {suffix}), not CSV: {ODS_HOW_TO}"
    return f"is an Excel workbook ({suffix}), not CSV: {EXCEL_HOW_TO}"


@dataclass
class Found:
    """A landing file (or a file inside a landing zip) and what is to be done with it."""

    path: Path
    name: str  # as recorded: the file name, or its path below the landing folder when deeper
    kind: str | None  # a contract kind, ZIP_KIND, or None when not loaded
    status: str = ""  # "" = to load; "ignored" or "refused" (with the reason)
    reason: str = ""


def _suffix(name: str) -> str:
    low = name.lower()
    for double in (".csv.gz", ".tar.gz"):
        if low.endswith(double):
            return double
    return Path(low).suffix


def classify_parts(parts: tuple[str, ...]) -> tuple[str | None, str, str]:
    """(kind, status, reason) for a file at `parts` below the landing folder (or in a zip)."""
    name = parts[-1]
    low = name.lower()
    folder = parts[:-1]
    if low.startswith("~$"):
        return None, "ignored", "an Office lock file (the workbook is open somewhere)"
    if low.startswith(".") or any(p.startswith(".") or p == "__MACOSX" for p in folder):
        return None, "ignored", "a hidden file (its name or folder starts with '.')"
    in_reference = len(folder) == 1 and folder[0].lower() == "reference"
    if folder and not in_reference:
        return (
            None,
            "ignored",
            f"in the subfolder {'/'.join(folder)}/: only files in the landing folder itself and "
            "in reference/ are loaded",
        )
    suffix = _suffix(name)
    if suffix in WORKBOOKS:
        return None, "refused", workbook_reason(suffix)
    if suffix == ".zip":
        return ZIP_KIND, "", ""
    if suffix in COMPRESSED or suffix == ".tar.gz":
        return (
            None,
            "refused",
            f"is a compressed file of a kind primed cannot open ({suffix}): send CSV files as "
            "they are, each gzipped (.csv.gz), or together in a .zip",
        )
    if suffix not in (".csv", ".csv.gz"):
        return (
            None,
            "ignored",
            "not a CSV file (primed loads .csv, .csv.gz, and .zip files holding CSV files; "
            "rename a CSV export that has another extension)",
        )
    stem = low[: -len(suffix)]
    if in_reference:
        if stem in contract.REFERENCE_COLUMNS:
            return f"ref_{stem}", "", ""
        known = ", ".join(f"{n}.csv" for n in contract.REFERENCE_COLUMNS)
        return None, "ignored", f"not a reference file primed knows ({known})"
    return ("payments" if low.startswith("payments") else "cld"), "", ""


def discover(landing: Path) -> list[Found]:
    """Every file below the landing folder with its verdict: reference files first (so that
    extracts loaded in the same run can be checked against them), then by name."""
    if not landing.is_dir():
        raise FileRefused(str(landing), "the landing folder does not exist")
    found = []
    for path in sorted(landing.rglob("*")):
        if path.is_dir():
            continue
        parts = path.relative_to(landing).parts
        kind, status, reason = classify_parts(parts)
        deep = len(parts) > 2 or (len(parts) == 2 and kind is None)
        name = "/".join(parts) if deep else path.name
        found.append(Found(path, name, kind, status, reason))
    return sorted(found, key=_load_order)


def _load_order(f: Found) -> tuple:
    return (bool(f.status), not (f.kind or "").startswith("ref_"), f.name)


# --------------------------------------------------------------------------- file checks

HEAD_BYTES = 4096
# C0 control bytes other than tab, LF and CR: a text file has none, or a stray one.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))
BINARY_SHARE = 0.08  # above this share of control bytes in the head, the file is not text
NUL_REASON = "holds a NUL byte (0x00), a stray byte from the exporting system"


@dataclass
class ByteFacts:
    """What one pass over a file's bytes found (besides their hash)."""

    encoding: str  # utf-8 | cp1252
    nul_bytes: int = 0
    mixed_line_endings: bool = False


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzipped."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _check_head(name: str, head: bytes) -> None:
    if not head:
        raise FileRefused(name, "the file is empty")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(name, f"the file is an Excel workbook, not CSV: {EXCEL_HOW_TO}")
    utf16 = "save it again as CSV in UTF-8 (or Windows-1252)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(name, f"the file is UTF-16 text (it starts with a UTF-16 mark); {utf16}")
    if b"\x00" not in head:  # as before NULs were told apart: nothing more is refused
        return
    half = len(head) // 4
    if len(head) >= 8 and max(head[0::2].count(0), head[1::2].count(0)) > half:
        raise FileRefused(name, f"the file is UTF-16 or binary (every other byte is 0); {utf16}")
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    if controls > BINARY_SHARE * len(head):
        raise FileRefused(
            name,
            f"the file is UTF-16 or binary, not text ({controls} of its first {len(head):,} "
            "bytes are control bytes); save it as CSV in UTF-8 or Windows-1252",
        )


def _scan(f: BinaryIO, encoding: str) -> ByteFacts:
    """Decode the whole stream (raises UnicodeDecodeError) and, in the same pass, count NUL
    bytes and line endings. A few NULs in a text file are stray bytes, not a binary file."""
    decoder = codecs.getincrementaldecoder(encoding)()
    nuls = crlf = lf = 0
    after_cr = False
    while chunk := f.read(CHUNK):
        decoder.decode(chunk)
        nuls += chunk.count(b"\x00")
        crlf += chunk.count(b"\r\n") + (after_cr and chunk[:1] == b"\n")
        lf += chunk.count(b"\n")
        after_cr = chunk.endswith(b"\r")
    decoder.decode(b"", final=True)
    # Some lines end CRLF and others LF (a file edited on two systems): DuckDB's reader refuses
    # that, a LF-only copy reads. LFs inside quoted cells count too, which is harmless.
    return ByteFacts(encoding, nuls, bool(crlf) and lf > crlf)


def inspect_bytes(path: Path, name: str | None = None) -> ByteFacts:
    """The encoding ('utf-8' or 'cp1252', checked over the whole file; anything else is
    refused), stray NUL bytes and mixed line endings, of the file or the CSV it gzips."""
    name = name or path.name
    try:
        with open_bytes(path) as f:
            _check_head(name, f.read(HEAD_BYTES))
            f.seek(0)
            try:
                return _scan(f, "utf-8")
            except UnicodeDecodeError:
                pass
            f.seek(0)
            try:
                return _scan(f, "cp1252")
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    name,
                    "the file is neither UTF-8 nor Windows-1252 "
                    f"(byte 0x{exc.object[exc.start]:02x})",
                ) from None
    except (OSError, EOFError, zlib.error) as exc:
        if path.name.lower().endswith(".gz"):
            raise FileRefused(name, f"the .gz file is damaged or incomplete ({exc})") from None
        raise FileRefused(name, f"cannot be read ({exc})") from None


def detect_encoding(path: Path) -> str:
    """'utf-8' or 'cp1252', checked over the whole file; anything else is refused."""
    return inspect_bytes(path).encoding


def transcode_to_utf8(
    path: Path, encoding: str, tmp_dir: Path, unify_line_endings: bool = False
) -> Path:
    """A UTF-8 copy of the file (decompressed) in tmp_dir; with unify_line_endings, CRLF
    becomes LF."""
    out = tmp_dir / f"{path.name}.{os.getpid()}.utf8.csv"
    with (
        io.TextIOWrapper(open_bytes(path), encoding=encoding, newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        if not unify_line_endings:
            shutil.copyfileobj(src, dst, CHUNK)
            return out
        carry = ""
        while chunk := src.read(CHUNK):
            chunk = carry + chunk
            carry = "\r" if chunk.endswith("\r") else ""
            dst.write(chunk[: len(chunk) - len(carry)].replace("\r\n", "\n"))
        dst.write(carry)
    return out


def readable_source(
    path: Path, tmp_dir: Path, name: str | None = None
) -> tuple[Path, ByteFacts, list[str]]:
    """The file as DuckDB's reader will read it (the file itself, gzipped or not, or a UTF-8,
    consistently ended copy when it is not that already), what its bytes hold, and warnings
    about what was changed."""
    facts = inspect_bytes(path, name)
    warnings = []
    if facts.nul_bytes:
        warnings.append(
            f"{facts.nul_bytes:,} stray NUL byte(s) (0x00) in the file: the rows holding them "
            "are quarantined"
        )
    if facts.encoding == "utf-8" and not facts.mixed_line_endings:
        return path, facts, warnings
    if facts.mixed_line_endings:
        warnings.append("line endings were mixed (CRLF and LF) and were read as LF")
    copy = transcode_to_utf8(path, facts.encoding, tmp_dir, facts.mixed_line_endings)
    return copy, facts, warnings


def read_header(path: Path, encoding: str, columns: Iterable[Column]) -> tuple[list[str], str]:
    """The header cells and delimiter: the delimiter that names the most contract columns."""
    with io.TextIOWrapper(open_bytes(path), encoding=encoding, newline="") as f:
        first = f.readline().lstrip("\ufeff")
    if not first.strip():
        raise FileRefused(path.name, "the first line is empty; expected a header row")
    known = _synonym_index(columns)
    best: tuple[int, list[str], str] | None = None
    for delim in (",", ";", "\t", "|"):
        cells = next(csv.reader(io.StringIO(first), delimiter=delim))
        hits = sum(header_key(c) in known for c in cells)
        if best is None or hits > best[0]:
            best = (hits, cells, delim)
    assert best is not None
    if best[0] == 0:
        raise FileRefused(path.name, "no header names from the contract were found in row 1")
    return best[1], best[2]


def _synonym_index(columns: Iterable[Column]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in columns:
        for name in (col.header, col.name, *col.synonyms):
            index.setdefault(header_key(name), col)
    return index


def map_headers(file_name: str, cells: list[str], kind: str) -> tuple[dict[int, Column], list]:
    """Position -> contract column, and the unknown extra headers (kept in raw as JSON)."""
    index = _synonym_index(KIND_COLUMNS[kind])
    mapped: dict[int, Column] = {}
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    for pos, cell in enumerate(cells):
        col = index.get(header_key(cell))
        if col is None:
            unknown.append((pos, cell.strip() or f"column {pos + 1}"))
            continue
        if col.name in seen:
            raise FileRefused(
                file_name,
                f"headers '{seen[col.name]}' and '{cell.strip()}' both name field '{col.header}'",
            )
        seen[col.name] = cell.strip()
        mapped[pos] = col
    names = {c.name for c in mapped.values()}
    required = CLD_REQUIRED_HEADERS if kind == "cld" else ()
    required = (*required, *(c.name for c in KIND_COLUMNS[kind] if c.required))
    missing = [c.header for c in KIND_COLUMNS[kind] if c.name in required and c.name not in names]
    if kind == "cld" and not {"nhs_number", "la_person_unique_identifier"} & names:
        missing.append("NHS Number or LA Person Unique Identifier")
    if missing:
        raise FileRefused(file_name, "missing required column(s): " + ", ".join(missing))
    return mapped, unknown


# --------------------------------------------------------------------------- row rules (SQL)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed_expr(col: Column, src: str) -> str:
    v = f"nullif(trim({src}), '')"
    if col.kind == "date":
        return contract.date_sql(v)
    if col.kind in ("number", "integer"):
        return contract.number_sql(v, integer=col.kind == "integer")
    return v


def _typed_ref(name: str) -> str:
    """The column of `_in` holding a typed field's value, read once as the file is read."""
    return f"_t_{name}"


def _row_problems(kind: str, cols: dict[str, tuple[Column, str]]) -> list[tuple[str, str]]:
    """(field header, SQL expression giving a problem text or NULL) for every row rule. A
    typed field (date, number) is read from its `_typed_ref` column, not parsed again."""
    rules: list[tuple[str, str]] = []

    def typed(name: str) -> str:
        col, src = cols[name]
        return _typed_ref(name) if col.kind in SQL_TYPE else _typed_expr(col, src)

    def present(name: str) -> str:
        return f"nullif(trim({cols[name][1]}), '') IS NOT NULL" if name in cols else "false"

    for name, (col, src) in cols.items():
        rules.append(
            (
                col.header,
                f"CASE WHEN length({src}) > {MAX_FIELD_CHARS} "
                f"THEN 'longer than {MAX_FIELD_CHARS:,} characters' END",
            )
        )
        if col.kind in SQL_TYPE:
            what = {"date": "a date", "number": "a number", "integer": "a whole number"}[col.kind]
            shown = "" if col.pii else f" (' || {src} || ')"
            rules.append(
                (
                    col.header,
                    f"CASE WHEN {present(name)} AND {typed(name)} IS NULL "
                    f"THEN 'not {what}{shown}' END",
                )
            )
    ckba = "false"
    if "client_type" in cols:
        ckba = f"coalesce(lower({cols['client_type'][1]}) LIKE '%known by association%', false)"
    for col in KIND_COLUMNS[kind]:
        mandatory = col.required or (kind == "cld" and col.name in CLD_REQUIRED_HEADERS)
        if not mandatory or col.name not in cols:
            continue
        exempt = (
            ckba if kind == "cld" and col.name in ("event_type", "event_start_date") else "false"
        )
        rules.append(
            (
                col.header,
                f"CASE WHEN NOT ({present(col.name)}) AND NOT {exempt} "
                "THEN 'missing (mandatory)' END",
            )
        )
    if kind == "cld":
        rules.append(
            (
                "NHS Number / LA Person Unique Identifier",
                f"CASE WHEN NOT ({present('nhs_number')}) "
                f"AND NOT ({present('la_person_unique_identifier')}) "
                "THEN 'both missing: the person cannot be identified' END",
            )
        )
        rules += _order_rule(cols, typed, "event_start_date", "event_end_date")
        for name in ("unit_cost", "planned_units_per_week"):
            if name in cols:
                rules.append(
                    (cols[name][0].header, f"CASE WHEN {typed(name)} < 0 THEN 'negative' END")
                )
    if kind == "payments":
        rules += _order_rule(cols, typed, "period_start_date", "period_end_date")
    if kind == "ref_targets":
        rules += _order_rule(cols, typed, "period_start", "period_end")
    return rules


def _order_rule(cols, typed, start: str, end: str) -> list[tuple[str, str]]:
    if start not in cols or end not in cols:
        return []
    return [
        (
            cols[end][0].header,
            f"CASE WHEN {typed(end)} < {typed(start)} THEN 'before {cols[start][0].header}' END",
        )
    ]


# --------------------------------------------------------------------------- loading


class Ingestor:
    def __init__(
        self,
        warehouse: WarehousePaths,
        progress: Callable[[str], None] | None = None,
        pseudonym_key: str | None = None,
        settle_seconds: float = 0.0,
        record_manifest: bool = True,
    ):
        self.paths = warehouse.ensure()
        # A file modified more recently than this may still be being written: left for later.
        self.settle_seconds = settle_seconds
        self.pseudonym_key = pseudonym_key or settings.pseudonym_key(self.paths)
        self.progress = progress or (lambda msg: None)
        self.record_manifest = record_manifest

    def run(self, landing: Path) -> IngestReport:
        report = IngestReport()
        con = connect_for_loading(self.paths.work_db)
        try:
            ensure_raw_schema(con)
            self._check_key(con)
            if changed := minimise_loaded(con):
                self.progress(f"minimised the personal fields of {changed:,} loaded row(s)")
            ensure_manifest(con, self.paths)
            for found in discover(Path(landing)):
                for result in self.ingest_found(con, found):
                    report.files.append(result)
                    self.progress(_describe(result))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return report

    def _check_key(self, con: duckdb.DuckDBPyConnection) -> None:
        """Refuse to mix pseudonyms made with two keys in one warehouse."""
        fingerprint = settings.key_fingerprint(self.pseudonym_key)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._settings (name VARCHAR, value VARCHAR)"
        )
        rows = con.execute(
            f"SELECT value FROM {RAW_SCHEMA}._settings WHERE name = 'pseudonym_key_fingerprint'"
        ).fetchall()
        if not rows:
            con.execute(
                f"INSERT INTO {RAW_SCHEMA}._settings VALUES ('pseudonym_key_fingerprint', ?)",
                [fingerprint],
            )
        elif rows[0][0] != fingerprint:
            raise PrimedError(
                f"the pseudonym key differs from the one this warehouse was loaded with; "
                f"set {settings.KEY_ENV} to the original key"
            )

    # ----------------------------------------------------------------------- one landing file

    def ingest_found(self, con: duckdb.DuckDBPyConnection, found: Found) -> Iterator[FileResult]:
        """The outcome of one landing file: one result, or one per file inside a zip and one
        for the zip itself."""
        if found.status:  # ignored or refused for what it is, without reading it
            yield self._note(con, found.path, found.name, found.kind, found.status, found.reason)
            return
        if found.path.is_symlink():
            # A link could point anywhere on the machine: only real files are loaded.
            reason = "is a symbolic link; copy the file itself into the landing folder"
            yield self._note(con, found.path, found.name, found.kind, "refused", reason)
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
            yield self._note(con, found.path, found.name, found.kind, "waiting", reason)
            return
        if found.kind == ZIP_KIND:
            yield from self._ingest_zip(con, found)
        else:
            yield self.ingest_file(con, found.path, str(found.kind), found.name)

    def _note(
        self,
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
            size, modified = st.st_size, _mtime(st.st_mtime)
        if status == "waiting":
            con.execute(
                f"DELETE FROM {RAW_SCHEMA}._files WHERE file_name = ? AND status = 'waiting'",
                [name],
            )
        seen = con.execute(
            f"SELECT 1 FROM {RAW_SCHEMA}._files WHERE file_name = ? AND status = ? "
            "AND size_bytes = ? AND modified_at = ?",
            [name, status, size, modified],
        ).fetchall()
        if not seen:
            self._record(
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

    def _record(self, con: duckdb.DuckDBPyConnection, **row) -> int:
        """One row of raw._files (a file's final outcome replaces its waiting row)."""
        row.setdefault("file_id", self._next_file_id(con))
        row.setdefault("loaded_at", _now())
        if row["status"] != "waiting":
            con.execute(
                f"DELETE FROM {RAW_SCHEMA}._files WHERE file_name = ? AND status = 'waiting'",
                [row["file_name"]],
            )
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(
            f"INSERT INTO {RAW_SCHEMA}._files ({names}) VALUES ({marks})", list(row.values())
        )
        return row["file_id"]

    def _record_read(
        self,
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
        return self._record(
            con,
            file_name=name,
            kind=kind,
            sha256=digest,
            size_bytes=st.st_size,
            modified_at=_mtime(st.st_mtime),
            status=status,
            reason=reason,
            **more,
        )

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
            digest = digest or self._known_digest(con, name, kind, st) or sha256_of(path)
        except OSError as exc:
            return self._note(con, path, name, kind, "refused", f"cannot be read ({exc.strerror})")
        prior = con.execute(
            f"SELECT file_id, file_name, status, reason FROM {RAW_SCHEMA}._files "
            "WHERE sha256 = ? AND kind = ? AND status IN ('loaded', 'refused', 'unpacked') "
            "ORDER BY file_id LIMIT 1",
            [digest, kind],
        ).fetchall()
        if prior:
            return self._skipped(con, result, prior[0], digest, st)
        tmp_copy: Path | None = None
        try:
            source, facts, changes = readable_source(path, self.paths.tmp_dir, name)
            result.warnings += changes
            if source != path:
                tmp_copy = source
            cells, delim = read_header(source, "utf-8", KIND_COLUMNS[kind])
            mapped, unknown = map_headers(name, cells, kind)
            if unknown:
                result.warnings.append(
                    "unknown column(s) kept in raw and ignored: " + ", ".join(u for _, u in unknown)
                )
            archived = self._archive(path, digest, name)
            landing_file = _LandingFile(
                path, name, source, kind, digest, facts, delim, cells, mapped, unknown, archived
            )
            self._load(con, landing_file, result)
        except FileRefused as exc:
            result.status, result.reason = "refused", exc.reason
            self._record_read(con, name, kind, digest, st, "refused", exc.reason, rows_read=0)
        finally:
            if tmp_copy is not None:
                tmp_copy.unlink(missing_ok=True)
        return result

    def _known_digest(
        self, con: duckdb.DuckDBPyConnection, name: str, kind: str, st: os.stat_result
    ) -> str | None:
        """The hash recorded for this name when the file has the size and modification time it
        had then (as make and rsync judge a file unchanged): a run reads no file twice over
        when nothing new has landed. A file changed in place gets a new time, and is read."""
        rows = con.execute(
            f"SELECT sha256 FROM {RAW_SCHEMA}._files WHERE file_name = ? AND kind = ? "
            "AND size_bytes = ? AND modified_at = ? AND sha256 IS NOT NULL "
            "ORDER BY file_id DESC LIMIT 1",
            [name, kind, st.st_size, _mtime(st.st_mtime)],
        ).fetchall()
        return rows[0][0] if rows else None

    def _skipped(self, con, result: FileResult, prior: tuple, digest: str, st) -> FileResult:
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
            f"SELECT 1 FROM {RAW_SCHEMA}._files WHERE file_name = ? AND sha256 = ?",
            [result.file_name, digest],
        ).fetchall()
        if not known:
            reason = f"{result.reason} (file {file_id})"
            self._record_read(con, result.file_name, result.kind, digest, st, "skipped", reason)
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
            digest = sha256_of(path)
            prior = con.execute(
                f"SELECT file_id, file_name, status, reason FROM {RAW_SCHEMA}._files "
                "WHERE sha256 = ? AND kind = ? AND status IN ('unpacked', 'refused') "
                "ORDER BY file_id LIMIT 1",
                [digest, ZIP_KIND],
            ).fetchall()
            if prior:
                yield self._skipped(con, result, prior[0], digest, st)
                return
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            reason = f"is not a readable zip file ({exc})"
            yield self._note(con, path, name, ZIP_KIND, "refused", reason)
            return
        in_reference = path.parent.name.lower() == "reference"
        counts: dict[str, int] = {}
        with archive:
            for info, _parts, kind, status, reason in _zip_members(archive, in_reference):
                member = f"{name}/{info.filename}"
                modified = datetime(*info.date_time)
                if status:
                    member_result = self._note(
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
        self._record_read(con, name, ZIP_KIND, digest, st, "unpacked", result.reason)
        yield result

    def _ingest_member(
        self, con, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, kind: str
    ) -> FileResult:
        out = self.paths.tmp_dir / f"zip-{os.getpid()}-{_safe_name(Path(info.filename).name)}"
        try:
            digest = _extract(archive, info, out, name)
            os.utime(out, (time.time(), datetime(*info.date_time).timestamp()))
            return self.ingest_file(con, out, kind, name, digest)
        except FileRefused as exc:
            return self._note(
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

    # ----------------------------------------------------------------------- archive

    def _archive(self, path: Path, digest: str, name: str) -> Path:
        target = self.paths.archive_dir / f"{digest[:16]}__{_safe_name(name)}"
        if not target.exists():
            part = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(path, part)
            part.replace(target)
        return target

    def _next_file_id(self, con: duckdb.DuckDBPyConnection) -> int:
        return con.execute(
            f"SELECT coalesce(max(file_id), 0) + 1 FROM {RAW_SCHEMA}._files"
        ).fetchall()[0][0]

    def _load(self, con: duckdb.DuckDBPyConnection, f: _LandingFile, result: FileResult) -> None:
        """Load one file in one transaction: all of its rows and its registry row, or nothing."""
        loaded_at = _now()
        _read(con, f)
        con.execute("BEGIN TRANSACTION")
        try:
            file_id = self._load_rows(con, f, result, loaded_at)
            if self.record_manifest:
                # Before the commit: a crash in between repeats the line, which a rebuild skips.
                fingerprint = settings.key_fingerprint(self.pseudonym_key)
                append_manifest(self.paths, file_id, f, loaded_at, fingerprint)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        con.execute("DROP VIEW IF EXISTS _checked")
        for t in ("_in", "_status", "_bad"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        result.status = "loaded"

    def _load_rows(
        self,
        con: duckdb.DuckDBPyConnection,
        f: _LandingFile,
        result: FileResult,
        loaded_at: datetime,
    ) -> int:
        name, kind, digest, delim = f.name, f.kind, f.digest, f.delim
        cells, mapped, unknown = f.cells, f.mapped, f.unknown
        n = len(cells)
        file_id = self._next_file_id(con)
        cols = {c.name: (c, f"c{pos}") for pos, c in mapped.items()}
        headers = {pos: c.header for pos, c in mapped.items()} | dict(unknown)
        rules = _row_problems(kind, cols)
        if f.facts.nul_bytes:
            # Only a file with NUL bytes pays for looking for them, in every column.
            rules += [
                (headers[pos], f"CASE WHEN contains(c{pos}, chr(0)) THEN {_q(NUL_REASON)} END")
                for pos in sorted(headers)
            ]
        # A problem is its field's header and the rule's text; NULL (no problem) stays NULL.
        problems = (
            "list_filter(["
            + ", ".join(f"{_q(h + ': ')} || ({expr})" for h, expr in rules)
            + "], lambda x: x IS NOT NULL)"
            if rules
            else "[]::VARCHAR[]"
        )
        fields = _listed([_q(h) for h, _expr in rules], rules)
        # Dates sent with a time of day other than midnight: still the date, counted.
        timed = [
            (col.header, contract.time_of_day_sql(f"nullif(trim({src}), '')"))
            for col, src in cols.values()
            if col.kind == "date"
        ]
        times = _listed([_q(h) for h, _expr in timed], [(h, e) for h, e in timed], when_true=True)
        # The row as sent, for someone to look at, but for its personal fields: kept as raw
        # keeps them (contract.Column.kept), and a field raw does not keep left out. A
        # malformed line is kept as its shape: where its quotes and delimiters went wrong, and
        # no value (the archived file has the line as sent).
        record = (
            "json_object("
            + ", ".join(
                f"{_q(cells[i] or f'column {i + 1}')}, {_record_cell(mapped.get(i), f'c{i}')}"
                for i in range(n)
                if i not in mapped or mapped[i].kept != "none"
            )
            + ")"
        )
        extra = (
            "json_object(" + ", ".join(f"{_q(h)}, c{p}" for p, h in unknown) + ")"
            if unknown
            else "NULL::JSON"
        )
        # Only the verdict is materialised (row number and problems), not the row again.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _status AS
                WITH steps AS ({row_steps_sql("_bad")})
                SELECT _in.rowid AS _id, _in.rowid + 1 + coalesce(steps.skipped, 0) AS _row,
                       {problems} AS _problems, {fields} AS _fields, {times} AS _timed
                FROM _in ASOF LEFT JOIN steps ON _in.rowid + 1 > steps.good_before"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _checked AS
               SELECT _in.*, _status._row, _status._problems, _status._fields
               FROM _in JOIN _status ON _in.rowid = _status._id"""
        )
        # The event type as sent, so that quarantined rows can be accounted per event type.
        event_type = (
            f"nullif(trim({cols['event_type'][1]}), '')" if "event_type" in cols else "NULL"
        )
        target = [c.name for c in KIND_COLUMNS[kind]]
        typed = [
            f"{_typed_ref(t) if cols[t][0].kind in SQL_TYPE else _typed_expr(*cols[t])} AS {t}"
            if t in cols
            else f"NULL AS {t}"
            for t in target
        ]
        kept = [contract.kept_sql(c, c.name) for c in KIND_COLUMNS[kind]]
        pseudonyms = PSEUDONYMS.get(kind, {})
        hashed = [
            f"CASE WHEN ({expr}) IS NOT NULL THEN sha256($key || '|' || ({expr})) END"
            for expr in pseudonyms.values()
        ]
        con.execute(
            f"""INSERT INTO {RAW_SCHEMA}.{RAW_TABLE[kind]}
                ({", ".join([*target, *pseudonyms])}, _extra, _file_id, _file_name, _file_hash,
                 _row_number, _loaded_at)
                SELECT {", ".join([*kept, *hashed])}, _extra, $file_id, $file_name, $digest,
                       _row, $loaded_at
                FROM (SELECT {", ".join(typed)}, {extra} AS _extra, _row
                      FROM _checked WHERE len(_problems) = 0)""",
            {
                "file_id": file_id,
                "file_name": name,
                "digest": digest,
                "loaded_at": loaded_at,
                **({"key": self.pseudonym_key} if pseudonyms else {}),
            },
        )
        con.execute(
            f"""INSERT INTO {RAW_SCHEMA}._quarantine
                SELECT ?, ?, ?, _row, _fields, _problems, {record}, ?, {event_type}
                FROM _checked WHERE len(_problems) > 0
                UNION ALL
                SELECT ?, ?, ?, row_number, [], ['malformed row: ' || problem],
                       json_object('line', {contract.shape_sql("csv_line", None)}), ?, NULL
                FROM _bad""",
            [file_id, name, kind, loaded_at, file_id, name, kind, loaded_at],
        )
        good, quarantined = con.execute(
            "SELECT count(*) FILTER (WHERE len(_problems) = 0), "
            "count(*) FILTER (WHERE len(_problems) > 0) FROM _status"
        ).fetchall()[0]
        malformed = con.execute("SELECT count(*) FROM _bad").fetchall()[0][0]
        result.rows_read = good + quarantined + malformed
        result.rows_loaded = good
        result.rows_quarantined = quarantined + malformed
        if result.rows_read == 0:
            result.warnings.append("the file has a header but no data rows")
        if timed:
            result.warnings += _time_of_day_warnings(con)
        if good == 0 and quarantined >= 2:
            positions = {h: p for p, h in headers.items()}
            pii = {c.header for c in mapped.values() if c.pii}
            kinds = {c.header: c.kind for c in mapped.values()}
            whole = _whole_file_failures(con, quarantined, positions, pii, kinds)
            result.warnings[:0] = whole
        self._record_read(
            con,
            name,
            kind,
            digest,
            f.path.stat(),
            "loaded",
            "; ".join(result.warnings) or None,
            file_id=file_id,
            encoding=f.facts.encoding,
            delimiter=delim,
            rows_read=result.rows_read,
            rows_loaded=good,
            rows_quarantined=result.rows_quarantined,
            unknown_columns=[u for _, u in unknown],
            archived_as=str(f.archived),
            loaded_at=loaded_at,
        )
        return file_id


def _read(con: duckdb.DuckDBPyConnection, f: _LandingFile) -> None:
    """The file read into the temporary table `_in` (every cell as text, `c0`, `c1`...; and
    each typed field parsed once, `_typed_ref`), its rejected lines in `_bad`. Outside the
    load's transaction, so that a row's rowid + 1 is its place among the good rows."""
    cols = {c.name: (c, f"c{pos}") for pos, c in f.mapped.items()}
    # Each typed field parsed once, as the file is read; the checks and the load read it.
    parsed = "".join(
        f", {_typed_expr(col, src)} AS {_typed_ref(name)}"
        for name, (col, src) in cols.items()
        if col.kind in SQL_TYPE
    )
    try:
        # Kept in reading order: a row's rowid + 1 is its place among the good rows.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _in AS
                SELECT *{parsed} FROM {csv_sql(f.source, len(f.cells), f.delim)}"""
        )
    except duckdb.Error as exc:
        raise FileRefused(f.name, _duckdb_reason(exc)) from None
    # Rejected records (too many or too few fields...): DuckDB gives their line number,
    # counting the header as line 1. Good rows' row numbers skip over them.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _bad AS
           SELECT line - 1 AS row_number, any_value(csv_line) AS csv_line,
                  string_agg(DISTINCT error_type || coalesce(' in ' || column_name, '') || ': '
                             || error_message, '; ') AS problem
           FROM _rejects GROUP BY line"""
    )


def _record_cell(col: Column | None, src: str) -> str:
    """A quarantined row's cell as its record keeps it (an unknown column's as sent)."""
    if col is None or col.kept == "value":
        return src
    return contract.kept_sql(col, f"nullif(trim({src}), '')", typed=False)


def _listed(items: list[str], rules: list[tuple[str, str]], when_true: bool = False) -> str:
    """SQL list of `items[i]` for each rule whose expression is not NULL (or is true)."""
    if not rules:
        return "[]::VARCHAR[]"
    test = "" if when_true else " IS NOT NULL"
    cases = ", ".join(
        f"CASE WHEN ({expr}){test} THEN {item} END"
        for item, (_h, expr) in zip(items, rules, strict=True)
    )
    return f"list_filter([{cases}], lambda x: x IS NOT NULL)"


def _time_of_day_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT t, count(*), min(_row) FROM (SELECT unnest(_timed) AS t, _row FROM _status) "
        "GROUP BY t ORDER BY t"
    ).fetchall()
    return [
        f"{header}: {n:,} date(s) with a time of day other than midnight (first in row "
        f"{first}): the date was kept, the time dropped"
        for header, n, first in rows
    ]


def _whole_file_failures(
    con: duckdb.DuckDBPyConnection,
    rows: int,
    positions: dict[str, int],
    pii: set[str],
    kinds: dict[str, str],
) -> list[str]:
    """When every row fails on the same field, one sentence for the file, with how the values
    are written: their shape, and an example where a row's reason would show the value."""
    out = []
    failing = con.execute(
        "SELECT f FROM (SELECT unnest(list_distinct(_fields)) AS f FROM _status) "
        "GROUP BY f HAVING count(*) = ? ORDER BY min(f)",
        [rows],
    ).fetchall()
    for (header,) in failing[:3]:
        problem = con.execute(
            "SELECT regexp_replace(p, ' \\(.*$', '') AS p FROM "
            "(SELECT unnest(_problems) AS p FROM _status) WHERE starts_with(p, ?) "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [header + ": "],
        ).fetchall()[0][0]
        text = f"every row ({rows:,}) fails on {problem}"
        pos = positions.get(header)
        if pos is not None:
            v = f"nullif(trim(c{pos}), '')"
            shape, n, example = con.execute(
                f"SELECT {contract.shape_sql('v')} AS shape, count(*), min(v) "
                f"FROM (SELECT {v} AS v FROM _in) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            ).fetchall()[0]
            if shape is None:
                text += " (the column is empty in every row)"
            else:
                text += f", written as {shape} in {n:,} rows"
                # A value is shown only where a row's reason would show it: never for a
                # personal field, nor free text (where anything may have been typed).
                if header not in pii and kinds.get(header) in ("date", "number", "integer"):
                    shown = re.sub(r"[\x00-\x1f]", "?", str(example))[:40]
                    text += f" (e.g. '{shown}')"
        if kinds.get(header) == "date":
            text += f", where primed reads dates as {contract.DATE_FORMATS_TEXT}"
        elif kinds.get(header) in ("number", "integer"):
            text += ", where primed reads numbers with a '.' decimal point (optional £ and ',')"
        out.append(text)
    return out


def csv_sql(source: Path, columns: int, delim: str) -> str:
    """DuckDB's reader of a landing CSV as ingestion reads it: `columns` cells as VARCHAR (c0,
    c1...), the rejected lines in `_rejects` (line numbers counting the header as line 1)."""
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(columns)) + "}"
    return f"""read_csv({_q(str(source))}, header = true, auto_detect = false,
                        columns = {spec}, delim = {_q(delim)}, quote = '"', escape = '"',
                        store_rejects = true, rejects_table = '_rejects',
                        rejects_scan = '_rejects_scan',
                        ignore_errors = true, max_line_size = {MAX_LINE_BYTES},
                        strict_mode = true)"""


def row_steps_sql(bad: str) -> str:
    """Good rows are numbered in reading order (`_seq`) but rejected lines still count as data
    rows. From `bad` (one `row_number` per rejected row), a step per run of good rows:
    a good row's number is `_seq` + `skipped` of the last step with `good_before` < `_seq`."""
    return f"""WITH gaps AS (
                   SELECT row_number - row_number() OVER (ORDER BY row_number) AS good_before,
                          row_number() OVER (ORDER BY row_number) AS skipped
                   FROM {bad})
               SELECT good_before, max(skipped) AS skipped FROM gaps GROUP BY 1"""


def _duckdb_reason(exc: duckdb.Error) -> str:
    text = str(exc).split("\n")[0]
    text = re.sub(r"^[A-Za-z ]+Error: ", "", text)
    return f"the file could not be read as CSV ({text[:300]})"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _mtime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"


def _describe(r: FileResult) -> str:
    if r.status == "loaded":
        text = f"loaded   {r.file_name}: {r.rows_loaded:,} rows"
        if r.reason:  # restored in a rebuild
            text += f" {r.reason}"
        if r.rows_quarantined:
            text += f", {r.rows_quarantined:,} quarantined"
        return text + "".join(f" (warning: {w})" for w in r.warnings)
    if r.status == "refused":
        return f"REFUSED  {r.file_name}: {r.reason}"
    return f"{r.status:<8} {r.file_name}: {r.reason}"


# --------------------------------------------------------------------------- zip files


def _zip_members(
    archive: zipfile.ZipFile, in_reference: bool
) -> list[tuple[zipfile.ZipInfo, tuple[str, ...], str | None, str, str]]:
    """The files in a zip with their verdict, in load order. A zip made from one folder holds
    everything inside that folder: read as the folder's contents."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    parts = [PurePosixPath(i.filename).parts for i in infos]
    tops = {p[0] for p in parts if p[0] != "__MACOSX"}
    top = next(iter(tops)) if len(tops) == 1 else None
    strip = (
        top is not None
        and top.lower() != "reference"
        and all(len(p) > 1 for p in parts if p[0] == top)
    )
    entries = []
    for info, p in zip(infos, parts, strict=True):
        if strip and p[0] == top:
            p = p[1:]
        if in_reference:
            p = ("reference", *p)
        kind, status, reason = classify_parts(p)
        if kind == ZIP_KIND:
            kind, status = None, "ignored"
            reason = "a zip inside a zip is not opened; unzip it and drop what it holds"
        elif not status and info.flag_bits & 0x1:
            status, reason = "refused", "is password-protected; zip it again without a password"
        entries.append((info, p, kind, status, reason))
    entries.sort(key=lambda e: (bool(e[3]), not (e[2] or "").startswith("ref_"), e[0].filename))
    return entries


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, name: str) -> str:
    """Stream one file out of a zip (never all of it in memory); its SHA-256."""
    free = shutil.disk_usage(out.parent).free
    if info.file_size > free - (256 << 20):
        raise FileRefused(
            name,
            f"needs {_size(info.file_size)} to unpack but {out.parent} has {_size(free)} free",
        )
    digest = hashlib.sha256()
    try:
        with archive.open(info) as src, out.open("wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
    except NotImplementedError as exc:
        raise FileRefused(
            name, f"is compressed in a way primed cannot read ({exc}); zip it again as usual"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise FileRefused(name, f"could not be unpacked from the zip ({exc})") from None
    return digest.hexdigest()


# --------------------------------------------------------------------------- archive manifest


def append_manifest(
    paths: WarehousePaths, file_id: int, f: _LandingFile, at: datetime, key_fingerprint: str
) -> None:
    """One line per loaded file, in load order: what a rebuild loads again, and how (with the
    fingerprint of the pseudonym key, never the key, so that a rebuild uses the same key)."""
    line = {
        "file_id": file_id,
        "file_name": f.name,
        "kind": f.kind,
        "sha256": f.digest,
        "archived_as": f.archived.name,
        "loaded_at": at.isoformat(),
        "key_fingerprint": key_fingerprint,
    }
    append_record(paths.archive_dir / MANIFEST, line)


def ensure_manifest(con: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> None:
    """A warehouse loaded before the manifest existed gets it once, from raw._files."""
    manifest = paths.archive_dir / MANIFEST
    if manifest.exists():
        return
    rows = con.execute(
        f"SELECT file_id, file_name, kind, sha256, archived_as, loaded_at FROM {RAW_SCHEMA}._files "
        "WHERE status = 'loaded' ORDER BY file_id"
    ).fetchall()
    if not rows:
        return
    fingerprint = con.execute(
        f"SELECT value FROM {RAW_SCHEMA}._settings WHERE name = 'pseudonym_key_fingerprint'"
    ).fetchall()
    part = manifest.with_suffix(".part")
    with part.open("w", encoding="utf-8") as out:
        for file_id, name, kind, sha, archived, at in rows:
            line = {
                "file_id": file_id,
                "file_name": name,
                "kind": kind,
                "sha256": sha,
                "archived_as": Path(archived).name,
                "loaded_at": at.isoformat(),
                "key_fingerprint": fingerprint[0][0] if fingerprint else None,
            }
            out.write(json.dumps(line) + "\n")
    part.replace(manifest)


def read_manifest(archive_dir: Path) -> list[dict]:
    manifest = archive_dir / MANIFEST
    if not manifest.exists():
        raise PrimedError(f"{manifest} does not exist: there is nothing to rebuild from")
    lines = manifest.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def rebuild_raw(
    warehouse: str | Path,
    progress: Callable[[str], None] | None = None,
    rotate_key: bool = False,
) -> IngestReport:
    """Load every archived file again, in the order it was first loaded, into a warehouse
    whose work database is gone (a restore, or a compaction): the same raw rows, the same
    quarantine, the same pseudonyms (with the same key). With `rotate_key`, the key may differ
    from the archive's: every pseudonym is made anew with it, and the manifest then names the
    new key's fingerprint."""
    paths = WarehousePaths.at(warehouse)
    if paths.work_db.exists():
        raise PrimedError(
            f"{paths.work_db} exists: a rebuild starts from the archive alone; move the work "
            "folder away first"
        )
    entries = read_manifest(paths.archive_dir)
    # Files purged beyond retention come back from their pseudonymised rows.
    purged = retention.purged_log(paths)
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
    if not os.environ.get(settings.KEY_ENV) and not (paths.secrets_dir / "pseudonym.key").exists():
        raise PrimedError(
            f"no pseudonym key: set {settings.KEY_ENV} to the key the archive was loaded with, "
            f"or restore {paths.secrets_dir / 'pseudonym.key'} from the backup"
        )
    ingestor = Ingestor(paths, progress, record_manifest=False)
    fingerprint = settings.key_fingerprint(ingestor.pseudonym_key)
    if not rotate_key and any(e.get("key_fingerprint") not in (None, fingerprint) for e in entries):
        raise PrimedError(
            "the pseudonym key differs from the one the archive was loaded with; set "
            f"{settings.KEY_ENV} (or restore secrets/pseudonym.key) to the original key"
        )
    report = IngestReport()
    con = duckdb.connect(str(paths.work_db))
    try:
        ensure_raw_schema(con)
        ingestor._check_key(con)
        minimise_loaded(con)
        seen: set[str] = set()
        for e in entries:
            if e["sha256"] in seen:  # a line repeated by a crash between archive and commit
                continue
            seen.add(e["sha256"])
            if e["sha256"] in purged:
                result = _restore(con, paths, purged[e["sha256"]])
                report.files.append(result)
                ingestor.progress(_describe(result))
                continue
            path = paths.archive_dir / e["archived_as"]
            if sha256_of(path) != e["sha256"]:
                raise PrimedError(f"{path} does not match its SHA-256 in {MANIFEST}: damaged")
            result = ingestor.ingest_file(con, path, e["kind"], e["file_name"], e["sha256"])
            report.files.append(result)
            ingestor.progress(_describe(result))
        if replayed := replay_withdrawals(con, paths):
            ingestor.progress(f"replayed {replayed} withdrawal(s) and restore(s) from the archive")
    finally:
        con.close()
    if rotate_key:
        _rewrite_manifest_key(paths, fingerprint)
    return report


def _restore(con: duckdb.DuckDBPyConnection, paths: WarehousePaths, entry: dict) -> FileResult:
    """A purged file in a rebuild: its rows as raw held them when it was purged."""
    file_id = retention.restore_purged(con, paths, entry)
    row = con.execute(
        f"SELECT kind, rows_read, rows_loaded, rows_quarantined FROM {RAW_SCHEMA}._files "
        "WHERE file_id = ?",
        [file_id],
    ).fetchall()[0]
    return FileResult(
        entry["file_name"], row[0], "loaded", row[1] or 0, row[2] or 0, row[3] or 0,
        reason=f"from its pseudonymised rows (the file was purged on {entry['purged_at'][:10]})",
    )  # fmt: skip


def _rewrite_manifest_key(paths: WarehousePaths, fingerprint: str) -> None:
    """After a key rotation: the archive's manifest names the key it is now loaded with."""
    manifest = paths.archive_dir / MANIFEST
    lines = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    part = manifest.with_suffix(".part")
    part.write_text(
        "".join(json.dumps(e | {"key_fingerprint": fingerprint}) + "\n" for e in lines),
        encoding="utf-8",
    )
    os.replace(part, manifest)


def ingest(
    landing: str | Path,
    warehouse: str | Path,
    progress: Callable[[str], None] | None = None,
    settle_seconds: float = 0.0,
) -> IngestReport:
    paths = WarehousePaths.at(warehouse)
    return Ingestor(paths, progress, settle_seconds=settle_seconds).run(Path(landing))
