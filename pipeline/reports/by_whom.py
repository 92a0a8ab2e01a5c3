"""The by-whom table of a team page: the team's workers at the latest month end, exceptions
first, each with their overdue trend and their own targets; the team's work no worker holds
last. Worker rows stay inside the service: never called for a suppressed site."""

from __future__ import annotations

from datetime import date
from html import escape

from pipeline.reports.builder import PageBuilder
from pipeline.reports.data import ReportData, Row
from pipeline.reports.formatting import cell, rag_badge, slug
from pipeline.reports.sparkline import sparkline
from pipeline.reports.specs import BY_WHOM_COLUMNS, BY_WHOM_TREND_MONTHS

# Worker (None: the team's work no worker holds) -> month -> their row.
History = dict[str | None, dict[date, Row]]

# What the table shows, above it ({last}: the latest month).
INTRO = (
    "<p>Each worker's work at the end of {last:%B %Y}: assessments and reviews open and "
    "allocated to them, due in the month, overdue, the age in days of the oldest open "
    "item, and the work completed in the month; last, the team's open work no worker "
    "holds yet. Workers missing a target of their own come first, then the most overdue. "
    "The trends share one scale. Worker IDs are staff pseudonyms, as in the "
    "care-management system.</p>"
)


def by_whom_html(data: ReportData, builder: PageBuilder) -> str:
    """The team's workers at the latest month end, exceptions first (a red worker-level target,
    then the most overdue, then the oldest open item), each with their overdue trend; the
    team's work awaiting allocation or with no worker last. Only workers with some figure in
    the trend's months are listed (not every leaver). Never called for a suppressed site."""
    rows = builder.rows("by_whom")
    last = data.months[-1]
    trend = data.months[-BY_WHOM_TREND_MONTHS:]
    history: History = {}
    for r in rows:
        history.setdefault(r["worker_id"], {})[r["month"]] = r
    targets = builder.worker_targets()
    red = {w for w, rows in targets.items() if any(r["is_exception"] for r in rows)}
    high = max((r["overdue_count"] or 0 for r in rows if r["month"] in trend), default=0)
    body = [
        _worker_row(worker, r, history[worker], trend, targets.get(worker or "", []), red, high)
        for worker, r in _listed(history, last, trend, red)
    ]
    head = "".join(f"<th scope='col'>{escape(label)}</th>" for _, label, _ in BY_WHOM_COLUMNS)
    table = (
        "<table class='by-whom'><thead><tr><th scope='col' class='text'>Worker</th>"
        "<th scope='col' class='text'>Role</th><th scope='col'>FTE</th>"
        f"{head}<th scope='col'>Overdue, last {len(trend)} months</th>"
        "<th scope='col' class='text'>Own targets</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        if body
        else "<p>No work held by this team's workers in the last months.</p>"
    )
    return (
        '<section class="report-section" id="by_whom"><h2>Work by whom</h2>'
        f"{INTRO.format(last=last)}{table}"
        "<p class='csv'>Data: <a href='by_whom.csv'>by_whom.csv</a></p></section>"
    )


def _listed(
    history: History, last: date, trend: list[date], red: set[str]
) -> list[tuple[str | None, Row]]:
    """The workers to list with their row of the latest month, in the table's order: red
    first, then the most overdue, the oldest open item, the worker id; no worker last."""
    figures = [c for c, _, _ in BY_WHOM_COLUMNS if c != "completed_per_fte"]
    listed = [
        (worker, months[last])
        for worker, months in history.items()
        if last in months and any(months.get(m, {}).get(c) for m in trend for c in figures)
    ]
    listed.sort(
        key=lambda wr: (
            wr[0] is None,
            wr[0] not in red,
            -(wr[1]["overdue_count"] or 0),
            -(wr[1]["oldest_open_age_days"] or 0),
            wr[0] or "",
        )
    )
    return listed


def _worker_row(
    worker: str | None,
    r: Row,
    months: dict[date, Row],
    trend: list[date],
    targets: list[Row],
    red: set[str],
    high: float,
) -> str:
    """One worker's table row: figures, overdue sparkline (on the table's common scale
    `high`), and their own targets of this period."""
    if worker is None:
        # The team's open work no worker holds: awaiting allocation.
        who, role = "No worker", "awaiting allocation"
        r = {**r, "allocated_count": r["awaiting_allocation_count"]}
    else:
        who, role = worker, r["worker_role"] or ""
    status = "<br>".join(
        f"{rag_badge(t['rag'])} {escape(t['measure_name'] or t['measure'])}: "
        f"{escape(cell(t['actual']) or '-')} (target {escape(cell(t['target']))})"
        for t in targets
    )
    values = [(months.get(m) or {}).get("overdue_count") for m in trend]
    spark = sparkline(
        f"spark-{slug(worker or 'none')}",
        f"Overdue at month end, {who}, last {len(trend)} months",
        trend,
        values,
        high=float(high),
    )
    cells = "".join(f"<td>{escape(cell(r[c], unit))}</td>" for c, _, unit in BY_WHOM_COLUMNS)
    row_class = " class='exception'" if worker in red else ""
    return (
        f"<tr{row_class}>"
        f"<th scope='row' class='text worker'>{escape(who)}</th>"
        f"<td class='text'>{escape(role)}</td><td>{escape(cell(r['worker_fte']))}</td>"
        f"{cells}<td class='trend'>{spark}</td><td class='text'>{status}</td></tr>"
    )
