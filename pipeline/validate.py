"""The data-quality report for a CLD extract, in the spirit of the national collection's own.

`validate_file(path, out_dir)` checks one CLD file without loading it into any warehouse (the
council's "check before you send"), read as ingestion reads it: plain or gzipped CSV, a workbook
refused with how to save it as CSV; `validate_path` checks each CLD file inside a zip too.
`dq_report_for_loaded_files(work_db, out_dir)` reports on
files already loaded (loaded rows from raw, refused rows from raw._quarantine) and adds the
reconciliation of payments against committed cost.

Per field: counts of valid, blank allowed, blank but mandatory, invalid and Release 1 values
(cld.md 1.4 check codes 1, 0, -1, -2..-6, -7), from the rules in expectations/raw_cld_events.json
(`quality.field_status_sql`); the coded values that are not valid Release 2 values, with counts;
example row numbers. Never a personal value: personal fields show counts and row numbers only,
and values are listed for coded (defined-list) fields alone.

Everything runs inside DuckDB over the CSV (all VARCHAR), in a few streaming scans, with a
memory limit, so a multi-GB extract needs no more than a bounded amount of memory.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

import duckdb

from pipeline import ingest, quality
from pipeline.core import contract, settings
from pipeline.core.config import Settings
from pipeline.core.errors import FileRefused

THREADS = 2
EXAMPLES = 5
STATUS_COLUMNS = ("valid", "blank_allowed", "blank_mandatory", "invalid", "release_1")
HEADERS = {c.name: c.header for c in contract.CLD_COLUMNS}


@dataclass
class FieldStats:
    field: str
    header: str
    present: bool
    rule: str
    valid: int = 0
    blank_allowed: int = 0
    blank_mandatory: int = 0
    invalid: int = 0
    release_1: int = 0
    examples: dict[str, list[int]] = field(default_factory=dict)
    time_of_day: int = 0  # dates with a time other than midnight (kept as the date)


@dataclass
class ValueStats:
    field: str
    value: str
    status: str  # release_1 | invalid (mapped to Invalid) | variant of R2 | unmapped
    rows: int
    examples: list[int]


@dataclass
class ValidationReport:
    file_name: str
    status: str  # checked | refused
    reason: str = ""
    rows: int = 0
    malformed_rows: list[int] = field(default_factory=list)
    nul_rows: list[int] = field(default_factory=list)  # rows with a stray NUL: quarantined
    fields: list[FieldStats] = field(default_factory=list)
    values: list[ValueStats] = field(default_factory=list)
    periods: list[dict] = field(default_factory=list)
    reconciliation: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # as ingestion would warn
    html_path: Path | None = None
    csv_path: Path | None = None

    @property
    def problem_rows(self) -> int:
        return sum(f.blank_mandatory + f.invalid + f.release_1 for f in self.fields)


# --------------------------------------------------------------------------- engine


def _connect(tmp: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.memory_limit(Settings.from_env())}'")
    con.execute(f"SET threads = {THREADS}")
    con.execute(f"SET temp_directory = {quality._q(str(tmp))}")
    con.execute("SET enable_progress_bar = false")
    return con


def _rules_text(suite: quality.Suite, name: str) -> str:
    rules = []
    for e in suite.expectations:
        meta = e.get("meta", {})
        row_rule = meta.get("field") == name and meta.get("scope", "row") == "row"
        if row_rule and meta.get("rule") and meta["rule"] not in rules:
            rules.append(meta["rule"])
    return "; ".join(rules)


def analyse(
    con: duckdb.DuckDBPyConnection, relation: str, present: set[str], report: ValidationReport
) -> None:
    """Fill a report from a canonical CLD relation (`_row` + every contract column, VARCHAR)."""
    suite = quality.suite_for_kind("cld")
    derived = quality.derived_columns("cld")
    fields = [c.name for c in contract.CLD_COLUMNS]
    with_derived = (
        f"(SELECT *, {', '.join(f'{sql} AS {name}' for name, sql in derived.items())} "
        f"FROM {relation})"
    )
    statuses = ", ".join(f"{quality.field_status_sql(suite, f)} AS s_{f}" for f in fields)
    # Dates with a time of day other than midnight, as ingestion counts them (NULL otherwise,
    # so that UNPIVOT leaves them out).
    dates = [c.name for c in contract.CLD_COLUMNS if c.kind == "date"]
    timed = "".join(f", CASE WHEN {contract.time_of_day_sql(f)} THEN 1 END AS t_{f}" for f in dates)
    # One streaming pass: the statuses unpivoted and counted per field and status (far faster
    # in DuckDB than hundreds of FILTERed aggregates over the wide row).
    sql = (
        f"WITH s AS (SELECT _row, {statuses}{timed} FROM {with_derived}) "
        "SELECT name, value, count(*), min(_row, "
        f"{EXAMPLES}) FILTER (WHERE value < 0 OR starts_with(name, 't_')) "
        "FROM (UNPIVOT s ON COLUMNS(* EXCLUDE (_row))) GROUP BY ALL"
    )
    counts: dict[tuple[str, int], tuple[int, list]] = {}
    times: dict[str, tuple[int, list]] = {}
    for name, value, n, ex in con.execute(sql).fetchall():
        examples = sorted(int(x) for x in ex or [])
        if name.startswith("t_"):
            times[name[2:]] = (int(n), examples)
        else:
            counts[(name[2:], int(value))] = (int(n), examples)
    report.rows = sum(n for (f, _v), (n, _ex) in counts.items() if f == fields[0])
    bucket = {1: "valid", 0: "blank_allowed", -1: "blank_mandatory", -7: "release_1"}
    for f in fields:
        stats = FieldStats(f, HEADERS[f], f in present, _rules_text(suite, f))
        for (name, value), (n, ex) in counts.items():
            if name != f:
                continue
            key = bucket.get(value, "invalid")
            setattr(stats, key, getattr(stats, key) + n)
            if ex and key != "valid":
                stats.examples[key] = sorted(stats.examples.get(key, []) + ex)[:EXAMPLES]
        # In check-code order, whatever order the query gave them in.
        stats.examples = {k: stats.examples[k] for k in STATUS_COLUMNS if k in stats.examples}
        if f in times:
            stats.time_of_day, stats.examples["time_of_day"] = times[f]
        report.fields.append(stats)
    _values(con, relation, present, report)
    periods = con.execute(
        f"""SELECT reporting_period_start_date, reporting_period_end_date, la_code, count(*)
            FROM {relation} GROUP BY ALL ORDER BY 4 DESC LIMIT 20"""
    ).fetchall()
    report.periods = [
        {"reporting_period_start_date": a, "reporting_period_end_date": b, "la_code": c, "rows": n}
        for a, b, c, n in periods
    ]


def _values(con, relation: str, present: set[str], report: ValidationReport) -> None:
    coded = [f for f in quality.CODED_FIELDS if f in present]
    if not coded:
        return
    sets = ", ".join(f"({f})" for f in coded)
    grouping = ", ".join(f"GROUPING({f}) AS g_{f}" for f in coded)
    rows = con.execute(
        f"""SELECT {", ".join(coded)}, {grouping}, count(*) AS n, min(_row, 3) AS ex
            FROM {relation} GROUP BY GROUPING SETS ({sets})"""
    ).fetchall()
    table = quality.code_table()
    local = {(m.field, quality._norm(m.raw_value)): m for m in quality.local_mappings()}
    for r in rows:
        rec = dict(zip([*coded, *(f"g_{f}" for f in coded), "n", "ex"], r, strict=True))
        f = next(f for f in coded if rec[f"g_{f}"] == 0)
        value = rec[f]
        if value is None or value in quality.r2_values(f):
            continue
        releases = {quality._norm(raw): rel for raw, _r2, rel in table.get(f, [])}
        rel = releases.get(quality._norm(value))
        status = {
            "R1": "release_1",
            "invalid": "invalid (maps to Invalid and not mapped)",
            "R2": "invalid (case or punctuation differs from Release 2)",
            None: "unmapped",
        }.get(rel, "")
        mine = local.get((f, quality._norm(value)))
        if mine:  # the council's own mapping decided: say so, and where
            status = (status or "local value") + (
                f" (mapped to {mine.r2_value} by {mine.file_name} row {mine.row_number})"
            )
        report.values.append(
            ValueStats(f, value, status, int(rec["n"]), sorted(int(x) for x in rec["ex"]))
        )
    report.values.sort(key=lambda v: (v.field, -v.rows, v.value))


# --------------------------------------------------------------------------- one file


def local_mappings_beside(path: Path) -> list[quality.LocalMapping]:
    """The council's own code mappings a run would load with this file: the landing folder's
    reference/code_mappings.csv (the file's folder taken as the landing folder)."""
    local = path.parent / contract.LOCAL_CODE_MAPPINGS
    if not local.is_file():
        return []
    with local.open(newline="", encoding="utf-8-sig") as f:
        rows = [
            {contract.header_key(k or ""): (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(f)
        ]
    out = []
    for number, r in enumerate(rows, start=1):
        if not (r.get("field") and r.get("rawvalue") and r.get("r2value")):
            continue  # a run quarantines it (a mandatory field is blank)
        release = r.get("release") or (
            "invalid" if r["r2value"] == "Invalid and not mapped" else "local"
        )
        out.append(
            quality.LocalMapping(
                r["field"],
                r["rawvalue"],
                r["r2value"],
                release,
                contract.LOCAL_CODE_MAPPINGS,
                number,
            )
        )
    return out


def validate_path(path: str | Path, out_dir: str | Path) -> list[ValidationReport]:
    """Check a CLD file, or each CLD file in a zip (as ingestion would find them), without
    loading anything; a report for each. Codes map as a run would map them: through the
    council's own reference/code_mappings.csv beside the file, when there is one."""
    path = Path(path)
    previous = quality.local_mappings()
    quality.use_local_mappings(local_mappings_beside(path))
    try:
        return _validate_path(path, out_dir)
    finally:
        quality.use_local_mappings(previous)


def _validate_path(path: Path, out_dir: str | Path) -> list[ValidationReport]:
    if ingest.classify_parts((path.name,))[0] != ingest.ZIP_KIND or not path.is_file():
        return [validate_file(path, out_dir)]
    out = Path(out_dir)
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
                    reports.append(validate_file(member, out, name))
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
    path: str | Path, out_dir: str | Path, name: str | None = None
) -> ValidationReport:
    """Check a CLD file (plain or gzipped) without loading it; write <name>.dq.html and
    <name>.dq.csv."""
    path = Path(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = ValidationReport(name or path.name, "checked")
    tmp = Path(tempfile.mkdtemp(prefix="primed-validate-", dir=out))
    try:
        try:
            _validate_csv(path, tmp, report)
        except FileRefused as exc:
            report.status, report.reason = "refused", exc.reason
        except duckdb.Error as exc:
            report.status, report.reason = "refused", ingest.duckdb_reason(exc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_report(report, out)
    return report


def _validate_csv(path: Path, tmp: Path, report: ValidationReport) -> None:
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
    con = _connect(tmp)
    try:
        n = len(cells)
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"
        con.execute(
            f"""CREATE VIEW src AS SELECT * FROM read_csv({quality._q(str(source))},
                header = true, auto_detect = false, columns = {spec},
                delim = {quality._q(delim)}, quote = '"', escape = '"',
                store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan',
                ignore_errors = true, max_line_size = {ingest.MAX_LINE_BYTES},
                strict_mode = true)"""
        )
        sources = {c.name: f"c{pos}" for pos, c in mapped.items()}
        # A first pass finds the malformed lines, so that rows after them keep their number in
        # the file (as ingestion numbers them): the rare file with any pays for a join.
        con.execute("SELECT count(*) FROM src").fetchall()
        bad = con.execute("SELECT DISTINCT line - 1 FROM _rejects ORDER BY 1").fetchall()
        report.malformed_rows = [int(b[0]) for b in bad]
        numbered = "(SELECT row_number() OVER () AS _seq, * FROM src)"
        row = "_seq"
        if bad:
            con.execute(
                "CREATE TEMP TABLE _bad AS SELECT DISTINCT line - 1 AS row_number FROM _rejects"
            )
            con.execute(f"CREATE TEMP TABLE _steps AS {ingest.row_steps_sql('_bad')}")
            numbered = (
                f"(SELECT * FROM {numbered} AS s "
                "ASOF LEFT JOIN _steps ON s._seq > _steps.good_before)"
            )
            row = "_seq + coalesce(skipped, 0)"
        relation = (
            f"(SELECT {row} AS _row, {quality.canonical_select('cld', sources)} FROM {numbered})"
        )
        if facts.nul_bytes:  # rare: only such a file pays for finding the rows
            cells_sql = ", ".join(f"c{i}" for i in range(n))
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


# --------------------------------------------------------------------------- loaded files


def dq_report_for_loaded_files(
    work_db: str | Path,
    out_dir: str | Path,
    tolerance: float = 0.05,
    cache_dir: str | Path | None = None,
) -> list[ValidationReport]:
    """A DQ report per CLD file already loaded (raw rows + quarantined rows), an index of them
    (`index.html`, `index.csv`), and `reconciliation.csv` with the reconciliation rows in each
    report, when the spend mart exists. A loaded file's rows never change, so with a
    `cache_dir` each file is analysed once (per version of the rules). Returns the reports."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="primed-dq-", dir=cache or out))
    reports: list[ValidationReport] = []
    con = _connect(tmp)
    try:
        con.execute(f"ATTACH {quality._q(str(work_db))} AS w (READ_ONLY)")
        quality.use_local_mappings(quality.read_local_mappings(con, "w"))
        digest = quality.suite_for_kind("cld").digest
        recon = reconciliation(con, tolerance, db="w")
        files = con.execute(
            "SELECT file_id, file_name, sha256, reason FROM w.raw._files WHERE kind = 'cld' "
            "AND status = 'loaded' ORDER BY file_id"
        ).fetchall()
        for file_id, name, sha, warnings in files:
            cached = cache / f"{sha[:32]}_{digest}.json" if cache else None
            if cached and cached.exists():
                report = _report_from_json(cached.read_text(encoding="utf-8"))
            else:
                report = ValidationReport(name, "checked")
                relation, present, malformed = _loaded_relation(con, int(file_id), name)
                report.malformed_rows = malformed
                analyse(con, relation, present, report)
                if cached:
                    cached.write_text(json.dumps(asdict(report), default=str), encoding="utf-8")
            report.file_name = name
            report.warnings = warnings.split("; ") if warnings else []
            report.reconciliation = recon
            write_report(report, out)
            reports.append(report)
        if recon:
            _write_csv(out / "reconciliation.csv", list(recon[0]), [r.values() for r in recon])
        write_index(reports, recon, out, quality.local_mappings())
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return reports


def _report_from_json(text: str) -> ValidationReport:
    data = json.loads(text)
    data.update(html_path=None, csv_path=None)
    data["fields"] = [FieldStats(**f) for f in data["fields"]]
    data["values"] = [ValueStats(**v) for v in data["values"]]
    return ValidationReport(**data)


def _loaded_relation(con, file_id: int, name: str) -> tuple[str, set[str], list[int]]:
    cols = [c.name for c in contract.CLD_COLUMNS]
    loaded = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in cols)
    keys = con.execute(
        "SELECT json_keys(record) FROM w.raw._quarantine WHERE file_id = ? "
        "AND NOT json_exists(record, '$.line') LIMIT 1",
        [file_id],
    ).fetchall()
    malformed = [
        int(r[0])
        for r in con.execute(
            "SELECT row_number FROM w.raw._quarantine WHERE file_id = ? "
            "AND json_exists(record, '$.line') ORDER BY 1",
            [file_id],
        ).fetchall()
    ]
    quarantined = ""
    # A field raw does not keep (contract.Column.kept "none", names) is reported as not there.
    present = {c.name for c in contract.CLD_COLUMNS if c.kept != "none"}
    if keys:
        headers = list(keys[0][0])
        mapped, _unknown = ingest.map_headers(name, headers, "cld")
        sources = {
            c.name: f"json_extract_string(record, {quality._q('$.' + json.dumps(h))})"
            for pos, c in mapped.items()
            for h in [headers[pos]]
        }
        present = set(sources)
        quarantined = (
            f" UNION ALL SELECT row_number AS _row, {quality.canonical_select('cld', sources)} "
            f"FROM w.raw._quarantine WHERE file_id = {file_id} "
            "AND NOT json_exists(record, '$.line')"
        )
    relation = (
        f"(SELECT _row_number AS _row, {loaded} FROM w.raw.cld_events "
        f"WHERE _file_id = {file_id}{quarantined})"
    )
    relation = (
        f"(SELECT _row, {quality.canonical_select('cld', {c: c for c in cols})} FROM {relation})"
    )
    return relation, present, malformed


def reconciliation(con, tolerance: float = 0.05, db: str = "w") -> list[dict]:
    """Months and service types where payments differ from committed cost by more than the
    tolerance (a share of committed). Empty when the spend mart is not built yet."""
    try:
        rows = con.execute(quality.reconciliation_sql(db)).fetchall()
    except duckdb.Error:
        return []
    out = []
    for month, service_type, committed, paid, diff, rel in rows:
        beyond = rel is not None and abs(rel) > tolerance
        if rel is not None and rel >= 1e8:  # paid with nothing committed (e.g. Unmatched)
            rel = None
        out.append(
            {
                "month": month,
                "service_type": service_type,
                "committed_spend": committed,
                "paid_spend": paid,
                "difference": diff,
                "relative_difference": None if rel is None else round(rel, 4),
                "tolerance": tolerance,
                "beyond_tolerance": beyond,
            }
        )
    return out


# --------------------------------------------------------------------------- output


def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow(list(r))


def _ex(rows: list[int]) -> str:
    return " ".join(str(r) for r in rows)


CSV_COLUMNS = (
    "section",
    "field",
    "header",
    "rule",
    *STATUS_COLUMNS,
    "value",
    "value_status",
    "rows",
    "example_rows",
)


def _csv_row(section: str, **cells) -> list:
    """One line of the report's CSV: the cells given, the others empty."""
    return [section] + [cells.get(c, "") for c in CSV_COLUMNS[1:]]


def report_stem(file_name: str) -> str:
    """The report's file name stem: a file in a zip ('x.zip/cld.csv') as one safe name."""
    stem = re.sub(r"\.csv(\.gz)?$", "", file_name, flags=re.IGNORECASE)
    return re.sub(r"[\\/:*?\"<>|]+", "_", stem)


def _file_notes(report: ValidationReport) -> list[tuple[str, int, list[int], str]]:
    """(what, rows, example rows, field) about the file as a whole, as ingestion says them."""
    said = "NUL byte" if report.nul_rows else "\0"  # the rows say it better than the count
    notes = [(w, 0, [], "") for w in report.warnings if said not in w]
    if report.malformed_rows:
        what = "malformed rows (wrong number of fields)"
        notes.append((what, len(report.malformed_rows), report.malformed_rows, ""))
    if report.nul_rows:
        what = "rows with a stray NUL byte (0x00): ingestion quarantines them"
        notes.append((what, len(report.nul_rows), report.nul_rows, ""))
    for f in report.fields:
        if f.time_of_day:
            what = "dates with a time of day other than midnight (the date is kept)"
            notes.append((what, f.time_of_day, f.examples.get("time_of_day", []), f.field))
    return notes


def write_report(report: ValidationReport, out: Path) -> None:
    stem = report_stem(report.file_name)
    report.csv_path = out / f"{stem}.dq.csv"
    report.html_path = out / f"{stem}.dq.html"
    status = f"status: {report.status} {report.reason}".strip()
    rows = [_csv_row("file", rule=status, rows=report.rows)]
    for what, n, where, field_name in _file_notes(report):
        rows.append(
            _csv_row(
                "file",
                field=field_name,
                header=HEADERS.get(field_name, ""),
                rule=what,
                rows=n or "",
                example_rows=_ex(where[:EXAMPLES]),
            )
        )
    for p in report.periods:
        period = (
            f"{p['reporting_period_start_date']} to {p['reporting_period_end_date']} {p['la_code']}"
        )
        rows.append(
            _csv_row("period", rule="reporting period and LA code", value=period, rows=p["rows"])
        )
    for f in report.fields:
        rows.append(
            _csv_row(
                "field",
                field=f.field,
                header=f.header,
                rule=f.rule,
                **{c: getattr(f, c) for c in STATUS_COLUMNS},
                value_status="" if f.present else "column missing",
                example_rows="; ".join(f"{k}: {_ex(v)}" for k, v in f.examples.items()),
            )
        )
    for v in report.values:
        rows.append(
            _csv_row(
                "value",
                field=v.field,
                header=HEADERS[v.field],
                value=v.value,
                value_status=v.status,
                rows=v.rows,
                example_rows=_ex(v.examples),
            )
        )
    for r in report.reconciliation:
        if r["beyond_tolerance"]:
            rows.append(
                _csv_row(
                    "reconciliation",
                    rule=f"payments vs committed, tolerance {r['tolerance']:.0%}",
                    value=f"{r['month']} {r['service_type']}: committed "
                    f"{r['committed_spend']}, paid {r['paid_spend']}",
                    value_status=f"{r['relative_difference']}",
                )
            )
    _write_csv(report.csv_path, list(CSV_COLUMNS), rows)
    report.html_path.write_text(_html(report), encoding="utf-8")


CSS = """body{font-family:system-ui,Arial,sans-serif;margin:1.5em;color:#1b1b1b}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #bbb;
padding:3px 6px;text-align:left;vertical-align:top}th{background:#eef}td.n{text-align:right}
.bad{background:#fdd}.warn{background:#ffe9b3}.ok{color:#186a3b}small{color:#555}"""


INDEX_COLUMNS = (
    "file",
    "rows",
    "malformed_rows",
    "blank_mandatory",
    "invalid",
    "release_1",
    "unmapped_values",
    "report",
)


def write_index(
    reports: list[ValidationReport],
    recon: list[dict],
    out: Path,
    local: Iterable[quality.LocalMapping] = (),
) -> Path:
    """index.html and index.csv: one line per file with its problem counts and its report;
    then the council's own code mappings in force, each saying which shipped one it replaces."""
    rows = [
        (
            r.file_name,
            r.rows,
            len(r.malformed_rows),
            sum(f.blank_mandatory for f in r.fields),
            sum(f.invalid for f in r.fields),
            sum(f.release_1 for f in r.fields),
            sum(1 for v in r.values if v.status == "unmapped"),
            r.html_path.name if r.html_path else "",
        )
        for r in reports
    ]
    _write_csv(out / "index.csv", list(INDEX_COLUMNS), rows)
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Data quality</title>"
        f"<style>{CSS}</style></head><body><h1>Data quality of the loaded extracts</h1>",
        "<p><small>One report per CLD file loaded (rows quarantined at load included). Counts "
        "are cells: a row can have several problems. Why rows were quarantined is in the "
        "published mart <code>dq_quarantine_reasons</code>; where every row went, in "
        "<code>dq_row_accounting</code>.</small></p><table><tr>"
        + "".join(f"<th>{e(c.replace('_', ' '))}</th>" for c in INDEX_COLUMNS)
        + "</tr>",
    ]
    for row in rows:
        cls = " class='bad'" if row[2] or row[3] or row[4] or row[6] else ""
        cells = "".join(f"<td class='n'>{n:,}</td>" for n in row[1:7])
        link = f"<a href='{e(quote(row[7]))}'>report</a>"
        parts.append(f"<tr{cls}><td>{e(row[0])}</td>{cells}<td>{link}</td></tr>")
    parts.append("</table>")
    beyond = [x for x in recon if x["beyond_tolerance"]]
    if recon:
        parts.append(
            f"<p>Reconciliation of payments against committed cost: {len(beyond)} of "
            f"{len(recon)} month and service type rows differ by more than "
            f"{recon[0]['tolerance']:.0%} (<a href='reconciliation.csv'>reconciliation.csv"
            "</a>, and in each report).</p>"
        )
    parts.append(_local_mappings_html(list(local)))
    parts.append("</body></html>")
    path = out / "index.html"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _local_mappings_html(local: list[quality.LocalMapping]) -> str:
    if not local:
        return (
            "<p>Code mappings: the shipped ones (seeds/code_mappings.csv); the council has "
            f"none of its own ({contract.LOCAL_CODE_MAPPINGS} in the landing folder).</p>"
        )
    e = html.escape
    shipped = {
        (name, quality._norm(raw)): r2
        for name, rows in quality.shipped_code_table().items()
        for raw, r2, _rel in rows
    }
    parts = [
        f"<h2 id='local-code-mappings'>The council's own code mappings ({len(local)})</h2>"
        f"<p><small>From {e(local[0].file_name)}, merged over the shipped mappings "
        "(seeds/code_mappings.csv): a row here wins.</small></p><table><tr><th>row</th>"
        "<th>field</th><th>raw value</th><th>maps to</th><th>release</th>"
        "<th>replaces the shipped mapping</th></tr>"
    ]
    for m in local:
        was = shipped.get((m.field, quality._norm(m.raw_value)))
        parts.append(
            f"<tr><td class='n'>{m.row_number}</td><td>{e(m.field)}</td><td>{e(m.raw_value)}"
            f"</td><td>{e(m.r2_value)}</td><td>{e(m.release)}</td>"
            f"<td>{e(f'yes: it mapped to {was}') if was else 'no: a new value'}</td></tr>"
        )
    parts.append("</table>")
    return "".join(parts)


def _html(r: ValidationReport) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>DQ report: {e(r.file_name)}"
        f"</title><style>{CSS}</style></head><body>",
        f"<h1>Data quality report: {e(r.file_name)}</h1>",
        "<p><small>Check codes as in the national CLD DQ report: valid (&ge;1), blank allowed "
        "(0), blank but mandatory (&minus;1), invalid (&minus;2&hellip;&minus;6), Release 1 value "
        "(&minus;7). Rules: expectations/raw_cld_events.json. Personal fields show counts and "
        "row numbers only.</small></p>",
    ]
    if r.status == "refused":
        parts.append(f"<p class='bad'><b>File refused:</b> {e(r.reason)}</p></body></html>")
        return "".join(parts)
    parts.append(f"<p>{r.rows:,} data rows; {len(r.malformed_rows):,} malformed rows")
    if r.malformed_rows:
        parts.append(f" (rows {e(_ex(r.malformed_rows[:EXAMPLES]))})")
    parts.append(".</p>")
    for what, n, where, field_name in _file_notes(r):
        if what.startswith("malformed"):
            continue
        label = f"{HEADERS[field_name]}: " if field_name else ""
        count = f" ({n:,} rows" + (f", e.g. {e(_ex(where[:EXAMPLES]))})" if where else ")")
        parts.append(f"<p class='warn'>{e(label + what)}{count if n else ''}</p>")
    if r.unknown_columns:
        parts.append(
            f"<p class='warn'>Columns not in the specification (ignored): "
            f"{e(', '.join(r.unknown_columns))}</p>"
        )
    parts.append(
        "<h2>Reporting periods</h2><table><tr><th>start</th><th>end</th><th>LA code"
        "</th><th>rows</th></tr>"
    )
    for p in r.periods:
        cls = " class='bad'" if len(r.periods) > 1 else ""
        parts.append(
            f"<tr{cls}><td>{e(str(p['reporting_period_start_date']))}</td><td>"
            f"{e(str(p['reporting_period_end_date']))}</td><td>{e(str(p['la_code']))}"
            f"</td><td class='n'>{p['rows']:,}</td></tr>"
        )
    parts.append(
        "</table><h2>Fields</h2><table><tr><th>field</th><th>rule</th><th>valid</th>"
        "<th>blank allowed</th><th>blank but mandatory</th><th>invalid</th>"
        "<th>Release 1</th><th>example rows</th></tr>"
    )
    for f in r.fields:
        cls = (
            " class='bad'"
            if f.blank_mandatory or f.invalid
            else (" class='warn'" if f.release_1 else "")
        )
        ex = "<br>".join(f"{e(k.replace('_', ' '))}: {e(_ex(v))}" for k, v in f.examples.items())
        missing = "" if f.present else " <small>(column missing)</small>"
        parts.append(
            f"<tr{cls}><td>{e(f.header)}{missing}</td><td><small>{e(f.rule)}</small></td>"
            + "".join(f"<td class='n'>{getattr(f, s):,}</td>" for s in STATUS_COLUMNS)
            + f"<td><small>{ex}</small></td></tr>"
        )
    parts.append(
        "</table><h2>Values that are not valid Release 2 values</h2><table><tr>"
        "<th>field</th><th>value</th><th>status</th><th>rows</th><th>example rows"
        "</th></tr>"
    )
    for v in r.values:
        cls = " class='bad'" if v.status == "unmapped" else ""
        parts.append(
            f"<tr{cls}><td>{e(HEADERS[v.field])}</td><td>{e(v.value)}</td><td>"
            f"{e(v.status)}</td><td class='n'>{v.rows:,}</td><td>{e(_ex(v.examples))}"
            "</td></tr>"
        )
    parts.append("</table>")
    if r.reconciliation:
        beyond = [x for x in r.reconciliation if x["beyond_tolerance"]]
        parts.append(
            f"<h2>Reconciliation: payments against committed cost</h2><p>{len(beyond)} "
            f"of {len(r.reconciliation)} month and service type rows differ by more "
            f"than {r.reconciliation[0]['tolerance']:.0%}.</p><table><tr><th>month</th>"
            "<th>service type</th><th>committed</th><th>paid</th><th>difference</th>"
            "</tr>"
        )
        for x in beyond:
            parts.append(
                f"<tr class='warn'><td>{e(x['month'])}</td><td>"
                f"{e(str(x['service_type']))}</td><td class='n'>{x['committed_spend']:,}"
                f"</td><td class='n'>{x['paid_spend']:,}</td><td class='n'>"
                + (
                    f"{x['relative_difference']:+.1%}"
                    if x["relative_difference"] is not None
                    else "nothing committed"
                )
                + "</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
