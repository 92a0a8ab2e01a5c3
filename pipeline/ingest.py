"""Ingestion: landing folder -> raw DuckDB tables, with lineage, quarantine and an archive.

Each landing file is checked against the contract (pipeline/contract.py), then streamed through
DuckDB's own CSV reader into a raw table in one transaction: every data row is either loaded
(typed, with file name, file hash, row number and load time) or quarantined with its reason.
A file that cannot be read at all is refused whole. A file whose content (SHA-256) was loaded
before is skipped, so loading the same file again adds nothing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline import contract, settings
from pipeline.contract import Column, header_key
from pipeline.errors import FileRefused, PrimedError
from pipeline.paths import WarehousePaths
from pipeline.supersession import WITHDRAWALS_DDL

RAW_SCHEMA = "raw"
CHUNK = 1 << 20
MAX_LINE_BYTES = 16 << 20
MAX_FIELD_CHARS = 4000  # no CLD field is longer; a longer one is a broken export

KIND_COLUMNS: dict[str, tuple[Column, ...]] = {
    "cld": contract.CLD_COLUMNS,
    "payments": contract.PAYMENT_COLUMNS,
    **{f"ref_{name}": cols for name, cols in contract.REFERENCE_COLUMNS.items()},
}
RAW_TABLE = {"cld": "cld_events", "payments": "payments"} | {
    f"ref_{name}": f"ref_{name}" for name in contract.REFERENCE_COLUMNS
}
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


@dataclass
class FileResult:
    file_name: str
    kind: str
    status: str  # loaded | skipped | refused | ignored
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class _LandingFile:
    """A landing file that passed the file-level checks, ready to load."""

    path: Path  # as found in the landing folder
    source: Path  # what DuckDB reads: the file, or its UTF-8 copy
    kind: str
    digest: str
    encoding: str
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
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }


# --------------------------------------------------------------------------- schema


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


# --------------------------------------------------------------------------- discovery


def classify(path: Path, landing: Path) -> str | None:
    """The contract kind of a landing file, or None when it is not ours to load."""
    rel = path.relative_to(landing)
    name = path.name.lower()
    if name.startswith((".", "~$")) or path.suffix.lower() != ".csv":
        return None
    if len(rel.parts) == 2 and rel.parts[0].lower() == "reference":
        stem = path.stem.lower()
        return f"ref_{stem}" if stem in contract.REFERENCE_COLUMNS else None
    if len(rel.parts) != 1:
        return None
    return "payments" if name.startswith("payments") else "cld"


def discover(landing: Path) -> list[tuple[Path, str]]:
    if not landing.is_dir():
        raise FileRefused(str(landing), "the landing folder does not exist")
    found = []
    for path in sorted(landing.rglob("*")):
        if path.is_dir():
            continue
        kind = classify(path, landing)
        if kind:
            found.append((path, kind))
    # Reference files first, so extracts loaded in the same run can be checked against them.
    return sorted(found, key=lambda pk: (not pk[1].startswith("ref_"), pk[0].name))


# --------------------------------------------------------------------------- file checks


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def detect_encoding(path: Path) -> str:
    """'utf-8' or 'cp1252', checked over the whole file; anything else is refused."""
    with path.open("rb") as f:
        head = f.read(4096)
        if not head:
            raise FileRefused(path.name, "the file is empty")
        if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
            raise FileRefused(
                path.name, "the file is an Excel workbook, not CSV; save it as CSV (UTF-8)"
            )
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            raise FileRefused(
                path.name,
                "the file is UTF-16 or binary; save it as CSV in UTF-8 or Windows-1252",
            )
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        try:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        f.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
            return "cp1252"
        except UnicodeDecodeError as exc:
            raise FileRefused(
                path.name,
                f"the file is neither UTF-8 nor Windows-1252 (byte 0x{exc.object[exc.start]:02x})",
            ) from None


def has_mixed_line_endings(path: Path) -> bool:
    """True when some lines end CRLF and others LF (a file edited on two systems). DuckDB's
    reader refuses such a file; a LF-only copy reads. LFs inside quoted cells count too, which
    is harmless: the copy only turns CRLF into LF."""
    crlf = lf = 0
    carry = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            chunk = carry + chunk
            carry = chunk[-1:] if chunk.endswith(b"\r") else b""
            body = chunk[: len(chunk) - len(carry)]
            crlf += body.count(b"\r\n")
            lf += body.count(b"\n")
            if crlf and lf > crlf:
                return True
    return False


def transcode_to_utf8(
    path: Path, encoding: str, tmp_dir: Path, unify_line_endings: bool = False
) -> Path:
    """A UTF-8 copy of the file in tmp_dir; with unify_line_endings, CRLF becomes LF."""
    out = tmp_dir / f"{path.stem}.utf8.csv"
    with (
        path.open("r", encoding=encoding, newline="") as src,
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


def readable_source(path: Path, tmp_dir: Path) -> tuple[Path, str, list[str]]:
    """The file as DuckDB's reader will read it (a UTF-8, consistently ended copy when the
    original is not), its encoding, and warnings about what was changed."""
    encoding = detect_encoding(path)
    mixed = has_mixed_line_endings(path)
    if encoding == "utf-8" and not mixed:
        return path, encoding, []
    warnings = ["line endings were mixed (CRLF and LF) and were read as LF"] if mixed else []
    return transcode_to_utf8(path, encoding, tmp_dir, mixed), encoding, warnings


def read_header(path: Path, encoding: str, columns: Iterable[Column]) -> tuple[list[str], str]:
    """The header cells and delimiter: the delimiter that names the most contract columns."""
    with path.open("r", encoding=encoding, newline="") as f:
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
        return f"coalesce(try_strptime({v}, '%Y-%m-%d'), try_strptime({v}, '%d/%m/%Y'))::DATE"
    if col.kind in ("number", "integer"):
        cleaned = f"replace(replace(replace({v}, '£', ''), ',', ''), ' ', '')"
        return f"try_cast({cleaned} AS {SQL_TYPE[col.kind]})"
    return v


def _row_problems(kind: str, cols: dict[str, tuple[Column, str]]) -> list[tuple[str, str]]:
    """(field header, SQL expression giving a problem text or NULL) for every row rule."""
    rules: list[tuple[str, str]] = []

    def typed(name: str) -> str:
        col, src = cols[name]
        return _typed_expr(col, src)

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
    ):
        self.paths = warehouse.ensure()
        # A file modified more recently than this may still be being written: left for later.
        self.settle_seconds = settle_seconds
        self.pseudonym_key = pseudonym_key or settings.pseudonym_key(self.paths)
        self.progress = progress or (lambda msg: None)

    def run(self, landing: Path) -> IngestReport:
        report = IngestReport()
        con = duckdb.connect(str(self.paths.work_db))
        try:
            ensure_raw_schema(con)
            self._check_key(con)
            for path, kind in discover(Path(landing)):
                result = self.ingest_file(con, path, kind)
                report.files.append(result)
                self.progress(_describe(result))
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

    def ingest_file(self, con: duckdb.DuckDBPyConnection, path: Path, kind: str) -> FileResult:
        name = path.name
        result = FileResult(name, kind, "refused")
        if path.is_symlink():
            # A link could point anywhere on the machine: only real files are loaded.
            result.reason = "is a symbolic link; copy the file itself into the landing folder"
            return result
        age = time.time() - path.stat().st_mtime
        if age < self.settle_seconds:
            result.status = "waiting"
            result.reason = (
                f"modified {age:.0f}s ago and may still be being written; a later run loads it"
            )
            return result
        try:
            digest = sha256_of(path)
        except OSError as exc:
            result.reason = f"cannot be read ({exc.strerror})"
            return result
        done = con.execute(
            f"SELECT status FROM {RAW_SCHEMA}._files WHERE sha256 = ? AND kind = ? "
            "AND status IN ('loaded', 'refused')",
            [digest, kind],
        ).fetchall()
        if done:
            result.status = "skipped"
            result.reason = f"already {done[0][0]} (same content)"
            return result
        tmp_copy: Path | None = None
        try:
            source, encoding, changes = readable_source(path, self.paths.tmp_dir)
            result.warnings += changes
            if source != path:
                tmp_copy = source
            cells, delim = read_header(source, "utf-8", KIND_COLUMNS[kind])
            mapped, unknown = map_headers(name, cells, kind)
            if unknown:
                result.warnings.append(
                    "unknown column(s) kept in raw and ignored: " + ", ".join(u for _, u in unknown)
                )
            archived = self._archive(path, digest)
            landing_file = _LandingFile(
                path, source, kind, digest, encoding, delim, cells, mapped, unknown, archived
            )
            self._load(con, landing_file, result)
        except FileRefused as exc:
            result.status, result.reason = "refused", exc.reason
            self._record_refusal(con, path, kind, digest, exc.reason)
        finally:
            if tmp_copy is not None:
                tmp_copy.unlink(missing_ok=True)
        return result

    def _archive(self, path: Path, digest: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", path.name)
        target = self.paths.archive_dir / f"{digest[:16]}__{safe}"
        if not target.exists():
            part = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(path, part)
            part.replace(target)
        return target

    def _next_file_id(self, con: duckdb.DuckDBPyConnection) -> int:
        return con.execute(
            f"SELECT coalesce(max(file_id), 0) + 1 FROM {RAW_SCHEMA}._files"
        ).fetchall()[0][0]

    def _record_refusal(self, con, path: Path, kind: str, digest: str, reason: str) -> None:
        con.execute(
            f"INSERT INTO {RAW_SCHEMA}._files (file_id, file_name, kind, sha256, size_bytes, "
            "status, reason, rows_read, rows_loaded, rows_quarantined, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, 'refused', ?, 0, 0, 0, ?)",
            [self._next_file_id(con), path.name, kind, digest, path.stat().st_size, reason, _now()],
        )

    def _load(self, con: duckdb.DuckDBPyConnection, f: _LandingFile, result: FileResult) -> None:
        """Load one file in one transaction: all of its rows and its registry row, or nothing."""
        loaded_at = _now()
        con.execute("BEGIN TRANSACTION")
        try:
            self._load_rows(con, f, result, loaded_at)
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
    ) -> None:
        path, source, kind, digest, delim = f.path, f.source, f.kind, f.digest, f.delim
        cells, mapped, unknown = f.cells, f.mapped, f.unknown
        n = len(cells)
        col_spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"
        file_id = self._next_file_id(con)
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _in AS
                    SELECT *, row_number() OVER () AS _seq
                    FROM read_csv({_q(str(source))}, header = true, auto_detect = false,
                        columns = {col_spec}, delim = {_q(delim)}, quote = '"', escape = '"',
                        store_rejects = true, rejects_table = '_rejects',
                        rejects_scan = '_rejects_scan',
                        ignore_errors = true, max_line_size = {MAX_LINE_BYTES},
                        strict_mode = true)"""
            )
        except duckdb.Error as exc:
            raise FileRefused(path.name, _duckdb_reason(exc)) from None
        # Rejected records (too many or too few fields...): DuckDB gives their line number,
        # counting the header as line 1. Good rows' row numbers skip over them.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _bad AS
               SELECT line - 1 AS row_number, any_value(csv_line) AS csv_line,
                      string_agg(DISTINCT error_type || coalesce(' in ' || column_name, '') || ': '
                                 || error_message, '; ') AS problem
               FROM _rejects GROUP BY line"""
        )
        cols = {c.name: (c, f"c{pos}") for pos, c in mapped.items()}
        rules = _row_problems(kind, cols)
        problems = (
            "list_filter(["
            + ", ".join(
                f"CASE WHEN ({expr}) IS NOT NULL THEN {_q(hdr)} || ': ' || ({expr}) END"
                for hdr, expr in rules
            )
            + "], lambda x: x IS NOT NULL)"
            if rules
            else "[]::VARCHAR[]"
        )
        fields = (
            "list_filter(["
            + ", ".join(f"CASE WHEN ({expr}) IS NOT NULL THEN {_q(hdr)} END" for hdr, expr in rules)
            + "], lambda x: x IS NOT NULL)"
            if rules
            else "[]::VARCHAR[]"
        )
        record = (
            "json_object("
            + ", ".join(f"{_q(cells[i] or f'column {i + 1}')}, c{i}" for i in range(n))
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
                SELECT _in._seq, _in._seq + coalesce(steps.skipped, 0) AS _row,
                       {problems} AS _problems, {fields} AS _fields
                FROM _in ASOF LEFT JOIN steps ON _in._seq > steps.good_before"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _checked AS
               SELECT _in.*, _status._row, _status._problems, _status._fields
               FROM _in JOIN _status USING (_seq)"""
        )
        # The event type as sent, so that quarantined rows can be accounted per event type.
        event_type = (
            f"nullif(trim({cols['event_type'][1]}), '')" if "event_type" in cols else "NULL"
        )
        target = [c.name for c in KIND_COLUMNS[kind]]
        typed = [
            f"{_typed_expr(cols[t][0], cols[t][1]) if t in cols else 'NULL'} AS {t}" for t in target
        ]
        pseudonyms = PSEUDONYMS.get(kind, {})
        hashed = [
            f"CASE WHEN ({expr}) IS NOT NULL THEN sha256($key || '|' || ({expr})) END"
            for expr in pseudonyms.values()
        ]
        con.execute(
            f"""INSERT INTO {RAW_SCHEMA}.{RAW_TABLE[kind]}
                ({", ".join([*target, *pseudonyms])}, _extra, _file_id, _file_name, _file_hash,
                 _row_number, _loaded_at)
                SELECT {", ".join([*target, *hashed])}, _extra, $file_id, $file_name, $digest,
                       _row, $loaded_at
                FROM (SELECT {", ".join(typed)}, {extra} AS _extra, _row
                      FROM _checked WHERE len(_problems) = 0)""",
            {
                "file_id": file_id,
                "file_name": path.name,
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
                       json_object('line', csv_line), ?, NULL
                FROM _bad""",
            [file_id, path.name, kind, loaded_at, file_id, path.name, kind, loaded_at],
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
        con.execute(
            f"""INSERT INTO {RAW_SCHEMA}._files VALUES
                (?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, ?, ?)""",
            [
                file_id,
                path.name,
                kind,
                digest,
                path.stat().st_size,
                f.encoding,
                delim,
                "; ".join(result.warnings) or None,
                result.rows_read,
                good,
                result.rows_quarantined,
                [u for _, u in unknown],
                str(f.archived),
                loaded_at,
            ],
        )


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


def _describe(r: FileResult) -> str:
    if r.status == "loaded":
        text = f"loaded   {r.file_name}: {r.rows_loaded:,} rows"
        if r.rows_quarantined:
            text += f", {r.rows_quarantined:,} quarantined"
        return text + "".join(f" (warning: {w})" for w in r.warnings)
    if r.status == "skipped":
        return f"skipped  {r.file_name}: {r.reason}"
    if r.status == "waiting":
        return f"waiting  {r.file_name}: {r.reason}"
    return f"REFUSED  {r.file_name}: {r.reason}"


def ingest(
    landing: str | Path,
    warehouse: str | Path,
    progress: Callable[[str], None] | None = None,
    settle_seconds: float = 0.0,
) -> IngestReport:
    paths = WarehousePaths.at(warehouse)
    return Ingestor(paths, progress, settle_seconds=settle_seconds).run(Path(landing))
