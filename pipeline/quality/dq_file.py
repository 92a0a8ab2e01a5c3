"""`primed validate`: the DQ report of a CLD extract not loaded anywhere ("check before you
send").

`validate_file(path, out_dir)` checks one CLD file read as ingestion reads it (plain or
gzipped CSV; a workbook refused with how to save it as CSV), numbering rows as ingestion
numbers them; `validate_path` checks each CLD file inside a zip too. Codes map as a run would
map them: through the council's own reference/code_mappings.csv beside the file, when there is
one. Each report is written as `<name>.dq.html` and `<name>.dq.csv` (`dq_page`).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

import duckdb

from pipeline import ingest
from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.core.errors import FileRefused
from pipeline.core.sql import literal
from pipeline.quality.codes import local_mappings, local_mappings_beside, use_local_mappings
from pipeline.quality.dq_page import write_report
from pipeline.quality.dq_report import ValidationReport, analyse, connect
from pipeline.quality.rules_sql import canonical_select


def validate_path(
    path: str | Path, out_dir: str | Path, settings: Settings | None = None
) -> list[ValidationReport]:
    """Check a CLD file, or each CLD file in a zip (as ingestion would find them), without
    loading anything; a report for each. Codes map as a run would map them: through the
    council's own reference/code_mappings.csv beside the file, when there is one."""
    path = Path(path)
    settings = settings or Settings.from_env()
    previous = local_mappings()
    use_local_mappings(local_mappings_beside(path))
    try:
        if ingest.classify_parts((path.name,))[0] != ingest.ZIP_KIND or not path.is_file():
            return [validate_file(path, out_dir, settings=settings)]
        return _validate_zip(path, Path(out_dir), settings)
    finally:
        use_local_mappings(previous)


def _validate_zip(path: Path, out: Path, settings: Settings) -> list[ValidationReport]:
    """A report for each CLD file in the zip (or one saying why there is none)."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="primed-validate-", dir=out))
    reports = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info, _parts, kind, _status, _reason in ingest.zip_members(archive, False):
                if kind != "cld":
                    continue
                name = f"{path.name}/{info.filename}"
                member = tmp / ingest.safe_name(Path(info.filename).name)
                try:
                    ingest.extract_member(archive, info, member, name)
                    reports.append(validate_file(member, out, name, settings))
                except FileRefused as exc:
                    reports.append(_refused(ValidationReport(name, "checked"), exc.reason, out))
                finally:
                    member.unlink(missing_ok=True)
    except (OSError, zipfile.BadZipFile) as exc:
        report = ValidationReport(path.name, "checked")
        return [_refused(report, f"is not a readable zip file ({exc})", out)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not reports:
        report = ValidationReport(path.name, "checked")
        return [_refused(report, "holds no CLD extract (.csv or .csv.gz)", out)]
    return reports


def _refused(report: ValidationReport, reason: str, out: Path) -> ValidationReport:
    report.status, report.reason = "refused", reason
    write_report(report, out)
    return report


def validate_file(
    path: str | Path,
    out_dir: str | Path,
    name: str | None = None,
    settings: Settings | None = None,
) -> ValidationReport:
    """Check a CLD file (plain or gzipped) without loading it; write <name>.dq.html and
    <name>.dq.csv."""
    path = Path(path)
    memory_limit = (settings or Settings.from_env()).memory_limit
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = ValidationReport(name or path.name, "checked")
    tmp = Path(tempfile.mkdtemp(prefix="primed-validate-", dir=out))
    try:
        _validate_csv(path, tmp, report, memory_limit)
    except FileRefused as exc:
        report.status, report.reason = "refused", exc.reason
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_report(report, out)
    return report


def _validate_csv(path: Path, tmp: Path, report: ValidationReport, memory_limit: str) -> None:
    if not path.is_file():
        raise FileRefused(path.name, "not a file")
    _kind, status, reason = ingest.classify_parts((path.name,))
    if status == "refused" or _kind == ingest.ZIP_KIND:
        raise FileRefused(path.name, reason or "is a zip: check the files inside it")
    if status == "ignored":
        raise FileRefused(path.name, reason)
    source, facts, report.warnings = ingest.readable_source(path, tmp, report.file_name)
    cells, delim = ingest.read_header(source, "utf-8", contract.CLD_COLUMNS)
    mapped, unknown = ingest.map_headers(path.name, cells, "cld")
    report.unknown_columns = [u for _p, u in unknown]
    con = connect(tmp, memory_limit)
    try:
        _read(con, path.name, source, len(cells), delim, report)
        numbered, row = _numbered(con, bool(report.malformed_rows))
        sources = {c.name: f"c{pos}" for pos, c in mapped.items()}
        relation = f"(SELECT {row} AS _row, {canonical_select('cld', sources)} FROM {numbered})"
        if facts.nul_bytes:  # rare: only such a file pays for finding the rows
            cells_sql = ", ".join(f"c{i}" for i in range(len(cells)))
            report.nul_rows = [
                int(r[0])
                for r in con.execute(
                    f"SELECT {row} FROM {numbered} WHERE contains(concat_ws('', {cells_sql}), "
                    "chr(0)) ORDER BY 1"
                ).fetchall()
            ]
        analyse(con, relation, set(sources), report)
    finally:
        con.close()


def _read(
    con: duckdb.DuckDBPyConnection,
    file_name: str,
    source: Path,
    n: int,
    delim: str,
    report: ValidationReport,
) -> None:
    """The file as the view `src` (every cell as text, `c0`, `c1`...), read once here to find
    its malformed lines (`_rejects`). A file DuckDB cannot read as CSV is refused, as
    ingestion refuses it; any other error is a fault, and raised."""
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"
    try:
        con.execute(
            f"""CREATE VIEW src AS SELECT * FROM read_csv({literal(str(source))},
                header = true, auto_detect = false, columns = {spec},
                delim = {literal(delim)}, quote = '"', escape = '"',
                store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan',
                ignore_errors = true, max_line_size = {ingest.MAX_LINE_BYTES},
                strict_mode = true)"""
        )
        # A first pass finds the malformed lines, so that rows after them keep their number in
        # the file (as ingestion numbers them): the rare file with any pays for a join.
        con.execute("SELECT count(*) FROM src").fetchall()
    except duckdb.Error as exc:
        raise FileRefused(file_name, ingest.duckdb_reason(exc)) from None
    bad = con.execute("SELECT DISTINCT line - 1 FROM _rejects ORDER BY 1").fetchall()
    report.malformed_rows = [int(b[0]) for b in bad]


def _numbered(con: duckdb.DuckDBPyConnection, malformed: bool) -> tuple[str, str]:
    """`src` with each row's number in the file (a relation, and its row-number expression):
    rows after a malformed line keep their place."""
    numbered = "(SELECT row_number() OVER () AS _seq, * FROM src)"
    if not malformed:
        return numbered, "_seq"
    con.execute("CREATE TEMP TABLE _bad AS SELECT DISTINCT line - 1 AS row_number FROM _rejects")
    con.execute(f"CREATE TEMP TABLE _steps AS {ingest.row_steps_sql('_bad')}")
    numbered = (
        f"(SELECT * FROM {numbered} AS s ASOF LEFT JOIN _steps ON s._seq > _steps.good_before)"
    )
    return numbered, "_seq + coalesce(skipped, 0)"
