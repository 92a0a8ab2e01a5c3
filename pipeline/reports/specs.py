"""Which reports there are: the query of each in `reports_sql/`, its title, and which of its
columns are counts (suppressed on pages for outside the service) or computed from counts.

Also what each chart draws, the by-whom table's columns and the questions each chart puts to
the performance meeting: what a page says, as data; `sections.py` and `by_whom.py` lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.transform.dbt_project import PROJECT_DIR

REPORTS_SQL_DIR = PROJECT_DIR / "reports_sql"
# The whole service's rows carry this team code.
SERVICE = "ALL"
FRONT_DOOR_TYPES = frozenset({"Front door"})


@dataclass(frozen=True)
class ReportSpec:
    """A query in reports_sql/ and how its columns are protected when counts are suppressed."""

    key: str
    title: str
    counts: tuple[str, ...] = ()
    # column -> the counts it is computed from: withheld when one of them is suppressed.
    dependents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Columns that add up (a bridge): when one is withheld, all are (else subtraction finds it).
    together: tuple[str, ...] = ()


# Where the money moved (docs/spend-movement.md): each bridge amount from its lines, the
# placement figures from this month's placement lines, their change also from last month's.
SPEND_MOVEMENT_BRIDGE = (
    "opening_weekly_cost",
    "new_services_weekly",
    "ended_services_weekly",
    "review_changes_weekly",
    "other_changes_weekly",
    "closing_weekly_cost",
    "net_commitment_change",
)
SPEND_MOVEMENT_COUNTS = (
    "opening_lines_count",
    "new_lines_count",
    "ended_lines_count",
    "review_change_lines_count",
    "other_change_lines_count",
    "closing_lines_count",
    "placement_lines_count",
    "previous_placement_lines_count",
)
_PLACEMENTS = ("placement_lines_count",)
_CHANGE = ("placement_lines_count", "previous_placement_lines_count")
SPEND_MOVEMENT_DEPENDENTS = {
    "opening_weekly_cost": ("opening_lines_count",),
    "new_services_weekly": ("new_lines_count",),
    "ended_services_weekly": ("ended_lines_count",),
    "review_changes_weekly": ("review_change_lines_count",),
    "other_changes_weekly": ("other_change_lines_count",),
    "closing_weekly_cost": ("closing_lines_count",),
    "net_commitment_change": ("opening_lines_count", "closing_lines_count"),
    "avg_daily_spend": _PLACEMENTS,
    "avg_active_placements": _PLACEMENTS,
    "avg_daily_cost_per_placement": _PLACEMENTS,
    "previous_avg_daily_spend": ("previous_placement_lines_count",),
    "avg_daily_spend_change": _CHANGE,
    "volume_effect": _CHANGE,
    "price_effect": _CHANGE,
}

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
        ReportSpec(
            "spend_movement",
            "Where the money moved: commitment bridge, placement volume and price",
            counts=SPEND_MOVEMENT_COUNTS,
            dependents=SPEND_MOVEMENT_DEPENDENTS,
            together=SPEND_MOVEMENT_BRIDGE,
        ),
        # Worker rows: never on pages for outside the service (see by_whom.py).
        ReportSpec("by_whom", "Work by whom"),
        ReportSpec("scorecard", "Scorecard: targets, exceptions first"),
        ReportSpec("actions", "Actions"),
    )
}
# Scorecard measures whose actual is a count (suppressed like one).
COUNT_MEASURES = frozenset({"contacts_count", "overdue_count"})

# The by-whom table on team pages: its trend's months, and its figures (column, heading, unit).
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


@dataclass(frozen=True)
class SeriesSpec:
    """One series of a chart: a column of the section's report, month by month."""

    column: str
    label: str
    kind: str = "bar"  # bar or line
    # A month without a row: zero where the column counts (nothing happened), else a gap.
    fill_zero: bool = True
    # Only the rows where this column has this value (reports with several rows a month).
    where: tuple[str, str] | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A chart of a report section: its title, y-axis label, series and target line."""

    title: str
    y_label: str
    series: tuple[SeriesSpec, ...]
    unit: str = "count"  # count, percent, gbp
    target: str | None = None  # the scorecard measure whose target the chart draws
    target_label: str = "Target"


def _rate(column: str, label: str) -> SeriesSpec:
    """A share or average drawn as a line, with gaps where there is nothing to divide."""
    return SeriesSpec(column, label, "line", fill_zero=False)


# Chart name (its id without `chart-`) -> what it draws. The report sections (`sections.py`)
# say which charts each section shows; the waterfalls and outcome groups are drawn there.
CHARTS: dict[str, ChartSpec] = {
    "contacts": ChartSpec(
        "Contacts to the front door each month",
        "Contacts (requests started)",
        (SeriesSpec("contacts_count", "Contacts"),),
        target="contacts_count",
        target_label="Target (monthly average)",
    ),
    "contact-outcomes": ChartSpec(
        "What happened to completed contacts",
        "Completed requests",
        (
            SeriesSpec("resolved_count", "Resolved at the front door"),
            SeriesSpec("referred_count", "Referred to specialist teams"),
            SeriesSpec("other_outcome_count", "Other outcome"),
        ),
    ),
    "conversion": ChartSpec(
        "Share of completed contacts referred on to specialist services",
        "Referred / completed requests",
        (_rate("conversion_rate", "Referred share"),),
        unit="percent",
        target="conversion_rate",
    ),
    "open-work": ChartSpec(
        "Open assessments and reviews at month end",
        "Open work items",
        (
            SeriesSpec("allocated_count", "Allocated to a worker"),
            SeriesSpec("awaiting_allocation_count", "Awaiting allocation"),
        ),
    ),
    "due-overdue": ChartSpec(
        "Work due each month and overdue at month end",
        "Work items",
        (
            SeriesSpec("due_in_month_count", "Due in the month"),
            SeriesSpec("overdue_count", "Overdue at month end", "line"),
        ),
        target="overdue_count",
        target_label="Overdue target",
    ),
    "completed": ChartSpec(
        "Assessments and reviews completed each month",
        "Completed work items",
        (
            SeriesSpec("assessments_completed_count", "Assessments"),
            SeriesSpec("reviews_completed_count", "Reviews"),
        ),
    ),
    "on-time": ChartSpec(
        "Share of work completed on time",
        "Completed by the due date",
        (_rate("completed_on_time_share", "On time"),),
        unit="percent",
        target="completed_on_time_share",
    ),
    "placement-spend": ChartSpec(
        "Average daily spend on residential and nursing placements",
        "Spend per day (GBP)",
        (
            SeriesSpec(
                "avg_daily_spend",
                "Residential care",
                where=("service_type", "Long term support: Residential care"),
            ),
            SeriesSpec(
                "avg_daily_spend",
                "Nursing care",
                where=("service_type", "Long term support: Nursing care"),
            ),
        ),
        unit="gbp",
        target="avg_daily_spend_placements",
        target_label="Target (both together)",
    ),
    "placement-cost": ChartSpec(
        "Average daily cost per placement",
        "Cost per placement per day (GBP)",
        (
            SeriesSpec(
                "avg_daily_cost_per_placement",
                "All placements",
                "line",
                fill_zero=False,
                where=("service_type", "All placements"),
            ),
        ),
        unit="gbp",
    ),
    "reviews-completed": ChartSpec(
        "Reviews completed each month",
        "Completed reviews",
        (SeriesSpec("reviews_completed", "Reviews completed"),),
    ),
    "review-impact": ChartSpec(
        "Net cost impact of reviews, annualised (below zero = saving)",
        "Change in yearly cost (GBP)",
        (SeriesSpec("net_annualised_change", "Net annualised change"),),
        unit="gbp",
    ),
    "reviewed-12m": ChartSpec(
        "People in long-term support reviewed in the last 12 months",
        "Share of people",
        (_rate("reviewed_share", "Reviewed"),),
        unit="percent",
        target="reviewed_share",
    ),
}


# Chart name (its id without `chart-`) -> the questions for the meeting beside it.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "contacts": (
        "Are contacts rising or falling, and do we know why (season, a new route in, repeat "
        "contacts)?",
        "In the months above target, what was different?",
        "Which contacts could have been answered by information and advice online or by a partner?",
    ),
    "contact-outcomes": (
        "Is the share resolved at the front door holding up?",
        "Are referrals reaching the right specialist team first time?",
    ),
    "conversion": (
        "Is a rising share a sign of more complex need, or of contacts that could have been "
        "resolved earlier?",
        "What do the specialist teams say about the referrals they receive?",
    ),
    "open-work": (
        "Is the work awaiting allocation growing, and who is waiting longest?",
        "Does the team have the capacity for the work it holds?",
    ),
    "due-overdue": (
        "Which overdue items can be finished this month, and by whom?",
        "Is work falling overdue because of allocation delays or because of how long the work "
        "takes?",
        "What is due next month, and is it planned for?",
    ),
    "completed": (
        "Is the team completing more or less work than in the same months last year?",
        "What operational decisions changed the number completed?",
    ),
    "on-time": (
        "In the months below target, what held the work up?",
        "Are due dates being set in the same way by everyone?",
    ),
    "outcomes": (
        "Is the mix of outcomes changing: more people supported without services, or more to "
        "residential and nursing care?",
        "Do outcomes differ from similar teams, and why?",
    ),
    "placement-spend": (
        "Is daily spend moving because there are more placements or because each costs more?",
        "Which new placements could have been supported at home?",
    ),
    "placement-cost": (
        "Are new placements agreed at higher rates than the ones ending?",
        "Where are fee uplifts or top-ups driving the cost?",
    ),
    "commitment-bridge": (
        "Which new services and ended services moved the commitment most, and were they expected?",
        "Did changes at review lower or raise the weekly cost, and what made the difference?",
        "What are the other changes (uplifts, corrections), and who agreed them?",
    ),
    "placement-price-volume": (
        "Is placement spend moving because there are more placements or because each costs more?",
        "Where the price rose, was it new placements at higher rates or fee uplifts?",
    ),
    "reviews-completed": (
        "Are reviews keeping pace with the people who are due one?",
        "Which reviews are planned, and which came from a crisis?",
    ),
    "review-impact": (
        "Which reviews lowered the cost of care, and what made that possible?",
        "Where costs rose, was it a change in need that the review found?",
    ),
    "reviewed-12m": (
        "Who has gone longest without a review, and when is it planned?",
        "Is the reviews team's capacity matched to the people due a review?",
    ),
}
