"""Which reports there are: the query of each in `reports_sql/`, its title, and which of its
columns are counts (suppressed on pages for outside the service) or computed from counts.

Also the by-whom table's columns, and (from `charts.toml`) what each chart draws and the
questions it puts to the performance meeting: what a page says, as data; `sections.py` and
`by_whom.py` lay it out.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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
    """A chart of a report section: its title, y-axis label, series, target line and the
    questions it puts to the meeting."""

    title: str
    y_label: str
    questions: tuple[str, ...]
    series: tuple[SeriesSpec, ...] = ()
    unit: str = "count"  # count, percent, gbp
    target: str | None = None  # the scorecard measure whose target the chart draws
    target_label: str = "Target"


def _charts(path: Path) -> dict[str, ChartSpec]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    out = {}
    for name, c in data.items():
        series = tuple(
            SeriesSpec(**{**s, "where": tuple(s["where"]) if "where" in s else None})
            for s in c.pop("series", ())
        )
        out[name] = ChartSpec(**{**c, "questions": tuple(c["questions"])}, series=series)
    return out


# Chart name (its id without `chart-`) -> what it draws and asks: charts.toml, beside this file.
CHARTS: dict[str, ChartSpec] = _charts(Path(__file__).with_name("charts.toml"))
