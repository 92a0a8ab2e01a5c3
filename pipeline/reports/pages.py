"""The two kinds of page, each written with the CSVs of what it shows beside it: the whole
service (headline tiles, exceptions, its report sections, the scorecard, actions and the list
of teams) and a team (exceptions, its sections, work by whom, scorecard and actions, and in
print the space for the meeting's new actions: the team page is the meeting pack)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.reports import sections as s
from pipeline.reports.builder import PageBuilder, actions_rows, current, scorecard_rows
from pipeline.reports.by_whom import by_whom_html
from pipeline.reports.data import ReportData, Row, month_add
from pipeline.reports.formatting import cell, csv_value
from pipeline.reports.layout import page, section_html
from pipeline.reports.specs import FRONT_DOOR_TYPES, SERVICE
from pipeline.reports.suppression import WITHHELD
from pipeline.reports.tables import (
    TeamLink,
    actions_table,
    exceptions_html,
    new_actions_html,
    scorecard_table,
    team_list,
    tile,
)


def service_page(data: ReportData, out: Path, team_pages: dict[str, str]) -> None:
    """`out/index.html` for the whole service, with its CSVs."""
    builder = PageBuilder(data, SERVICE)
    scorecard = scorecard_rows(data, None)
    exceptions_of_service = {
        r["measure"] for r in current(scorecard) if r["is_exception"] and r["team_code"] == SERVICE
    }
    link: TeamLink = team_pages.get
    sections = s.ordered(
        [
            s.front_door(builder),
            s.placement_spend(builder),
            s.spend_movement(builder),
            s.reviews(builder, service=True),
            s.workload(builder),
            s.completed(builder),
            s.outcomes(builder, s.outcome_groups(data)),
        ],
        exceptions_of_service,
    )
    actions = actions_rows(data, None)
    body = [_headlines(data, builder, scorecard), exceptions_html(scorecard, True, link)]
    body += [section_html(section, f"{section.key}.csv") for section in sections]
    body += _scorecard_and_actions(scorecard, actions, True, link)
    body.append(team_list(data, scorecard, team_pages))
    _write_csvs(out, data, builder, scorecard, actions)
    html = page("Adult social care performance: whole service", data, "\n".join(body), "#")
    (out / "index.html").write_text(html, encoding="utf-8")


def team_page(data: ReportData, team: Row, folder: Path) -> None:
    """`folder/index.html` for one team, with its CSVs: a front door team's page shows the
    front door; another team's its workload, work completed, outcomes and (if it did any)
    reviews."""
    code = team["team_code"]
    builder = PageBuilder(data, code)
    scorecard = scorecard_rows(data, code)
    exceptions = {r["measure"] for r in current(scorecard) if r["is_exception"]}
    if team["team_type"] in FRONT_DOOR_TYPES:
        sections = [s.front_door(builder)]
    else:
        sections = [
            s.workload(builder),
            s.completed(builder),
            s.outcomes(builder, s.outcome_groups(data)),
        ]
        if any(r["reviews_completed"] for r in data.team_rows("reviews", code)):
            sections.append(s.reviews(builder, service=False))
    if s.has_spend_movement(builder):
        sections.append(s.spend_movement(builder))
    sections = s.ordered(sections, exceptions)

    def link(_team: str) -> str | None:
        return None

    actions = actions_rows(data, code)
    body = [exceptions_html(scorecard, False, link)]
    body += [section_html(section, f"{section.key}.csv") for section in sections]
    if not data.suppress:  # worker rows stay inside the service
        body.append(by_whom_html(data, builder))
    body += _scorecard_and_actions(scorecard, actions, False, link)
    body.append(new_actions_html())  # printed only: the meeting pack's last page
    folder.mkdir(parents=True, exist_ok=True)
    _write_csvs(folder, data, builder, scorecard, actions)
    title = f"{team['team_name']} ({team['team_type']}): team performance"
    html = page(title, data, "\n".join(body), "../../index.html")
    (folder / "index.html").write_text(html, encoding="utf-8")


def _scorecard_and_actions(
    scorecard: list[Row], actions: list[Row], with_team: bool, link: TeamLink
) -> list[str]:
    """The scorecard of this period and the actions log, the last sections of every page."""
    return [
        "<section id='scorecard'><h2>Scorecard, this period (exceptions first)</h2>"
        + scorecard_table(current(scorecard), with_team, link)
        + "<p class='csv'>Data, every period: <a href='scorecard.csv'>scorecard.csv</a></p>"
        "</section>",
        "<section id='actions'><h2>Actions (overdue first)</h2>"
        + actions_table(actions, with_team)
        + "<p class='csv'>Data: <a href='actions.csv'>actions.csv</a></p></section>",
    ]


def _write_csvs(
    folder: Path, data: ReportData, builder: PageBuilder, scorecard: list[Row], actions: list[Row]
) -> None:
    """A CSV of each report the page drew from (its rows as shown), the scorecard's rows of
    every period and the actions."""
    for key, rows in builder.csv_rows.items():
        write_csv(folder / f"{key}.csv", data.columns[key], rows)
    write_csv(folder / "scorecard.csv", data.columns["scorecard"], scorecard)
    write_csv(folder / "actions.csv", data.columns["actions"], actions)


def write_csv(path: Path, columns: list[str], rows: list[Row]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_value(row.get(c)) for c in columns])


def _headlines(data: ReportData, builder: PageBuilder, scorecard: list[Row]) -> str:
    """The service page's tiles: the latest month's headline figures with their RAG."""
    last = data.months[-1]
    label = last.strftime("%B %Y")
    rag = {r["measure"]: r["rag"] for r in scorecard if r["team_code"] == SERVICE}

    def latest(key: str, column: str, where: Callable[[Row], bool] | None = None) -> Any:
        row = builder.by_month(key, where).get(last)
        return row.get(column) if row else None

    def show(value: Any, unit: str = "count") -> str:
        return cell(value, unit) or "-"

    annual = [
        r["net_annualised_change"]
        for r in builder.rows("reviews")
        if r["month"] > month_add(last, -12)
    ]
    annual_total = (
        WITHHELD if any(isinstance(v, str) for v in annual) else sum(v or 0 for v in annual)
    )
    actions = actions_rows(data, None)
    tiles = [
        tile("Contacts to the front door", show(latest("front_door", "contacts_count")), label,
             rag.get("contacts_count")),
        tile("Referred to specialist services",
             show(latest("front_door", "referred_count")),
             f"{show(latest('front_door', 'conversion_rate'), 'percent')} of completed, {label}",
             rag.get("conversion_rate")),
        tile("Average daily spend on placements",
             show(latest("placement_spend", "avg_daily_spend",
                         lambda r: r["service_type"] == "All placements"), "gbp"),
             label, rag.get("avg_daily_spend_placements")),
        tile("Reviews completed", show(latest("reviews", "reviews_completed")), label),
        tile("Reviewed in the last 12 months",
             show(latest("reviews", "reviewed_share"), "percent"),
             f"of people in long-term support, {label}", rag.get("reviewed_share")),
        tile("Net cost impact of reviews", show(annual_total, "gbp"),
             "a year, reviews of the last 12 months"),
        tile("Overdue work", show(latest("team_workload", "overdue_count")),
             f"at the end of {label}", rag.get("overdue_count")),
        tile("Actions overdue", str(sum(1 for r in actions if r["is_overdue"])),
             f"{sum(1 for r in actions if r['is_open'])} open"),
    ]  # fmt: skip
    return f'<section class="headlines"><h2>Headline measures</h2><div class="tiles">{"".join(tiles)}</div></section>'  # noqa: E501
