"""The report sections of a page: each a titled set of charts (panels), with the meeting's
questions beside every chart, and the measures whose exceptions bring the section to the top.

One function per report: `front_door`, `workload`, `completed`, `outcomes`, `placement_spend`,
`reviews`, `spend_movement`. Each names its charts; what a chart draws and asks is data
(`charts.toml`), but for the outcome groups' and the waterfalls' series, drawn here.
`pages.py` chooses which sections a page shows; `layout.section_html` writes them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.reports.builder import PageBuilder
from pipeline.reports.charts import PALETTE, Chart
from pipeline.reports.data import ReportData, Row, month_add
from pipeline.reports.specs import CHARTS, REPORTS, SERVICE
from pipeline.reports.waterfall import Step, Waterfall


@dataclass
class Panel:
    chart: Chart | Waterfall
    questions: tuple[str, ...]


@dataclass
class Section:
    key: str
    title: str
    panels: list[Panel]
    measures: tuple[str, ...] = ()


def _panel(chart: Chart | Waterfall) -> Panel:
    """The chart with its questions for the meeting (charts.toml)."""
    return Panel(chart, CHARTS[chart.chart_id.removeprefix("chart-")].questions)


def _charted(b: PageBuilder, report: str, name: str) -> Panel:
    """The chart `name` of specs.CHARTS, drawn from the page's rows of `report`."""
    spec = CHARTS[name]
    series = []
    for s in spec.series:
        where = None if s.where is None else (lambda r, c=s.where: r[c[0]] == c[1])
        rows = b.by_month(report, where)
        series.append(b.series(rows, s.column, s.label, s.kind, s.fill_zero))
    chart = b.chart(
        name,
        spec.title,
        spec.y_label,
        series,
        unit=spec.unit,
        target=b.target(spec.target) if spec.target else None,
        target_label=spec.target_label,
    )
    return _panel(chart)


def _section(
    b: PageBuilder, report: str, charts: tuple[str, ...], measures: tuple[str, ...] = ()
) -> Section:
    """A report's section: its charts in order, and the measures that bring it to the top."""
    panels = [_charted(b, report, name) for name in charts]
    return Section(report, REPORTS[report].title, panels, measures=measures)


def front_door(b: PageBuilder) -> Section:
    return _section(
        b,
        "front_door",
        ("contacts", "contact-outcomes", "conversion"),
        measures=("contacts_count", "conversion_rate"),
    )


def workload(b: PageBuilder) -> Section:
    return _section(b, "team_workload", ("open-work", "due-overdue"), measures=("overdue_count",))


def completed(b: PageBuilder) -> Section:
    return _section(
        b, "work_completed", ("completed", "on-time"), measures=("completed_on_time_share",)
    )


def outcomes(b: PageBuilder, groups: list[str]) -> Section:
    """Completed assessments by outcome group, `groups` in order (each its own colour)."""
    rows = b.rows("assessment_outcomes")
    palette = dict(zip(groups, PALETTE, strict=False))
    series = []
    for group in groups:
        by_month = {r["month"]: r for r in rows if r["outcome_group"] == group}
        series.append(b.series(by_month, "completed_count", group, colour=palette[group]))
    spec = CHARTS["outcomes"]
    chart = b.chart("outcomes", spec.title, spec.y_label, series)
    return Section("assessment_outcomes", REPORTS["assessment_outcomes"].title, [_panel(chart)])


def outcome_groups(data: ReportData) -> list[str]:
    """The outcome groups, most common in the whole service first."""
    counts: dict[str, float] = {}
    for r in data.rows["assessment_outcomes"]:
        if r["team_code"] == SERVICE:
            counts[r["outcome_group"]] = counts.get(r["outcome_group"], 0) + r["completed_count"]
    return sorted(counts, key=lambda g: -counts[g])


def placement_spend(b: PageBuilder) -> Section:
    return _section(
        b,
        "placement_spend",
        ("placement-spend", "placement-cost"),
        measures=("avg_daily_spend_placements",),
    )


def reviews(b: PageBuilder, service: bool) -> Section:
    """Reviews completed and their cost impact; for the whole service, also the share of
    people in long-term support reviewed in the last 12 months (against its target)."""
    if service:
        charts = ("reviews-completed", "review-impact", "reviewed-12m")
        return _section(b, "reviews", charts, measures=("reviewed_share",))
    return _section(b, "reviews", ("reviews-completed", "review-impact"))


# Where the money moved (docs/spend-movement.md): each waterfall's steps, (column, label, level).
BRIDGE_STEPS = (
    ("opening_weekly_cost", "Start of month", True),
    ("new_services_weekly", "New services", False),
    ("ended_services_weekly", "Ended services", False),
    ("review_changes_weekly", "Changes at review", False),
    ("other_changes_weekly", "Other changes", False),
    ("closing_weekly_cost", "End of month", True),
)
PRICE_VOLUME_STEPS = (
    ("previous_avg_daily_spend", "Last month", True),
    ("volume_effect", "Volume (placements)", False),
    ("price_effect", "Price (cost per placement)", False),
    ("avg_daily_spend", "This month", True),
)
WATERFALL_TABLE_MONTHS = 6


def _steps(row: Row | None, steps: tuple[tuple[str, str, bool], ...]) -> list[Step]:
    """A month's row as waterfall steps: withheld values (text) masked, missing ones empty."""
    out = []
    for column, label, level in steps:
        value = row.get(column) if row else None
        if isinstance(value, str):
            out.append(Step(label, None, level, masked=value))
        else:
            out.append(Step(label, None if value is None else float(value), level))
    return out


def _waterfall(b: PageBuilder, name: str, steps: tuple[tuple[str, str, bool], ...]) -> Waterfall:
    """The page's latest month as a waterfall, with its last months for the table."""
    rows = b.by_month("spend_movement")
    last = b.data.months[-1]
    history = [
        (month, _steps(rows.get(month), steps))
        for month in (month_add(last, -i) for i in range(WATERFALL_TABLE_MONTHS))
        if month in rows
    ]
    latest = _steps(rows.get(last), steps)
    spec = CHARTS[name]
    return Waterfall(f"chart-{name}", spec.title, spec.y_label, last, latest, history=history)


def spend_movement(b: PageBuilder) -> Section:
    """Where the money moved: the commitment bridge of the latest month, and the change in
    average daily spend on placements split into volume and price."""
    bridge = _waterfall(b, "commitment-bridge", BRIDGE_STEPS)
    price_volume = _waterfall(b, "placement-price-volume", PRICE_VOLUME_STEPS)
    return Section(
        "spend_movement", REPORTS["spend_movement"].title, [_panel(bridge), _panel(price_volume)]
    )


def has_spend_movement(b: PageBuilder) -> bool:
    """Whether the page's team (or service) has service lines to bridge."""
    return bool(b.data.team_rows("spend_movement", b.team))


def ordered(sections: list[Section], exceptions: set[str]) -> list[Section]:
    """Sections whose measures are in exception first; the rest in their usual order."""
    return sorted(sections, key=lambda s: not exceptions.intersection(s.measures))
