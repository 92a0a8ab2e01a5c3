"""The report sections of a page: each a titled set of charts (panels), with the meeting's
questions beside every chart, and the measures whose exceptions bring the section to the top.

One function per report: `front_door`, `workload`, `completed`, `outcomes`, `placement_spend`,
`reviews`, `spend_movement`. `pages.py` chooses which a page shows; `layout.section_html`
writes them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.reports.builder import PageBuilder
from pipeline.reports.charts import PALETTE, Chart
from pipeline.reports.data import ReportData, Row, month_add
from pipeline.reports.specs import QUESTIONS, REPORTS, SERVICE
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
    """The chart with its questions for the meeting (specs.QUESTIONS)."""
    return Panel(chart, QUESTIONS[chart.chart_id.removeprefix("chart-")])


def front_door(b: PageBuilder) -> Section:
    rows = b.by_month("front_door")
    contacts = b.chart(
        "contacts",
        "Contacts to the front door each month",
        "Contacts (requests started)",
        [b.series(rows, "contacts_count", "Contacts")],
        target=b.target("contacts_count"),
        target_label="Target (monthly average)",
    )
    outcomes = b.chart(
        "contact-outcomes",
        "What happened to completed contacts",
        "Completed requests",
        [
            b.series(rows, "resolved_count", "Resolved at the front door"),
            b.series(rows, "referred_count", "Referred to specialist teams"),
            b.series(rows, "other_outcome_count", "Other outcome"),
        ],
    )
    conversion = b.chart(
        "conversion",
        "Share of completed contacts referred on to specialist services",
        "Referred / completed requests",
        [b.series(rows, "conversion_rate", "Referred share", kind="line", fill_zero=False)],
        unit="percent",
        target=b.target("conversion_rate"),
    )
    return Section(
        "front_door",
        REPORTS["front_door"].title,
        [_panel(contacts), _panel(outcomes), _panel(conversion)],
        measures=("contacts_count", "conversion_rate"),
    )


def workload(b: PageBuilder) -> Section:
    rows = b.by_month("team_workload")
    open_work = b.chart(
        "open-work",
        "Open assessments and reviews at month end",
        "Open work items",
        [
            b.series(rows, "allocated_count", "Allocated to a worker"),
            b.series(rows, "awaiting_allocation_count", "Awaiting allocation"),
        ],
    )
    due = b.chart(
        "due-overdue",
        "Work due each month and overdue at month end",
        "Work items",
        [
            b.series(rows, "due_in_month_count", "Due in the month"),
            b.series(rows, "overdue_count", "Overdue at month end", "line"),
        ],
        target=b.target("overdue_count"),
        target_label="Overdue target",
    )
    return Section(
        "team_workload",
        REPORTS["team_workload"].title,
        [_panel(open_work), _panel(due)],
        measures=("overdue_count",),
    )


def completed(b: PageBuilder) -> Section:
    rows = b.by_month("work_completed")
    done = b.chart(
        "completed",
        "Assessments and reviews completed each month",
        "Completed work items",
        [
            b.series(rows, "assessments_completed_count", "Assessments"),
            b.series(rows, "reviews_completed_count", "Reviews"),
        ],
    )
    on_time = b.chart(
        "on-time",
        "Share of work completed on time",
        "Completed by the due date",
        [b.series(rows, "completed_on_time_share", "On time", kind="line", fill_zero=False)],
        unit="percent",
        target=b.target("completed_on_time_share"),
    )
    return Section(
        "work_completed",
        REPORTS["work_completed"].title,
        [_panel(done), _panel(on_time)],
        measures=("completed_on_time_share",),
    )


def outcomes(b: PageBuilder, groups: list[str]) -> Section:
    """Completed assessments by outcome group, `groups` in order (each its own colour)."""
    rows = b.rows("assessment_outcomes")
    palette = dict(zip(groups, PALETTE, strict=False))
    series = []
    for group in groups:
        by_month = {r["month"]: r for r in rows if r["outcome_group"] == group}
        series.append(b.series(by_month, "completed_count", group, colour=palette[group]))
    chart = b.chart(
        "outcomes", "What completed assessments led to", "Completed assessments", series
    )
    return Section("assessment_outcomes", REPORTS["assessment_outcomes"].title, [_panel(chart)])


def outcome_groups(data: ReportData) -> list[str]:
    """The outcome groups, most common in the whole service first."""
    counts: dict[str, float] = {}
    for r in data.rows["assessment_outcomes"]:
        if r["team_code"] == SERVICE:
            counts[r["outcome_group"]] = counts.get(r["outcome_group"], 0) + r["completed_count"]
    return sorted(counts, key=lambda g: -counts[g])


def placement_spend(b: PageBuilder) -> Section:
    rows = b.rows("placement_spend")
    residential = {r["month"]: r for r in rows if r["service_type"].endswith("Residential care")}
    nursing = {r["month"]: r for r in rows if r["service_type"].endswith("Nursing care")}
    total = {r["month"]: r for r in rows if r["service_type"] == "All placements"}
    spend = b.chart(
        "placement-spend",
        "Average daily spend on residential and nursing placements",
        "Spend per day (GBP)",
        [
            b.series(residential, "avg_daily_spend", "Residential care"),
            b.series(nursing, "avg_daily_spend", "Nursing care"),
        ],
        unit="gbp",
        target=b.target("avg_daily_spend_placements"),
        target_label="Target (both together)",
    )
    cost = b.chart(
        "placement-cost",
        "Average daily cost per placement",
        "Cost per placement per day (GBP)",
        [
            b.series(
                total, "avg_daily_cost_per_placement", "All placements", "line", fill_zero=False
            )
        ],
        unit="gbp",
    )
    return Section(
        "placement_spend",
        REPORTS["placement_spend"].title,
        [_panel(spend), _panel(cost)],
        measures=("avg_daily_spend_placements",),
    )


def reviews(b: PageBuilder, service: bool) -> Section:
    """Reviews completed and their cost impact; for the whole service, also the share of
    people in long-term support reviewed in the last 12 months (against its target)."""
    rows = b.by_month("reviews")
    done = b.chart(
        "reviews-completed",
        "Reviews completed each month",
        "Completed reviews",
        [b.series(rows, "reviews_completed", "Reviews completed")],
    )
    impact = b.chart(
        "review-impact",
        "Net cost impact of reviews, annualised (below zero = saving)",
        "Change in yearly cost (GBP)",
        [b.series(rows, "net_annualised_change", "Net annualised change")],
        unit="gbp",
    )
    panels = [_panel(done), _panel(impact)]
    if service:
        reviewed = b.chart(
            "reviewed-12m",
            "People in long-term support reviewed in the last 12 months",
            "Share of people",
            [b.series(rows, "reviewed_share", "Reviewed", kind="line", fill_zero=False)],
            unit="percent",
            target=b.target("reviewed_share"),
        )
        panels.append(_panel(reviewed))
    return Section(
        "reviews",
        REPORTS["reviews"].title,
        panels,
        measures=("reviewed_share",) if service else (),
    )


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


def _waterfall(
    b: PageBuilder, name: str, title: str, y_label: str, steps: tuple[tuple[str, str, bool], ...]
) -> Waterfall:
    """The page's latest month as a waterfall, with its last months for the table."""
    rows = b.by_month("spend_movement")
    last = b.data.months[-1]
    history = [
        (month, _steps(rows.get(month), steps))
        for month in (month_add(last, -i) for i in range(WATERFALL_TABLE_MONTHS))
        if month in rows
    ]
    latest = _steps(rows.get(last), steps)
    return Waterfall(f"chart-{name}", title, y_label, last, latest, history=history)


def spend_movement(b: PageBuilder) -> Section:
    """Where the money moved: the commitment bridge of the latest month, and the change in
    average daily spend on placements split into volume and price."""
    bridge = _waterfall(
        b,
        "commitment-bridge",
        "Weekly committed cost: what moved it this month",
        "Committed cost a week (GBP)",
        BRIDGE_STEPS,
    )
    price_volume = _waterfall(
        b,
        "placement-price-volume",
        "Average daily spend on placements: volume and price",
        "Spend per day (GBP)",
        PRICE_VOLUME_STEPS,
    )
    return Section(
        "spend_movement", REPORTS["spend_movement"].title, [_panel(bridge), _panel(price_volume)]
    )


def has_spend_movement(b: PageBuilder) -> bool:
    """Whether the page's team (or service) has service lines to bridge."""
    return bool(b.data.team_rows("spend_movement", b.team))


def ordered(sections: list[Section], exceptions: set[str]) -> list[Section]:
    """Sections whose measures are in exception first; the rest in their usual order."""
    return sorted(sections, key=lambda s: not exceptions.intersection(s.measures))
