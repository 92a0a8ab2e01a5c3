"""The DQ report written: `<name>.dq.html` (a self-contained page) and `<name>.dq.csv` per
file, and the index of the loaded files (`index.html`, `index.csv`).

The pages use the reports' stylesheet (`pipeline/reports/report.css`, its `.dq` rules).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from pipeline.core import contract
from pipeline.quality.codes import LocalMapping, code_key, shipped_code_table
from pipeline.quality.dq_report import (
    EXAMPLES,
    HEADERS,
    STATUS_COLUMNS,
    FieldStats,
    ValidationReport,
    ValueStats,
)
from pipeline.reports import report_css

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
# The page's tables: title, header cells.
PERIOD_HEADS = ("start", "end", "LA code", "rows")
FIELD_HEADS = ("field", "rule", "valid", "blank allowed", "blank but mandatory", "invalid",
               "Release 1", "example rows")  # fmt: skip
VALUES_TITLE = "Values that are not valid Release 2 values"
VALUE_HEADS = ("field", "value", "status", "rows", "example rows")
RECONCILIATION_HEADS = ("month", "service type", "committed", "paid", "difference")
e = html.escape  # every text from the data is escaped: e(text)


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow(list(r))


def _ex(rows: list[int]) -> str:
    return " ".join(str(r) for r in rows)


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


# --------------------------------------------------------------------------- CSV


def _csv_row(section: str, **cells) -> list:
    """One line of the report's CSV: the cells given, the others empty."""
    return [section] + [cells.get(c, "") for c in CSV_COLUMNS[1:]]


def _csv_rows(report: ValidationReport) -> list[list]:
    """The report's CSV lines: the file, its notes and periods, each field, each value, and
    the reconciliation rows beyond tolerance."""
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
    rows += _csv_values_and_reconciliation(report)
    return rows


def _csv_values_and_reconciliation(report: ValidationReport) -> list[list]:
    rows = []
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
    return rows


def write_report(report: ValidationReport, out: Path) -> None:
    """The report as `<stem>.dq.csv` and `<stem>.dq.html` in `out` (paths set on the report)."""
    stem = report_stem(report.file_name)
    report.csv_path = out / f"{stem}.dq.csv"
    report.html_path = out / f"{stem}.dq.html"
    write_csv(report.csv_path, list(CSV_COLUMNS), _csv_rows(report))
    report.html_path.write_text(_html(report), encoding="utf-8")


# --------------------------------------------------------------------------- index


def write_index(
    reports: list[ValidationReport],
    recon: list[dict],
    out: Path,
    local: Iterable[LocalMapping] = (),
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
    write_csv(out / "index.csv", list(INDEX_COLUMNS), rows)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Data quality</title>"
        f'<style>{report_css()}</style></head><body class="dq">'
        "<h1>Data quality of the loaded extracts</h1>",
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


def _local_mappings_html(local: list[LocalMapping]) -> str:
    if not local:
        return (
            "<p>Code mappings: the shipped ones (seeds/code_mappings.csv); the council has "
            f"none of its own ({contract.LOCAL_CODE_MAPPINGS} in the landing folder).</p>"
        )
    shipped = {
        (name, code_key(raw)): r2
        for name, rows in shipped_code_table().items()
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
        was = shipped.get((m.field, code_key(m.raw_value)))
        parts.append(
            f"<tr><td class='n'>{m.row_number}</td><td>{e(m.field)}</td><td>{e(m.raw_value)}"
            f"</td><td>{e(m.r2_value)}</td><td>{e(m.release)}</td>"
            f"<td>{e(f'yes: it mapped to {was}') if was else 'no: a new value'}</td></tr>"
        )
    parts.append("</table>")
    return "".join(parts)


# --------------------------------------------------------------------------- the page


def _html(r: ValidationReport) -> str:
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>DQ report: {e(r.file_name)}"
        f'</title><style>{report_css()}</style></head><body class="dq">',
        f"<h1>Data quality report: {e(r.file_name)}</h1>",
        "<p><small>Check codes as in the national CLD DQ report: valid (&ge;1), blank allowed "
        "(0), blank but mandatory (&minus;1), invalid (&minus;2&hellip;&minus;6), Release 1 value "
        "(&minus;7). Rules: expectations/raw_cld_events.json. Personal fields show counts and "
        "row numbers only.</small></p>",
    ]
    if r.status == "refused":
        parts.append(f"<p class='bad'><b>File refused:</b> {e(r.reason)}</p></body></html>")
        return "".join(parts)
    parts += _file_html(r)
    parts += _table(_head("Reporting periods", PERIOD_HEADS), _period_rows(r))
    parts += _table(_head("Fields", FIELD_HEADS), map(_field_row, r.fields))
    parts += _table(_head(VALUES_TITLE, VALUE_HEADS), map(_value_row, r.values))
    if r.reconciliation:
        parts += _reconciliation_html(r.reconciliation)
    parts.append("</body></html>")
    return "".join(parts)


def _file_html(r: ValidationReport) -> list[str]:
    parts = [f"<p>{r.rows:,} data rows; {len(r.malformed_rows):,} malformed rows"]
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
    return parts


def _head(title: str, columns: Iterable[str], note: str = "") -> str:
    """A section's heading, a note, and its table's start and header row."""
    return (
        f"<h2>{title}</h2>{note}<table><tr>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>"
    )


def _table(head: str, rows: Iterable[str]) -> list[str]:
    """A table: its heading and header row (`head`), its rows, its end."""
    return [head, *rows, "</table>"]


def _period_rows(r: ValidationReport) -> list[str]:
    cls = " class='bad'" if len(r.periods) > 1 else ""
    return [
        f"<tr{cls}><td>{e(str(p['reporting_period_start_date']))}</td><td>"
        f"{e(str(p['reporting_period_end_date']))}</td><td>{e(str(p['la_code']))}"
        f"</td><td class='n'>{p['rows']:,}</td></tr>"
        for p in r.periods
    ]


def _field_row(f: FieldStats) -> str:
    cls = (
        " class='bad'"
        if f.blank_mandatory or f.invalid
        else (" class='warn'" if f.release_1 else "")
    )
    ex = "<br>".join(f"{e(k.replace('_', ' '))}: {e(_ex(v))}" for k, v in f.examples.items())
    missing = "" if f.present else " <small>(column missing)</small>"
    return (
        f"<tr{cls}><td>{e(f.header)}{missing}</td><td><small>{e(f.rule)}</small></td>"
        + "".join(f"<td class='n'>{getattr(f, s):,}</td>" for s in STATUS_COLUMNS)
        + f"<td><small>{ex}</small></td></tr>"
    )


def _value_row(v: ValueStats) -> str:
    cls = " class='bad'" if v.status == "unmapped" else ""
    return (
        f"<tr{cls}><td>{e(HEADERS[v.field])}</td><td>{e(v.value)}</td><td>"
        f"{e(v.status)}</td><td class='n'>{v.rows:,}</td><td>{e(_ex(v.examples))}"
        "</td></tr>"
    )


def _difference(x: dict) -> str:
    if x["relative_difference"] is None:
        return "nothing committed"
    return f"{x['relative_difference']:+.1%}"


def _reconciliation_html(recon: list[dict]) -> list[str]:
    beyond = [x for x in recon if x["beyond_tolerance"]]
    note = (
        f"<p>{len(beyond)} of {len(recon)} month and service type rows differ by more than "
        f"{recon[0]['tolerance']:.0%}.</p>"
    )
    return _table(
        _head("Reconciliation: payments against committed cost", RECONCILIATION_HEADS, note),
        (
            f"<tr class='warn'><td>{e(x['month'])}</td><td>"
            f"{e(str(x['service_type']))}</td><td class='n'>{x['committed_spend']:,}"
            f"</td><td class='n'>{x['paid_spend']:,}</td><td class='n'>{_difference(x)}"
            "</td></tr>"
            for x in beyond
        ),
    )
