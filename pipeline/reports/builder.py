"""One page's data (the whole service, or one team): its rows of each report, suppressed when
the site is for outside the service and kept for the page's CSVs, and the chart series and
target lines made from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pipeline.reports.charts import Chart, Series
from pipeline.reports.data import ReportData, Row
from pipeline.reports.specs import REPORTS
from pipeline.reports.suppression import suppress_rows


class PageBuilder:
    """Rows and chart series for one page (the whole service, or one team)."""

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
        for r in current(self.data.rows["scorecard"]):  # ordered: exceptions first
            if r["team_code"] == self.team and r["worker_id"]:
                out.setdefault(r["worker_id"], []).append(r)
        return out

    def chart(self, name: str, title: str, y_label: str, series: list[Series], **kw: Any) -> Chart:
        return Chart(f"chart-{name}", title, y_label, list(self.data.months), series, **kw)


def current(rows: list[Row]) -> list[Row]:
    """The scorecard rows of the current period."""
    return [r for r in rows if r["is_current_period"]]


def scorecard_rows(data: ReportData, team: str | None) -> list[Row]:
    """The team's (or every team's and the service's) targets; workers' own targets are in the
    by-whom table, not here."""
    rows = [
        r
        for r in data.rows["scorecard"]
        if (team is None or r["team_code"] == team) and not r["worker_id"]
    ]
    return suppress_rows(rows, REPORTS["scorecard"]) if data.suppress else rows


def actions_rows(data: ReportData, team: str | None) -> list[Row]:
    return [r for r in data.rows["actions"] if team is None or r["team_code"] == team]
