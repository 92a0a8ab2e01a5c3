"""The standard reports as a static, offline web site, rendered from the published marts.

`render_reports(warehouse)` reads the current release (`<warehouse>/published`, a symlink to
`releases/<id>/`) read-only, runs the report queries in `reports_sql/` and writes
`releases/<id>/reports/`: `index.html` for the whole service, one page per team in
`teams/<team>/index.html`, and a CSV per report next to each page. The pages are plain HTML
with inline SVG charts drawn here: no script, no font or style fetched from anywhere.

Parameters (team and months) are applied here, in Python: each query returns every team
(and `ALL` for the whole service) and every month once, and the renderer keeps the team's rows
of the last `months` months up to the data date. The SQL files therefore run unchanged in any
client (the DuckDB CLI, a BI tool).

`suppress_small_counts=True` shows counts of 1 to 4 as `<5` in pages and CSVs, and withholds
(`[c]`) rates and amounts computed from such a count; zero is shown. Charts leave withheld
values out. Such pages are for outside the service: they carry no worker rows (the team
pages' by-whom table and its CSV are left out).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from pipeline import charts
from pipeline.charts import Chart, Series
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, share, swapped_in
from pipeline.transform.dbt_project import PROJECT_DIR

REPORTS_SQL_DIR = PROJECT_DIR / "reports_sql"
REPORTS_DIR_NAME = "reports"
SERVICE = "ALL"
FRONT_DOOR_TYPES = frozenset({"Front door"})
SUPPRESSED = "<5"
WITHHELD = "[c]"
SUPPRESS_BELOW = 5

Row = dict[str, Any]


@dataclass(frozen=True)
class ReportSpec:
    """A query in reports_sql/ and how its columns are protected when counts are suppressed."""

    key: str
    title: str
    counts: tuple[str, ...] = ()
    # column -> the counts it is computed from: withheld when one of them is suppressed.
    dependents: dict[str, tuple[str, ...]] = field(default_factory=dict)


REPORTS: dict[str, ReportSpec] = {
    spec.key: spec
    for spec in (
        ReportSpec(
            "team_workload",
            "Team workload: allocated, due and overdue",
            counts=(
                "open_count",
                "allocated_count",
                "awaiting_allocation_count",
                "due_in_month_count",
                "overdue_count",
                "overdue_assessments_count",
                "overdue_reviews_count",
            ),
        ),
        ReportSpec(
            "work_completed",
            "Work completed",
            counts=(
                "completed_count",
                "assessments_completed_count",
                "reviews_completed_count",
                "requests_completed_count",
                "completed_on_time_count",
                "completed_late_count",
                "completed_with_due_date_count",
            ),
            dependents={
                "completed_on_time_share": (
                    "completed_on_time_count",
                    "completed_with_due_date_count",
                ),
                "completed_per_fte": ("completed_count",),
            },
        ),
        ReportSpec(
            "assessment_outcomes",
            "Outcomes of completed assessments",
            counts=("completed_count", "month_completed_count"),
            dependents={"share_of_month": ("completed_count", "month_completed_count")},
        ),
        ReportSpec(
            "front_door",
            "Front door: contacts, outcomes and referrals",
            counts=(
                "contacts_count",
                "completed_count",
                "referred_count",
                "resolved_count",
                "other_outcome_count",
            ),
            dependents={"conversion_rate": ("referred_count", "completed_count")},
        ),
        ReportSpec("placement_spend", "Spend on placements"),
        ReportSpec(
            "reviews",
            "Reviews and their net cost impact",
            counts=("reviews_completed", "eligible_people", "reviewed_people"),
            dependents={
                "cost_before_weekly": ("reviews_completed",),
                "cost_after_weekly": ("reviews_completed",),
                "net_weekly_change": ("reviews_completed",),
                "net_annualised_change": ("reviews_completed",),
                "reviewed_share": ("reviewed_people", "eligible_people"),
            },
        ),
        # Worker rows: never on pages for outside the service (see _by_whom_html).
        ReportSpec("by_whom", "Work by whom"),
        ReportSpec("scorecard", "Scorecard: targets, exceptions first"),
        ReportSpec("actions", "Actions"),
    )
}
# Scorecard measures whose actual is a count (suppressed like one).
COUNT_MEASURES = frozenset({"contacts_count", "overdue_count"})

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;
background:#f6f6f4;line-height:1.4}
header.page{background:#12355b;color:#fff;padding:14px 24px}
header.page h1{margin:0 0 4px;font-size:1.5rem}
header.page a{color:#fff}
.meta{font-size:.9rem}
main{padding:12px 24px;max-width:1200px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:14px 0}
h2{margin:4px 0 8px;font-size:1.25rem}
.report{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;margin-bottom:10px}
.report .chart-col{flex:0 1 680px;max-width:100%}.report figure{margin:0}
.report svg{max-width:100%;height:auto}
.report aside{flex:1 1 240px;background:#f3f6fa;border-left:4px solid #12355b;padding:8px 12px}
.report aside h3{margin:0 0 4px;font-size:1rem}
.report aside ol{margin:0;padding-left:20px}
table{border-collapse:collapse;font-size:.88rem;margin:6px 0}
th,td{border:1px solid #d4d4d4;padding:3px 7px;text-align:right}
th[scope=row],td.text,th.text{text-align:left}
caption{text-align:left;font-weight:bold;padding:2px 0;white-space:nowrap}
.rag{font-weight:bold;padding:1px 6px;border-radius:3px}
.rag-red{background:#d55e00;color:#fff}.rag-amber{background:#e69f00;color:#000}
.rag-green{background:#009e73;color:#fff}.rag-no-data{background:#ccc;color:#000}
.exceptions{border:2px solid #d55e00}
.tiles{display:flex;flex-wrap:wrap;gap:10px}
.tile{background:#fff;border:1px solid #ccc;border-radius:6px;padding:8px 12px;min-width:170px}
.tile .value{font-size:1.6rem;font-weight:bold}
.tile .label{font-size:.85rem;color:#333}
.csv{font-size:.85rem}
table.by-whom td.trend{padding:1px 4px}table.by-whom tr.exception th{border-left:4px solid #d55e00}
footer{padding:12px 24px;font-size:.85rem;color:#444}
"""


# --------------------------------------------------------------------------- data


@dataclass
class ReportData:
    rows: dict[str, list[Row]]
    columns: dict[str, list[str]]
    teams: list[Row]
    release: Row
    data_date: date
    months: list[date]
    suppress: bool
    # Relative to the site root; set when the release holds the extracts' DQ reports.
    quality_page: str | None = None

    def team_rows(self, key: str, team: str | None, monthly: bool = True) -> list[Row]:
        first = self.months[0] if self.months else date.min
        rows = self.rows[key]
        if team is not None:
            rows = [r for r in rows if r.get("team_code") == team]
        if monthly:
            rows = [r for r in rows if r["month"] is not None and r["month"] >= first]
        return rows


def _month_add(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def _load(published_db: Path, months: int, suppress: bool) -> ReportData:
    if not published_db.exists():
        raise PrimedError(f"there is no published warehouse at {published_db}; run primed first")
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        rows: dict[str, list[Row]] = {}
        columns: dict[str, list[str]] = {}
        for key in REPORTS:
            sql = (REPORTS_SQL_DIR / f"{key}.sql").read_text()
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            columns[key] = names
            rows[key] = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        teams_cur = con.execute(
            "select team_code, team_name, team_type, service_area from marts.dim_team "
            "order by team_type = 'Front door' desc, team_name"
        )
        names = [d[0] for d in teams_cur.description]
        teams = [dict(zip(names, r, strict=True)) for r in teams_cur.fetchall()]
        rel_cur = con.execute("select run_id, published_at, data_date from marts._release")
        names = [d[0] for d in rel_cur.description]
        release = dict(zip(names, rel_cur.fetchall()[0], strict=True))
    finally:
        con.close()
    data_date = release["data_date"]
    if data_date is None:
        raise PrimedError("the published release has no data date; nothing to report")
    last = date(data_date.year, data_date.month, 1)
    window = [_month_add(last, -i) for i in range(months - 1, -1, -1)]
    return ReportData(rows, columns, teams, release, data_date, window, suppress)


# --------------------------------------------------------------------------- suppression


def _is_small(value: Any) -> bool:
    return isinstance(value, int | float) and 0 < value < SUPPRESS_BELOW


def suppress_rows(rows: Iterable[Row], spec: ReportSpec) -> list[Row]:
    """Counts of 1-4 become `<5`; values computed from them are withheld (`[c]`)."""
    out = []
    for row in rows:
        new = dict(row)
        small = {c for c in spec.counts if c in row and _is_small(row[c])}
        for column in small:
            new[column] = SUPPRESSED
        for column, sources in spec.dependents.items():
            if column in row and row[column] is not None and small.intersection(sources):
                new[column] = WITHHELD
        counted = spec.key == "scorecard" and row.get("measure") in COUNT_MEASURES
        if counted and _is_small(row.get("actual")):
            new["actual"] = SUPPRESSED
            new["difference"] = WITHHELD
        out.append(new)
    return out


# --------------------------------------------------------------------------- formatting


def _unit_of(measure_unit: str | None) -> str:
    text = (measure_unit or "").lower()
    if text.startswith("share"):
        return "percent"
    if "gbp" in text:
        return "gbp"
    return "count"


def _cell(value: Any, unit: str = "count") -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return charts.format_value(value, unit)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.2f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _period(start: date, end: date) -> str:
    """`2024-25` for a financial year, else the two dates."""
    if start.month == 4 and start.day == 1 and end == date(start.year + 1, 3, 31):
        return f"{start.year}-{str(start.year + 1)[2:]}"
    return f"{start.isoformat()} to {end.isoformat()}"


def _rag(rag: str | None) -> str:
    text = rag or "no data"
    return f'<span class="rag rag-{escape(text.replace(" ", "-"))}">{escape(text)}</span>'


def slug(team_code: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", team_code.lower()).strip("-") or "team"


# --------------------------------------------------------------------------- sections


@dataclass
class Panel:
    chart: Chart
    questions: list[str]


@dataclass
class Section:
    key: str
    title: str
    panels: list[Panel]
    measures: tuple[str, ...] = ()
    intro: str = ""


class PageBuilder:
    """Charts for one page (the whole service, or one team)."""

    def __init__(self, data: ReportData, team: str):
        self.data = data
        self.team = team
        self.targets = [
            r for r in data.rows["scorecard"] if r["team_code"] == team and not r["worker_id"]
        ]
        self.csv_rows: dict[str, list[Row]] = {}

    # Rows of one report for this page, suppressed if asked, kept for the page's CSV.
    def rows(self, key: str) -> list[Row]:
        if key not in self.csv_rows:
            rows = self.data.team_rows(key, self.team)
            if self.data.suppress:
                rows = suppress_rows(rows, REPORTS[key])
            self.csv_rows[key] = rows
        return self.csv_rows[key]

    def by_month(self, key: str, where: Callable[[Row], bool] | None = None) -> dict[date, Row]:
        return {r["month"]: r for r in self.rows(key) if where is None or where(r)}

    def series(
        self,
        rows: dict[date, Row],
        column: str,
        name: str,
        kind: str = "bar",
        fill_zero: bool = True,
        colour: str | None = None,
    ) -> Series:
        values: list[float | None] = []
        masked: dict[int, str] = {}
        for i, month in enumerate(self.data.months):
            row = rows.get(month)
            value = row.get(column) if row else None
            if isinstance(value, str):
                masked[i] = value
                values.append(None)
            elif value is None:
                values.append(0.0 if fill_zero and row is None else None)
            else:
                values.append(float(value))
        return Series(name, values, kind=kind, colour=colour, masked=masked)

    def target(self, measure: str) -> list[float | None] | None:
        rows = [r for r in self.targets if r["measure"] == measure and r["target"] is not None]
        if not rows:
            return None
        out: list[float | None] = []
        for month in self.data.months:
            hit = [r for r in rows if r["period_start"] <= month <= r["period_end"]]
            out.append(float(hit[0]["target"]) if hit else None)
        return out if any(v is not None for v in out) else None

    def worker_targets(self) -> dict[str, list[Row]]:
        """Worker -> their own targets of this period in this team, exceptions first."""
        out: dict[str, list[Row]] = {}
        for r in _current(self.data.rows["scorecard"]):  # ordered: exceptions first
            if r["team_code"] == self.team and r["worker_id"]:
                out.setdefault(r["worker_id"], []).append(r)
        return out

    def chart(self, name: str, title: str, y_label: str, series: list[Series], **kw: Any) -> Chart:
        return Chart(f"chart-{name}", title, y_label, list(self.data.months), series, **kw)

    # ----------------------------------------------------------------- the reports

    def front_door(self) -> Section:
        rows = self.by_month("front_door")
        return Section(
            "front_door",
            REPORTS["front_door"].title,
            [
                Panel(
                    self.chart(
                        "contacts",
                        "Contacts to the front door each month",
                        "Contacts (requests started)",
                        [self.series(rows, "contacts_count", "Contacts")],
                        target=self.target("contacts_count"),
                        target_label="Target (monthly average)",
                    ),
                    [
                        "Are contacts rising or falling, and do we know why (season, a new "
                        "route in, repeat contacts)?",
                        "In the months above target, what was different?",
                        "Which contacts could have been answered by information and advice "
                        "online or by a partner?",
                    ],
                ),
                Panel(
                    self.chart(
                        "contact-outcomes",
                        "What happened to completed contacts",
                        "Completed requests",
                        [
                            self.series(rows, "resolved_count", "Resolved at the front door"),
                            self.series(rows, "referred_count", "Referred to specialist teams"),
                            self.series(rows, "other_outcome_count", "Other outcome"),
                        ],
                    ),
                    [
                        "Is the share resolved at the front door holding up?",
                        "Are referrals reaching the right specialist team first time?",
                    ],
                ),
                Panel(
                    self.chart(
                        "conversion",
                        "Share of completed contacts referred on to specialist services",
                        "Referred / completed requests",
                        [
                            self.series(
                                rows,
                                "conversion_rate",
                                "Referred share",
                                kind="line",
                                fill_zero=False,
                            )
                        ],
                        unit="percent",
                        target=self.target("conversion_rate"),
                    ),
                    [
                        "Is a rising share a sign of more complex need, or of contacts that "
                        "could have been resolved earlier?",
                        "What do the specialist teams say about the referrals they receive?",
                    ],
                ),
            ],
            measures=("contacts_count", "conversion_rate"),
        )

    def workload(self) -> Section:
        rows = self.by_month("team_workload")
        return Section(
            "team_workload",
            REPORTS["team_workload"].title,
            [
                Panel(
                    self.chart(
                        "open-work",
                        "Open assessments and reviews at month end",
                        "Open work items",
                        [
                            self.series(rows, "allocated_count", "Allocated to a worker"),
                            self.series(rows, "awaiting_allocation_count", "Awaiting allocation"),
                        ],
                    ),
                    [
                        "Is the work awaiting allocation growing, and who is waiting longest?",
                        "Does the team have the capacity for the work it holds?",
                    ],
                ),
                Panel(
                    self.chart(
                        "due-overdue",
                        "Work due each month and overdue at month end",
                        "Work items",
                        [
                            self.series(rows, "due_in_month_count", "Due in the month"),
                            self.series(rows, "overdue_count", "Overdue at month end", "line"),
                        ],
                        target=self.target("overdue_count"),
                        target_label="Overdue target",
                    ),
                    [
                        "Which overdue items can be finished this month, and by whom?",
                        "Is work falling overdue because of allocation delays or because of "
                        "how long the work takes?",
                        "What is due next month, and is it planned for?",
                    ],
                ),
            ],
            measures=("overdue_count",),
        )

    def completed(self) -> Section:
        rows = self.by_month("work_completed")
        return Section(
            "work_completed",
            REPORTS["work_completed"].title,
            [
                Panel(
                    self.chart(
                        "completed",
                        "Assessments and reviews completed each month",
                        "Completed work items",
                        [
                            self.series(rows, "assessments_completed_count", "Assessments"),
                            self.series(rows, "reviews_completed_count", "Reviews"),
                        ],
                    ),
                    [
                        "Is the team completing more or less work than in the same months "
                        "last year?",
                        "What operational decisions changed the number completed?",
                    ],
                ),
                Panel(
                    self.chart(
                        "on-time",
                        "Share of work completed on time",
                        "Completed by the due date",
                        [
                            self.series(
                                rows,
                                "completed_on_time_share",
                                "On time",
                                kind="line",
                                fill_zero=False,
                            )
                        ],
                        unit="percent",
                        target=self.target("completed_on_time_share"),
                    ),
                    [
                        "In the months below target, what held the work up?",
                        "Are due dates being set in the same way by everyone?",
                    ],
                ),
            ],
            measures=("completed_on_time_share",),
        )

    def outcomes(self, groups: list[str]) -> Section:
        rows = self.rows("assessment_outcomes")
        palette = dict(zip(groups, charts.PALETTE, strict=False))
        series = []
        for group in groups:
            by_month = {r["month"]: r for r in rows if r["outcome_group"] == group}
            series.append(self.series(by_month, "completed_count", group, colour=palette[group]))
        return Section(
            "assessment_outcomes",
            REPORTS["assessment_outcomes"].title,
            [
                Panel(
                    self.chart(
                        "outcomes",
                        "What completed assessments led to",
                        "Completed assessments",
                        series,
                    ),
                    [
                        "Is the mix of outcomes changing: more people supported without "
                        "services, or more to residential and nursing care?",
                        "Do outcomes differ from similar teams, and why?",
                    ],
                )
            ],
        )

    def placement_spend(self) -> Section:
        rows = self.rows("placement_spend")
        residential = {
            r["month"]: r for r in rows if r["service_type"].endswith("Residential care")
        }
        nursing = {r["month"]: r for r in rows if r["service_type"].endswith("Nursing care")}
        total = {r["month"]: r for r in rows if r["service_type"] == "All placements"}
        return Section(
            "placement_spend",
            REPORTS["placement_spend"].title,
            [
                Panel(
                    self.chart(
                        "placement-spend",
                        "Average daily spend on residential and nursing placements",
                        "Spend per day (GBP)",
                        [
                            self.series(residential, "avg_daily_spend", "Residential care"),
                            self.series(nursing, "avg_daily_spend", "Nursing care"),
                        ],
                        unit="gbp",
                        target=self.target("avg_daily_spend_placements"),
                        target_label="Target (both together)",
                    ),
                    [
                        "Is daily spend moving because there are more placements or because "
                        "each costs more?",
                        "Which new placements could have been supported at home?",
                    ],
                ),
                Panel(
                    self.chart(
                        "placement-cost",
                        "Average daily cost per placement",
                        "Cost per placement per day (GBP)",
                        [
                            self.series(
                                total,
                                "avg_daily_cost_per_placement",
                                "All placements",
                                kind="line",
                                fill_zero=False,
                            )
                        ],
                        unit="gbp",
                    ),
                    [
                        "Are new placements agreed at higher rates than the ones ending?",
                        "Where are fee uplifts or top-ups driving the cost?",
                    ],
                ),
            ],
            measures=("avg_daily_spend_placements",),
        )

    def reviews(self, service: bool) -> Section:
        rows = self.by_month("reviews")
        panels = [
            Panel(
                self.chart(
                    "reviews-completed",
                    "Reviews completed each month",
                    "Completed reviews",
                    [self.series(rows, "reviews_completed", "Reviews completed")],
                ),
                [
                    "Are reviews keeping pace with the people who are due one?",
                    "Which reviews are planned, and which came from a crisis?",
                ],
            ),
            Panel(
                self.chart(
                    "review-impact",
                    "Net cost impact of reviews, annualised (below zero = saving)",
                    "Change in yearly cost (GBP)",
                    [self.series(rows, "net_annualised_change", "Net annualised change")],
                    unit="gbp",
                ),
                [
                    "Which reviews lowered the cost of care, and what made that possible?",
                    "Where costs rose, was it a change in need that the review found?",
                ],
            ),
        ]
        if service:
            panels.append(
                Panel(
                    self.chart(
                        "reviewed-12m",
                        "People in long-term support reviewed in the last 12 months",
                        "Share of people",
                        [
                            self.series(
                                rows, "reviewed_share", "Reviewed", kind="line", fill_zero=False
                            )
                        ],
                        unit="percent",
                        target=self.target("reviewed_share"),
                    ),
                    [
                        "Who has gone longest without a review, and when is it planned?",
                        "Is the reviews team's capacity matched to the people due a review?",
                    ],
                )
            )
        return Section(
            "reviews",
            REPORTS["reviews"].title,
            panels,
            measures=("reviewed_share",) if service else (),
        )


# --------------------------------------------------------------------------- HTML


def _page(title: str, data: ReportData, body: str, home: str) -> str:
    rel = data.release
    note = (
        "<p class='meta'>Counts of 1 to 4 are shown as &lt;5, and figures computed from them "
        "as [c]; charts leave them out.</p>"
        if data.suppress
        else ""
    )
    quality = ""
    if data.quality_page:
        root = "" if home == "#" else home.removesuffix("index.html")
        quality = (
            f' <a class="quality" href="{escape(root + data.quality_page)}">Data quality of '
            "the extracts</a>: what was loaded, quarantined and why."
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="primed-run-id" content="{escape(str(rel["run_id"]))}">
<meta name="primed-data-date" content="{data.data_date.isoformat()}">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header class="page">
<h1>{escape(title)}</h1>
<p class="meta">Data up to <strong class="data-date">{data.data_date:%d %B %Y}</strong> ·
last {len(data.months)} months · run <code class="run-id">{escape(str(rel["run_id"]))}</code>,
published {escape(_cell(rel["published_at"]))} UTC · <a href="{home}">Whole service</a></p>
{note}
</header>
<main>
{body}
</main>
<footer>Produced by primed from the published warehouse (run {escape(str(rel["run_id"]))}).
Every figure is defined in the measure definitions and computed once, in the marts.{quality}
</footer>
</body>
</html>
"""


def _section_html(section: Section, csv_name: str) -> str:
    parts = [f'<section class="report-section" id="{escape(section.key)}">']
    parts.append(f"<h2>{escape(section.title)}</h2>")
    for panel in section.panels:
        questions = "".join(f"<li>{escape(q)}</li>" for q in panel.questions)
        parts.append(
            '<div class="report"><div class="chart-col"><figure>'
            + charts.render(panel.chart)
            + "</figure>"
            + charts.table(panel.chart)
            + "</div>"
            + f"<aside><h3>Questions for the meeting</h3><ol>{questions}</ol></aside></div>"
        )
    parts.append(
        f'<p class="csv">Data: <a href="{escape(csv_name)}">{escape(csv_name)}</a></p></section>'
    )
    return "\n".join(parts)


def _scorecard_table(rows: list[Row], with_team: bool, link: Callable[[str], str | None]) -> str:
    if not rows:
        return "<p>No targets are set for this period.</p>"
    head = ["Team"] if with_team else []
    head += ["Measure", "Period", "Actual", "Target", "Difference", "Status"]
    out = ["<table class='scorecard'><thead><tr>"]
    out += [f"<th scope='col' class='text'>{h}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        unit = _unit_of(r["unit"])
        cells = []
        if with_team:
            href = link(r["team_code"])
            name = escape(r["team_name"])
            cells.append(
                f"<td class='text'><a href='{href}'>{name}</a></td>"
                if href
                else f"<td class='text'>{name}</td>"
            )
        cells += [
            f"<td class='text'>{escape(r['measure_name'] or r['measure'])}</td>",
            f"<td class='text'>{_period(r['period_start'], r['period_end'])}</td>",
            f"<td>{escape(_cell(r['actual'], unit))}</td>",
            f"<td class='target'>{escape(_cell(r['target'], unit))}</td>",
            f"<td class='diff'>{escape(_cell(r['difference'], unit))}</td>",
            f"<td class='text'>{_rag(r['rag'])}</td>",
        ]
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _actions_table(rows: list[Row], with_team: bool) -> str:
    if not rows:
        return "<p>No actions recorded.</p>"
    head = ["Team"] if with_team else []
    head += ["Action", "Owner", "Due", "Status", "Measure", "Measure status"]
    out = ["<table class='actions'><thead><tr>"]
    out += [f"<th scope='col' class='text'>{h}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        status = r["status"] + (" (overdue)" if r["is_overdue"] else "")
        cells = [f"<td class='text'>{escape(r['team_name'])}</td>"] if with_team else []
        cells += [
            f"<td class='text'>{escape(r['action'] or '')}</td>",
            f"<td class='text'>{escape(r['owner'] or '')}</td>",
            f"<td class='text'>{_cell(r['due_date'])}</td>",
            f"<td class='text'>{escape(status)}</td>",
            f"<td class='text'>{escape(r['measure'] or '')}</td>",
            f"<td class='text'>{_rag(r['measure_rag']) if r['measure_rag'] else ''}</td>",
        ]
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _write_csv(path: Path, columns: list[str], rows: list[Row]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row.get(c)) for c in columns])


def _ordered(sections: list[Section], exceptions: set[str]) -> list[Section]:
    """Sections whose measures are in exception first; the rest in their usual order."""
    return sorted(sections, key=lambda s: not exceptions.intersection(s.measures))


def _current(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r["is_current_period"]]


def _scorecard_rows(data: ReportData, team: str | None) -> list[Row]:
    """The team's (or every team's and the service's) targets; workers' own targets are in the
    by-whom table, not here."""
    rows = [
        r
        for r in data.rows["scorecard"]
        if (team is None or r["team_code"] == team) and not r["worker_id"]
    ]
    return suppress_rows(rows, REPORTS["scorecard"]) if data.suppress else rows


def _actions_rows(data: ReportData, team: str | None) -> list[Row]:
    return [r for r in data.rows["actions"] if team is None or r["team_code"] == team]


def _tile(label: str, value: str, detail: str = "", rag: str | None = None) -> str:
    badge = f" {_rag(rag)}" if rag else ""
    return (
        f'<div class="tile"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(detail)}{badge}</div></div>'
    )


def _headlines(data: ReportData, builder: PageBuilder, scorecard: list[Row]) -> str:
    last = data.months[-1]
    label = last.strftime("%B %Y")
    rag = {r["measure"]: r["rag"] for r in scorecard if r["team_code"] == SERVICE}

    def latest(key: str, column: str, where: Callable[[Row], bool] | None = None) -> Any:
        row = builder.by_month(key, where).get(last)
        return row.get(column) if row else None

    def show(value: Any, unit: str = "count") -> str:
        return _cell(value, unit) or "-"

    annual = [
        r["net_annualised_change"]
        for r in builder.rows("reviews")
        if r["month"] > _month_add(last, -12)
    ]
    annual_total = (
        WITHHELD if any(isinstance(v, str) for v in annual) else sum(v or 0 for v in annual)
    )
    actions = _actions_rows(data, None)
    tiles = [
        _tile("Contacts to the front door", show(latest("front_door", "contacts_count")), label,
              rag.get("contacts_count")),
        _tile("Referred to specialist services",
              show(latest("front_door", "referred_count")),
              f"{show(latest('front_door', 'conversion_rate'), 'percent')} of completed, {label}",
              rag.get("conversion_rate")),
        _tile("Average daily spend on placements",
              show(latest("placement_spend", "avg_daily_spend",
                          lambda r: r["service_type"] == "All placements"), "gbp"),
              label, rag.get("avg_daily_spend_placements")),
        _tile("Reviews completed", show(latest("reviews", "reviews_completed")), label),
        _tile("Reviewed in the last 12 months",
              show(latest("reviews", "reviewed_share"), "percent"),
              f"of people in long-term support, {label}", rag.get("reviewed_share")),
        _tile("Net cost impact of reviews", show(annual_total, "gbp"),
              "a year, reviews of the last 12 months"),
        _tile("Overdue work", show(latest("team_workload", "overdue_count")),
              f"at the end of {label}", rag.get("overdue_count")),
        _tile("Actions overdue", str(sum(1 for r in actions if r["is_overdue"])),
              f"{sum(1 for r in actions if r['is_open'])} open"),
    ]  # fmt: skip
    return f'<section class="headlines"><h2>Headline measures</h2><div class="tiles">{"".join(tiles)}</div></section>'  # noqa: E501


def _exceptions_html(rows: list[Row], with_team: bool, link: Callable[[str], str | None]) -> str:
    red = [r for r in _current(rows) if r["is_exception"]]
    if not red:
        body = "<p>No exceptions: every measure with a target is green or amber.</p>"
    else:
        body = _scorecard_table(red, with_team, link)
    return (
        f'<section class="exceptions" id="exceptions"><h2>Exceptions ({len(red)})</h2>'
        f"<p>Measures missing their target by more than the tolerance, this period.</p>"
        f"{body}</section>"
    )


def _outcome_groups(data: ReportData) -> list[str]:
    counts: dict[str, float] = {}
    for r in data.rows["assessment_outcomes"]:
        if r["team_code"] == SERVICE:
            counts[r["outcome_group"]] = counts.get(r["outcome_group"], 0) + r["completed_count"]
    return sorted(counts, key=lambda g: -counts[g])


def _service_page(data: ReportData, out: Path, team_pages: dict[str, str]) -> None:
    builder = PageBuilder(data, SERVICE)
    scorecard = _scorecard_rows(data, None)
    exceptions_of_service = {
        r["measure"] for r in _current(scorecard) if r["is_exception"] and r["team_code"] == SERVICE
    }

    def link(team: str) -> str | None:
        return team_pages.get(team)

    sections = _ordered(
        [
            builder.front_door(),
            builder.placement_spend(),
            builder.reviews(service=True),
            builder.workload(),
            builder.completed(),
            builder.outcomes(_outcome_groups(data)),
        ],
        exceptions_of_service,
    )
    body = [_headlines(data, builder, scorecard), _exceptions_html(scorecard, True, link)]
    body += [_section_html(s, f"{s.key}.csv") for s in sections]
    body.append(
        "<section id='scorecard'><h2>Scorecard, this period (exceptions first)</h2>"
        + _scorecard_table(_current(scorecard), True, link)
        + "<p class='csv'>Data, every period: <a href='scorecard.csv'>scorecard.csv</a></p>"
        "</section>"
    )
    actions = _actions_rows(data, None)
    body.append(
        "<section id='actions'><h2>Actions (overdue first)</h2>"
        + _actions_table(actions, True)
        + "<p class='csv'>Data: <a href='actions.csv'>actions.csv</a></p></section>"
    )
    body.append(_team_list(data, scorecard, team_pages))
    for section_key, rows in builder.csv_rows.items():
        _write_csv(out / f"{section_key}.csv", data.columns[section_key], rows)
    _write_csv(out / "scorecard.csv", data.columns["scorecard"], scorecard)
    _write_csv(out / "actions.csv", data.columns["actions"], actions)
    html = _page("Adult social care performance: whole service", data, "\n".join(body), "#")
    (out / "index.html").write_text(html, encoding="utf-8")


def _team_list(data: ReportData, scorecard: list[Row], team_pages: dict[str, str]) -> str:
    rows = []
    for team in data.teams:
        code = team["team_code"]
        red = sum(1 for r in _current(scorecard) if r["team_code"] == code and r["is_exception"])
        overdue = sum(1 for r in _actions_rows(data, code) if r["is_overdue"])
        rows.append(
            f"<tr><td class='text'><a href='{team_pages[code]}'>{escape(team['team_name'])}</a>"
            f"</td><td class='text'>{escape(team['team_type'] or '')}</td>"
            f"<td class='n'>{red}</td><td class='n'>{overdue}</td></tr>"
        )
    return (
        "<section id='teams'><h2>Teams</h2><table class='teams'><thead><tr>"
        "<th scope='col' class='text'>Team</th><th scope='col' class='text'>Type</th>"
        "<th scope='col'>Exceptions</th><th scope='col'>Actions overdue</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


BY_WHOM_TREND_MONTHS = 12
BY_WHOM_COLUMNS = (
    ("allocated_count", "Open", "count"),
    ("due_in_month_count", "Due in month", "count"),
    ("overdue_count", "Overdue", "count"),
    ("oldest_open_age_days", "Oldest open (days)", "count"),
    ("completed_count", "Completed", "count"),
    ("completed_on_time_count", "On time", "count"),
    ("completed_per_fte", "Completed per FTE", "count"),
)


def _by_whom_html(data: ReportData, builder: PageBuilder) -> str:
    """The team's workers at the latest month end, exceptions first (a red worker-level target,
    then the most overdue, then the oldest open item), each with their overdue trend; the
    team's work awaiting allocation or with no worker last. Only workers with some figure in
    the trend's months are listed (not every leaver). Never called for a suppressed site."""
    rows = builder.rows("by_whom")
    last = data.months[-1]
    trend = data.months[-BY_WHOM_TREND_MONTHS:]
    figures = [c for c, _, _ in BY_WHOM_COLUMNS if c != "completed_per_fte"]
    history: dict[str | None, dict[date, Row]] = {}
    for r in rows:
        history.setdefault(r["worker_id"], {})[r["month"]] = r
    targets = builder.worker_targets()
    red = {w for w, rows in targets.items() if any(r["is_exception"] for r in rows)}
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
    head = "".join(f"<th scope='col'>{escape(label)}</th>" for _, label, _ in BY_WHOM_COLUMNS)
    high = max((r["overdue_count"] or 0 for r in rows if r["month"] in trend), default=0)
    body = []
    for worker, r in listed:
        if worker is None:
            # The team's open work no worker holds: awaiting allocation.
            who, role = "No worker", "awaiting allocation"
            r = {**r, "allocated_count": r["awaiting_allocation_count"]}
        else:
            who, role = worker, r["worker_role"] or ""
        status = "<br>".join(
            f"{_rag(t['rag'])} {escape(t['measure_name'] or t['measure'])}: "
            f"{escape(_cell(t['actual']) or '-')} (target {escape(_cell(t['target']))})"
            for t in targets.get(worker or "", [])
        )
        values = [
            months_row.get("overdue_count")
            for months_row in (history[worker].get(m) or {} for m in trend)
        ]
        spark = charts.sparkline(
            f"spark-{slug(worker or 'none')}",
            f"Overdue at month end, {who}, last {len(trend)} months",
            trend,
            values,
            high=float(high),
        )
        cells = "".join(f"<td>{escape(_cell(r[c], unit))}</td>" for c, _, unit in BY_WHOM_COLUMNS)
        row_class = " class='exception'" if worker in red else ""
        body.append(
            f"<tr{row_class}>"
            f"<th scope='row' class='text worker'>{escape(who)}</th>"
            f"<td class='text'>{escape(role)}</td><td>{escape(_cell(r['worker_fte']))}</td>"
            f"{cells}<td class='trend'>{spark}</td><td class='text'>{status}</td></tr>"
        )
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
        f"<p>Each worker's work at the end of {last:%B %Y}: assessments and reviews open and "
        "allocated to them, due in the month, overdue, the age in days of the oldest open "
        "item, and the work completed in the month; last, the team's open work no worker "
        "holds yet. Workers missing a target of their own come first, then the most overdue. "
        "The trends share one scale. Worker IDs are staff pseudonyms, as in the "
        "care-management system.</p>"
        f"{table}<p class='csv'>Data: <a href='by_whom.csv'>by_whom.csv</a></p></section>"
    )


def _team_page(data: ReportData, team: Row, folder: Path) -> None:
    code = team["team_code"]
    builder = PageBuilder(data, code)
    scorecard = _scorecard_rows(data, code)
    exceptions = {r["measure"] for r in _current(scorecard) if r["is_exception"]}
    if team["team_type"] in FRONT_DOOR_TYPES:
        sections = [builder.front_door()]
    else:
        sections = [
            builder.workload(),
            builder.completed(),
            builder.outcomes(_outcome_groups(data)),
        ]
        if any(r["reviews_completed"] for r in data.team_rows("reviews", code)):
            sections.append(builder.reviews(service=False))
    sections = _ordered(sections, exceptions)

    def link(_team: str) -> str | None:
        return None

    body = [_exceptions_html(scorecard, False, link)]
    body += [_section_html(s, f"{s.key}.csv") for s in sections]
    if not data.suppress:  # worker rows stay inside the service
        body.append(_by_whom_html(data, builder))
    body.append(
        "<section id='scorecard'><h2>Scorecard, this period (exceptions first)</h2>"
        + _scorecard_table(_current(scorecard), False, link)
        + "<p class='csv'>Data, every period: <a href='scorecard.csv'>scorecard.csv</a></p>"
        "</section>"
    )
    actions = _actions_rows(data, code)
    body.append(
        "<section id='actions'><h2>Actions (overdue first)</h2>"
        + _actions_table(actions, False)
        + "<p class='csv'>Data: <a href='actions.csv'>actions.csv</a></p></section>"
    )
    folder.mkdir(parents=True, exist_ok=True)
    for section_key, rows in builder.csv_rows.items():
        _write_csv(folder / f"{section_key}.csv", data.columns[section_key], rows)
    _write_csv(folder / "scorecard.csv", data.columns["scorecard"], scorecard)
    _write_csv(folder / "actions.csv", data.columns["actions"], actions)
    title = f"{team['team_name']} ({team['team_type']}): team performance"
    html = _page(title, data, "\n".join(body), "../../index.html")
    (folder / "index.html").write_text(html, encoding="utf-8")


# --------------------------------------------------------------------------- entry points


def render_reports_into(
    release_dir: Path,
    published_db: Path | None = None,
    *,
    suppress_small_counts: bool = False,
    months: int = 24,
) -> Path:
    """Render the site into `<release_dir>/reports/` from the release's DuckDB file.

    The site is written beside the final folder and renamed into place, so a reader never sees
    half a site. Publishing may call this before the release is made read-only and swapped in.
    """
    if not 1 <= months <= 120:
        raise PrimedError(f"months must be between 1 and 120, not {months}")
    release_dir = Path(release_dir)
    data = _load(Path(published_db or release_dir / "primed.duckdb"), months, suppress_small_counts)
    if (release_dir / "quality" / "index.html").exists():
        data.quality_page = "../quality/index.html"
    final = release_dir / REPORTS_DIR_NAME
    with swapped_in(final) as building:
        team_pages = {
            t["team_code"]: f"teams/{slug(t['team_code'])}/index.html" for t in data.teams
        }
        for team in data.teams:
            _team_page(data, team, building / "teams" / slug(team["team_code"]))
        _service_page(data, building, team_pages)
    share(final)  # readable by the readers of what is published, as the release is
    return final


def render_reports(
    warehouse_dir: str | Path, *, suppress_small_counts: bool = False, months: int = 24
) -> Path:
    """Render the standard reports of the current release into `<warehouse>/published/reports`.

    Returns the reports folder through the `published` symlink (its `index.html` is the
    service page).
    """
    paths = WarehousePaths.at(warehouse_dir)
    if not paths.published.exists():
        raise PrimedError(f"nothing is published in {paths.root} yet; run primed first")
    release_dir = paths.published.resolve()
    render_reports_into(
        release_dir,
        release_dir / "primed.duckdb",
        suppress_small_counts=suppress_small_counts,
        months=months,
    )
    return paths.published / REPORTS_DIR_NAME
