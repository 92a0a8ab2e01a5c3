"""The standard reports and the served warehouse, on a small demo borough run once.

Renders the static site, opens it in headless Chromium (Debian's `chromium`), checks every
chart drew and nothing failed or left the machine, and keeps screenshots in tests/artifacts/.
Also: suppression, personal data, every team's page, the dbt docs site, DuckDB 1.x readers,
SQLAlchemy (duckdb_engine) read-only, and the freshness checks.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.reports import (
    REPORTS,
    REPORTS_SQL_DIR,
    render_reports,
    render_reports_into,
    slug,
)
from pipeline.reports.charts import format_value
from pipeline.reports.suppression import suppress_rows
from tests.browser import Browser, start_browser
from tests.personal_data import assert_no_personal_data, personal_values

ARTIFACTS = Path(__file__).parent / "artifacts"
# The oldest DuckDB 1.x Python client, and the newest 1.x CLI (PyPI package `duckdb-cli`).
DUCKDB_1X_VERSIONS = os.environ.get("PRIMED_DUCKDB_1X_VERSIONS", "1.0.0").split(",")
DUCKDB_1X_CLI = os.environ.get("PRIMED_DUCKDB_1X_CLI", "1.5.6")
TEAM_REPORTS = ("team_workload", "work_completed", "assessment_outcomes")
SERVICE_REPORTS = (
    "front_door",
    "placement_spend",
    "spend_movement",
    "reviews",
    "team_workload",
    "work_completed",
    "assessment_outcomes",
    "scorecard",
    "actions",
)


@pytest.fixture(scope="module")
def demo(demo_module_copy):
    landing, paths = demo_module_copy  # rendered into its release: the module's own copy
    site = render_reports(paths.root)
    return landing, paths, site


@pytest.fixture(scope="module")
def teams(demo) -> list[dict]:
    _, paths, _ = demo
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        rows = con.execute("select team_code, team_name, team_type from marts.dim_team").fetchall()
    finally:
        con.close()
    return [dict(zip(("team_code", "team_name", "team_type"), r, strict=True)) for r in rows]


@pytest.fixture(scope="module")
def suppressed_site(demo, tmp_path_factory) -> Path:
    _, paths, _ = demo
    out = tmp_path_factory.mktemp("suppressed")
    return render_reports_into(out, paths.published_db, suppress_small_counts=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def site_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.suffix in (".html", ".csv"))


# --------------------------------------------------------------------------- the SQL


def test_report_queries_read_only_published_marts():
    files = sorted(REPORTS_SQL_DIR.glob("*.sql"))
    assert {f.stem for f in files} == set(REPORTS)
    for f in files:
        sql = re.sub(r"--[^\n]*", "", f.read_text())
        ctes = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s+as\s*\(", sql))
        for name in re.findall(r"\b(?:from|join)\s+([a-z_][a-z0-9_.]*)", sql):
            assert name.startswith("marts.") or name in ctes, f"{f.name} reads {name}"


# --------------------------------------------------------------------------- the site


def test_site_has_the_service_page_and_every_team_page(demo, teams):
    _, paths, site = demo
    assert site == paths.published / "reports"
    assert (site / "index.html").is_file()
    # Written into the release the published symlink points to.
    assert site.resolve().parent == paths.published.resolve()
    index = (site / "index.html").read_text()
    for name in SERVICE_REPORTS:
        assert (site / f"{name}.csv").is_file(), name
    for team in teams:
        folder = site / "teams" / slug(team["team_code"])
        assert (folder / "index.html").is_file(), team
        assert f"href='teams/{slug(team['team_code'])}/index.html'" in index
        front_door = team["team_type"] == "Front door"
        expected = ("front_door",) if front_door else TEAM_REPORTS
        for name in (*expected, "scorecard", "actions"):
            assert (folder / f"{name}.csv").is_file(), (team, name)
        page = (folder / "index.html").read_text()
        if front_door:
            assert 'id="chart-contacts"' in page and 'id="chart-open-work"' not in page
        else:
            assert 'id="chart-open-work"' in page and 'id="chart-contacts"' not in page


def test_pages_carry_the_data_date_and_run_id_and_fetch_nothing(demo):
    _, paths, site = demo
    con = duckdb.connect(str(paths.published_db), read_only=True)
    run_id, data_date = con.execute("select run_id, data_date from marts._release").fetchall()[0]
    con.close()
    pages = [p for p in site_files(site) if p.suffix == ".html"]
    assert len(pages) > 5
    for page in pages:
        html = page.read_text()
        assert f'content="{run_id}"' in html and run_id in html, page
        assert data_date.strftime("%d %B %Y") in html, page
        assert "<script" not in html.lower() and "@import" not in html
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), page
        assert "url(" not in html
        # Exceptions come before the charts.
        assert html.index('id="exceptions"') < html.index('class="report-section"')


def test_csvs_match_the_marts(demo):
    _, paths, site = demo
    rows = read_csv(site / "teams" / "eal-arc" / "front_door.csv")
    assert len(rows) == 24
    con = duckdb.connect(str(paths.published_db), read_only=True)
    expected = dict(
        con.execute(
            "select month, contacts_count from marts.rpt_front_door_monthly "
            "where team_code = 'EAL-ARC'"
        ).fetchall()
    )
    con.close()
    for row in rows:
        assert int(row["contacts_count"]) == expected[date.fromisoformat(row["month"])]
    scorecard = read_csv(site / "scorecard.csv")
    flags = [r["is_exception"] == "true" for r in scorecard if r["is_current_period"] == "true"]
    assert flags == sorted(flags, reverse=True), "exceptions first"


def _bridge_adds_up(rows: list[dict[str, str]]) -> None:
    """A spend_movement CSV's bridge, to the penny: start + movements = end each month, and
    each month starts where the one before ended; volume + price = the change in placement
    spend (the CSV's six significant figures aside)."""
    from decimal import Decimal

    previous = None
    for row in rows:
        start, end = Decimal(row["opening_weekly_cost"]), Decimal(row["closing_weekly_cost"])
        moved = sum(Decimal(row[c]) for c in BRIDGE[1:5])
        assert start + moved == end, row
        assert end - start == Decimal(row["net_commitment_change"]), row
        if previous is not None:
            assert start == Decimal(previous["closing_weekly_cost"]), (previous, row)
        if row["avg_daily_spend_change"]:
            split = float(row["volume_effect"]) + float(row["price_effect"])
            change = float(row["avg_daily_spend_change"])
            assert abs(split - change) <= 0.01 + 1e-5 * abs(change), row
        previous = row


def test_spend_movement_bridge_adds_up_and_is_drawn(demo, teams):
    """Where the money moved: the service page and every team page with service lines show
    the commitment bridge and the placement split as waterfalls of the latest month, with
    spend_movement.csv beside them: its bridge adds up and chains month to month, its rows
    are the mart's, and the waterfall's end bar is the CSV's latest end."""
    _, paths, site = demo
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        mart = {
            (r[0], r[1]): r[2]
            for r in con.execute(
                "select team_code, month, closing_weekly_cost from marts.report_spend_movement"
            ).fetchall()
        }
    finally:
        con.close()
    with_lines = {team for team, _ in mart if team != "ALL"}
    pages = [(site, "ALL")] + [
        (site / "teams" / slug(t["team_code"]), t["team_code"])
        for t in teams
        if t["team_code"] in with_lines
    ]
    assert len(pages) > 5
    for folder, team in pages:
        rows = read_csv(folder / "spend_movement.csv")
        assert len(rows) == 24 and {r["team_code"] for r in rows} == {team}, folder
        _bridge_adds_up(rows)
        for row in rows:
            assert float(row["closing_weekly_cost"]) == float(
                mart[(team, date.fromisoformat(row["month"]))]
            )
        html = (folder / "index.html").read_text()
        section = re.search(r'id="spend_movement">(.*?)</section>', html, re.S).group(1)
        bridge = re.search(
            r'<svg [^>]*id="chart-commitment-bridge"[^>]*>(.*?)</svg>', section, re.S
        )
        assert 'data-marks="6"' in bridge.group(0), folder  # start, four movements, end
        end = format_value(float(rows[-1]["closing_weekly_cost"]), "gbp")
        assert f"End of month, {date.fromisoformat(rows[-1]['month']):%b %y}: {end}</title>" in (
            bridge.group(1)
        )
        assert 'id="chart-placement-price-volume"' in section
        assert "url(" not in section  # stripes drawn as lines: prints the same everywhere
    # Not on the pages of teams that hold no service lines.
    for team in teams:
        if team["team_code"] not in with_lines:
            folder = site / "teams" / slug(team["team_code"])
            assert 'id="spend_movement"' not in (folder / "index.html").read_text()
            assert not (folder / "spend_movement.csv").exists()
    # The whole service is the teams summed.
    service = read_csv(site / "spend_movement.csv")
    month = service[-1]["month"]
    teams_sum = sum(
        float(r["closing_weekly_cost"])
        for t in with_lines
        for r in read_csv(site / "teams" / slug(t) / "spend_movement.csv")
        if r["month"] == month
    )
    assert abs(teams_sum - float(service[-1]["closing_weekly_cost"])) < 0.01


def _ids(paths, table: str, column: str) -> set[str]:
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        rows = con.execute(f"select {column} from marts.{table}").fetchall()
    finally:
        con.close()
    return {r[0] for r in rows if r[0] and len(r[0]) >= 4}


def _without_by_whom(text: str) -> str:
    return re.sub(
        r'<section class="report-section" id="by_whom">.*?</section>', "", text, flags=re.S
    )


def test_no_personal_data_in_pages_or_csvs(demo, suppressed_site):
    landing, paths, site = demo
    # Person pseudonyms are not for pages either; worker ids (staff pseudonyms) only in the
    # by-whom section of team pages and its CSV, and never on pages for outside the service.
    values = personal_values(landing) | _ids(paths, "dim_person", "person_id")
    workers = _ids(paths, "dim_worker", "worker_id")
    assert len(values) > 1000 and len(workers) > 50
    texts = [(str(p.relative_to(site)), p.read_text()) for p in site_files(site)]
    assert assert_no_personal_data(texts, values) > 10
    outside_by_whom = [(n, _without_by_whom(t)) for n, t in texts if not n.endswith("by_whom.csv")]
    assert assert_no_personal_data(outside_by_whom, workers) > 10
    suppressed = [(str(p), p.read_text()) for p in site_files(suppressed_site)]
    assert assert_no_personal_data(suppressed, values | workers) > 10


def test_team_pages_show_work_by_whom_exceptions_first(demo, teams, suppressed_site):
    """Each team page lists the team's workers at the latest month end with their overdue
    trend: the figures are the mart's, the most overdue first, the team's unallocated work
    last; a team's workers add up to its workload report; suppressed pages carry none."""
    _, paths, site = demo
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        mart = {
            (r[0], r[1]): r[2:]
            for r in con.execute(
                "select team_code, worker_id, allocated_count, overdue_count, "
                "oldest_open_age_days, completed_count from marts.rpt_worker_workload_monthly "
                "where month_end = (select max(month_end) from marts.rpt_worker_workload_monthly)"
            ).fetchall()
        }
    finally:
        con.close()
    html = (site / "teams" / "eal-lt1" / "index.html").read_text()
    section = re.search(r'id="by_whom">(.*?)</section>', html, re.S).group(1)
    rows = re.findall(
        r"<tr( class='exception')?><th scope='row'[^>]*>([^<]+)</th>(.*?)</tr>", section
    )
    assert len(rows) > 5
    # Workers missing their own target (targets.csv names LT1's workers) come first.
    red = [worker for flagged, worker, _ in rows if flagged]
    assert red and [w for _, w, _ in rows[: len(red)]] == red, "exceptions first"
    assert all("rag-red" in cells for flagged, _, cells in rows if flagged)
    overdue = []
    for flagged, worker, cells in rows:
        # FTE, open, due, overdue, oldest open, completed, on time, per FTE
        numbers = [n.replace(",", "") for n in re.findall(r"<td>([^<]*)</td>", cells)]
        if worker == "No worker":
            assert worker == rows[-1][1], "the team's unallocated work comes last"
            continue
        allocated, overdue_count, oldest, completed = mart[("EAL-LT1", worker)]
        assert numbers[1] == str(allocated) and numbers[3] == str(overdue_count), worker
        assert numbers[4] == ("" if oldest is None else str(oldest)), worker
        assert numbers[5] == str(completed), worker
        if not flagged:
            overdue.append(overdue_count)
    assert overdue == sorted(overdue, reverse=True), "then the most overdue"
    sparks = re.findall(r'<svg [^>]*class="spark"[^>]*data-marks="(\d+)"', section)
    assert len(sparks) == len(rows) and all(int(n) == 12 for n in sparks)
    # The CSV beside the page holds the team's worker rows of the page's months.
    by_whom = read_csv(site / "teams" / "eal-lt1" / "by_whom.csv")
    assert {r["team_code"] for r in by_whom} == {"EAL-LT1"} and len(by_whom) > 100
    # Team pages only: not the service page, and no worker rows on suppressed pages.
    assert 'id="by_whom"' not in (site / "index.html").read_text()
    for team in teams:
        page = site / "teams" / slug(team["team_code"]) / "index.html"
        assert 'id="by_whom"' in page.read_text(), page
        suppressed = suppressed_site / "teams" / slug(team["team_code"])
        assert 'id="by_whom"' not in (suppressed / "index.html").read_text()
        assert not (suppressed / "by_whom.csv").exists()


# What suppression protects, written out here from the rule (counts of 1 to 4 shown as `<5`,
# what is computed from them withheld as `[c]`, zero shown), not read from pipeline.reports.
# Counts: every column named *_count, and these.
OTHER_COUNTS = frozenset({"reviews_completed", "eligible_people", "reviewed_people"})
# A column computed from counts -> the counts it is computed from.
COMPUTED_FROM = {
    "completed_on_time_share": ("completed_on_time_count", "completed_with_due_date_count"),
    "completed_per_fte": ("completed_count",),
    "share_of_month": ("completed_count", "month_completed_count"),
    "conversion_rate": ("referred_count", "completed_count"),
    "cost_before_weekly": ("reviews_completed",),
    "cost_after_weekly": ("reviews_completed",),
    "net_weekly_change": ("reviews_completed",),
    "net_annualised_change": ("reviews_completed",),
    "reviewed_share": ("reviewed_people", "eligible_people"),
    # Where the money moved: each bridge amount from its lines; placement figures from this
    # month's placement lines, their change also from last month's.
    "opening_weekly_cost": ("opening_lines_count",),
    "new_services_weekly": ("new_lines_count",),
    "ended_services_weekly": ("ended_lines_count",),
    "review_changes_weekly": ("review_change_lines_count",),
    "other_changes_weekly": ("other_change_lines_count",),
    "closing_weekly_cost": ("closing_lines_count",),
    "net_commitment_change": ("opening_lines_count", "closing_lines_count"),
    "avg_daily_spend": ("placement_lines_count",),
    "avg_active_placements": ("placement_lines_count",),
    "avg_daily_cost_per_placement": ("placement_lines_count",),
    "previous_avg_daily_spend": ("previous_placement_lines_count",),
    "avg_daily_spend_change": ("placement_lines_count", "previous_placement_lines_count"),
    "volume_effect": ("placement_lines_count", "previous_placement_lines_count"),
    "price_effect": ("placement_lines_count", "previous_placement_lines_count"),
}
# Amounts that add up: one withheld withholds them all (else subtraction finds it).
BRIDGE = (
    "opening_weekly_cost",
    "new_services_weekly",
    "ended_services_weekly",
    "review_changes_weekly",
    "other_changes_weekly",
    "closing_weekly_cost",
    "net_commitment_change",
)
# Scorecard measures whose actual is a count.
COUNTED_MEASURES = frozenset({"contacts_count", "overdue_count"})


def _small(text: str) -> bool:
    return text not in ("", "<5", "[c]") and 0 < float(text) < 5


def expected_suppressed(report: str, row: dict[str, str]) -> dict[str, str]:
    """A row of a report's CSV on the unsuppressed site as the suppressed site must show it."""
    out = dict(row)
    small = {c for c, v in row.items() if (c.endswith("_count") or c in OTHER_COUNTS) and _small(v)}
    for column in small:
        out[column] = "<5"
    for column, sources in COMPUTED_FROM.items():
        if row.get(column) and small.intersection(sources):
            out[column] = "[c]"
    if report == "scorecard" and row["measure"] in COUNTED_MEASURES and _small(row["actual"]):
        out["actual"], out["difference"] = "<5", "[c]"
    if report == "spend_movement" and any(out[c] == "[c]" for c in BRIDGE):
        out.update({c: "[c]" for c in BRIDGE if row[c]})
    return out


def test_suppress_rows_hides_small_counts_and_what_is_computed_from_them():
    completed = {
        "team_code": "EAL-LT1",
        "completed_count": 3,
        "assessments_completed_count": 2,
        "reviews_completed_count": 1,
        "requests_completed_count": 0,
        "completed_on_time_count": 5,
        "completed_late_count": 7,
        "completed_with_due_date_count": 12,
        "completed_on_time_share": 5 / 12,
        "team_fte": 4.5,
        "completed_per_fte": 3 / 4.5,
    }
    assert suppress_rows([completed], REPORTS["work_completed"]) == [
        {
            "team_code": "EAL-LT1",
            "completed_count": "<5",
            "assessments_completed_count": "<5",
            "reviews_completed_count": "<5",
            "requests_completed_count": 0,  # zero is shown
            "completed_on_time_count": 5,  # 5 is not small
            "completed_late_count": 7,
            "completed_with_due_date_count": 12,
            "completed_on_time_share": 5 / 12,  # from 5 and 12: shown
            "team_fte": 4.5,
            "completed_per_fte": "[c]",  # from a count of 3
        }
    ]
    late = {
        **completed,
        "completed_count": 12,
        "completed_on_time_count": 4,
        "completed_per_fte": None,
    }
    [row] = suppress_rows([late], REPORTS["work_completed"])
    assert (row["completed_count"], row["completed_on_time_count"]) == (12, "<5")
    assert row["completed_on_time_share"] == "[c]" and row["completed_per_fte"] is None
    front_door = {
        "contacts_count": 40,
        "completed_count": 30,
        "referred_count": 2,
        "resolved_count": 28,
        "other_outcome_count": 0,
        "conversion_rate": 2 / 30,
    }
    assert suppress_rows([front_door], REPORTS["front_door"]) == [
        {**front_door, "referred_count": "<5", "conversion_rate": "[c]"}
    ]
    reviews = {
        "reviews_completed": 1,
        "cost_before_weekly": 900.0,
        "cost_after_weekly": 700.0,
        "net_weekly_change": -200.0,
        "net_annualised_change": -10_428.6,
        "eligible_people": 250,
        "reviewed_people": 180,
        "reviewed_share": 0.72,
    }
    assert suppress_rows([reviews], REPORTS["reviews"]) == [
        {
            **reviews,
            "reviews_completed": "<5",
            "cost_before_weekly": "[c]",
            "cost_after_weekly": "[c]",
            "net_weekly_change": "[c]",
            "net_annualised_change": "[c]",
        }
    ]
    few_reviewed = {**reviews, "reviews_completed": 0, "eligible_people": 6, "reviewed_people": 4}
    assert suppress_rows([few_reviewed], REPORTS["reviews"]) == [
        {**few_reviewed, "reviewed_people": "<5", "reviewed_share": "[c]"}
    ]
    movement = {
        "opening_lines_count": 40,
        "new_lines_count": 2,
        "ended_lines_count": 6,
        "review_change_lines_count": 0,
        "other_change_lines_count": 0,
        "closing_lines_count": 36,
        "opening_weekly_cost": 30_000,
        "new_services_weekly": 1_500,
        "ended_services_weekly": -4_000,
        "review_changes_weekly": 0,
        "other_changes_weekly": 0,
        "closing_weekly_cost": 27_500,
        "net_commitment_change": -2_500,
        "placement_lines_count": 9,
        "previous_placement_lines_count": 3,
        "avg_daily_spend": 1_400.0,
        "previous_avg_daily_spend": 700.0,
        "avg_daily_spend_change": 700.0,
        "volume_effect": 650.0,
        "price_effect": 50.0,
    }
    [row] = suppress_rows([movement], REPORTS["spend_movement"])
    # Two new lines: their amount withheld, and so the whole bridge (it adds up); the
    # placement change is withheld because last month's placements were few, this month's
    # spend is not.
    assert row["new_lines_count"] == "<5" and row["ended_lines_count"] == 6
    assert all(row[c] == "[c]" for c in BRIDGE)
    assert (row["previous_placement_lines_count"], row["previous_avg_daily_spend"]) == ("<5", "[c]")
    assert row["volume_effect"] == row["price_effect"] == row["avg_daily_spend_change"] == "[c]"
    assert row["avg_daily_spend"] == 1_400.0
    scorecard = [
        {"measure": "contacts_count", "actual": 3.0, "target": 40.0, "difference": -37.0},
        {"measure": "overdue_count", "actual": 0.0, "target": 1.0, "difference": -1.0},
        {"measure": "conversion_rate", "actual": 0.03, "target": 0.3, "difference": -0.27},
    ]
    assert suppress_rows(scorecard, REPORTS["scorecard"]) == [
        {"measure": "contacts_count", "actual": "<5", "target": 40.0, "difference": "[c]"},
        scorecard[1],  # zero is shown
        scorecard[2],  # a share, not a count
    ]


def test_waterfall_reads_in_black_and_white_and_leaves_out_what_is_withheld():
    from pipeline.reports import waterfall

    chart = waterfall.Waterfall(
        "chart-test",
        "A bridge",
        "GBP a week",
        date(2025, 3, 1),
        [
            waterfall.Step("Start of month", 100.0, total=True),
            waterfall.Step("New services", 30.0),
            waterfall.Step("Ended services", -50.0),
            waterfall.Step("Other changes", None, masked="[c]"),
            waterfall.Step("End of month", 80.0, total=True),
        ],
    )
    chart.history = [(chart.month, chart.steps)]
    svg = waterfall.render(chart)
    # Drawn: both levels and the two known movements; not the withheld one.
    assert 'data-marks="4"' in svg and svg.count('class="mark bar') == 4
    assert svg.count('class="mark bar level"') == 2
    assert svg.count('class="mark bar rise"') == svg.count('class="mark bar fall"') == 1
    # Told apart without colour: signed labels, stripes on rises, outlines, a legend.
    assert ">+£30<" in svg and ">-£50<" in svg and ">£80<" in svg
    assert re.search(r'<path class="stripes" d="M[^"]+V[^"]+" stroke="#D55E00"', svg)
    assert svg.count('stroke="#000000"') >= 4 and "Rise" in svg and "Fall" in svg
    assert "url(" not in svg and svg.count('class="axis-label"') == 2
    table = waterfall.table(chart)
    assert "<td>[c]</td>" in table and "<td>+£30</td>" in table
    nothing = waterfall.Waterfall("chart-none", "A bridge", "GBP", date(2025, 3, 1), [])
    assert 'data-marks="0"' in waterfall.render(nothing) and "No data" in waterfall.render(nothing)
    chart.steps = [waterfall.Step(s.label, None, s.total, masked="[c]") for s in chart.steps]
    assert 'data-marks="0"' in waterfall.render(chart) and "Withheld" in waterfall.render(chart)


def test_small_counts_are_suppressed(suppressed_site, demo):
    """Every CSV of the suppressed site is the unsuppressed site's, suppressed by the rule
    written out above; and no page shows a small count anywhere."""
    _, _, site = demo
    csvs = [p for p in site_files(suppressed_site) if p.suffix == ".csv"]
    assert len(csvs) > 20
    changed: dict[str, int] = {}
    for path in csvs:
        shown = read_csv(path)
        full = read_csv(site / path.relative_to(suppressed_site))
        assert len(shown) == len(full), path
        for got, row in zip(shown, full, strict=True):
            assert got == expected_suppressed(path.stem, row), (path, row)
            if got != row:
                changed[path.stem] = changed.get(path.stem, 0) + 1
    # The demo has small counts in each of these, so the rule was exercised on each.
    assert {"front_door", "team_workload", "work_completed", "assessment_outcomes", "reviews",
            "scorecard", "spend_movement"} <= set(changed), changed  # fmt: skip
    for path in site_files(suppressed_site):
        if path.suffix == ".html":
            html = path.read_text()
            assert not re.search(r": [1-4]</title>", html), path  # chart tooltips
            assert not re.search(r"<td>[1-4]</td>", html), path  # short tables
            assert not re.search(r'class="value">[1-4]<', html), path  # headline tiles
    assert "&lt;5" in (suppressed_site / "teams" / "eal-lt1" / "index.html").read_text()
    # Unsuppressed, the same page shows the small numbers.
    assert re.search(r"<td>[1-4]</td>", (site / "teams" / "eal-lt1" / "index.html").read_text())


# --------------------------------------------------------------------------- in a browser

CHART_STATE = """
Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const marks = Array.from(svg.querySelectorAll('.mark'));
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
  const box = svg.getBoundingClientRect();
  return {id: svg.id, expected: Number(svg.dataset.marks), marks: marks.length,
          drawn: drawn.length, width: box.width, height: box.height,
          title: (svg.querySelector('.chart-title') || {}).textContent || '',
          axes: svg.querySelectorAll('.axis-label').length,
          targets: svg.querySelectorAll('path.target').length,
          noData: svg.querySelectorAll('.no-data').length};
})
"""


# The by-whom table's trend lines: every point drawn, inside its table cell.
SPARK_STATE = """
Array.from(document.querySelectorAll('svg.spark')).map(svg => {
  const marks = Array.from(svg.querySelectorAll('.mark'));
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
  const box = svg.getBoundingClientRect(), cell = svg.closest('td').getBoundingClientRect();
  return {id: svg.id, expected: Number(svg.dataset.marks), drawn: drawn.length,
          inside: box.left >= cell.left && box.right <= cell.right && box.width > 100};
})
"""


def check_page(browser: Browser, path: Path, screenshot: str | None = None) -> list[dict]:
    page = browser.open(path.as_uri())
    try:
        state = page.evaluate(CHART_STATE)
        sparks = page.evaluate(SPARK_STATE)
        if screenshot:
            page.screenshot(ARTIFACTS / screenshot)
        page.collect()
    finally:
        page.close()
    assert page.result.problems == [], page.result.problems
    outside = [u for u in page.result.requests if not u.startswith(("file:", "data:"))]
    assert outside == [], f"{path.name} fetched {outside}"
    assert state, f"no charts on {path}"
    for chart in state:
        assert chart["width"] > 300 and chart["height"] > 150, chart
        assert chart["title"] and chart["axes"] == (2 if chart["expected"] else 0), chart
        assert chart["marks"] == chart["drawn"] == chart["expected"], chart
        if not chart["expected"]:
            assert chart["noData"] == 1, chart
    for spark in sparks:
        assert spark["drawn"] == spark["expected"] > 0 and spark["inside"], spark
    return state


@pytest.mark.browser
def test_index_and_team_pages_render_in_chromium(demo, browser):
    _, _, site = demo
    index = {c["id"]: c for c in check_page(browser, site / "index.html", "index.png")}
    team = {
        c["id"]: c
        for c in check_page(browser, site / "teams" / "eal-lt1" / "index.html", "team-eal-lt1.png")
    }
    front = {c["id"]: c for c in check_page(browser, site / "teams" / "eal-arc" / "index.html")}
    # Whole service: front door, spend and reviews, each drawn, with target lines.
    for chart in ("chart-contacts", "chart-placement-spend", "chart-reviewed-12m", "chart-on-time"):
        assert index[chart]["expected"] > 0 and index[chart]["targets"] == 1, chart
    assert set(front) == {"chart-contacts", "chart-contact-outcomes", "chart-conversion"}
    assert {"chart-open-work", "chart-due-overdue", "chart-completed", "chart-outcomes"} <= set(
        team
    )
    assert team["chart-on-time"]["targets"] == 1 and team["chart-open-work"]["expected"] == 48
    # The waterfalls: every bar drawn (check_page), the bridge's six on both pages.
    for page in (index, team):
        assert page["chart-commitment-bridge"]["expected"] == 6
        assert page["chart-placement-price-volume"]["expected"] > 0
    assert "spark-" in (site / "teams" / "eal-lt1" / "index.html").read_text()
    assert (ARTIFACTS / "index.png").stat().st_size > 10_000
    assert (ARTIFACTS / "team-eal-lt1.png").stat().st_size > 10_000


@pytest.mark.browser
def test_every_team_page_renders(demo, teams, browser):
    _, _, site = demo
    for team in teams:
        check_page(browser, site / "teams" / slug(team["team_code"]) / "index.html")


# --------------------------------------------------------------------------- serving


@pytest.mark.browser
def test_dbt_docs_site_is_published_beside_the_reports(demo, browser):
    from pipeline.publish.docs_site import build_docs_site

    _, paths, _ = demo
    docs = build_docs_site(paths.root)
    assert docs == paths.published / "docs"
    catalog = json.loads((docs / "catalog.json").read_text())
    assert "model.primed.rpt_front_door_monthly" in catalog["nodes"]
    manifest = json.loads((docs / "manifest.json").read_text())
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    page = browser.open(
        (docs / "index.html").as_uri() + "#!/model/model.primed.rpt_front_door_monthly"
    )
    try:
        text = page.evaluate(WAIT_FOR_TEXT % "contacts_count")
        page.collect()
    finally:
        page.close()
    # dbt's own page asks for a few unrendered icon templates on file:; nothing leaves.
    outside = [u for u in page.result.requests if not u.startswith(("file:", "data:"))]
    assert outside == []
    assert "rpt_front_door_monthly" in text and "contacts_count" in text
    assert "Requests (Completed or Open, not Cancelled) starting in the month." in text


WAIT_FOR_TEXT = """new Promise(resolve => {
  const started = Date.now();
  (function poll() {
    const text = document.body.innerText;
    if (text.includes('%s') || Date.now() - started > 10000) resolve(text);
    else setTimeout(poll, 100);
  })();
})"""


def from_pypi(package: str, version: str) -> Path:
    """`package==version` from PyPI, installed once into a cache folder outside the venv."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "primed"
    target = cache / f"{package}-{version}"
    if not (target / ".complete").exists():
        try:
            subprocess.run(
                [
                    sys.executable, "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", "--upgrade",
                    "--target", str(target), f"{package}=={version}",
                ],
                check=True,
                capture_output=True,
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"could not install {package}=={version}: {exc.stderr.decode()[-300:]}")
        (target / ".complete").touch()
    return target


def published_counts(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select (select sum(contacts_count) from marts.rpt_front_door_monthly), "
            "(select count(*) from duckdb_tables() where schema_name = 'marts')"
        ).fetchall()[0]
    finally:
        con.close()


@pytest.mark.parametrize("version", DUCKDB_1X_VERSIONS)
def test_published_file_opens_read_only_in_duckdb_1x(demo, version):
    _, paths, _ = demo
    site_dir = from_pypi("duckdb", version)
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import duckdb\n"
        "con = duckdb.connect(sys.argv[2], read_only=True)\n"
        "print(json.dumps({'version': duckdb.__version__,\n"
        "  'release': str(con.execute('select data_date from marts._release').fetchone()[0]),\n"
        "  'contacts': con.execute('select sum(contacts_count) from "
        "marts.rpt_front_door_monthly').fetchone()[0],\n"
        "  'tables': con.execute(\"select count(*) from duckdb_tables() "
        "where schema_name = 'marts'\").fetchone()[0]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", script, str(site_dir), str(paths.published_db)],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout)
    assert result["version"] == version
    contacts, tables = published_counts(paths.published_db)
    assert result["release"] == "2025-03-31"
    assert result["contacts"] == contacts and result["tables"] == tables


def test_published_file_opens_read_only_in_the_duckdb_1x_cli(demo):
    _, paths, _ = demo
    cli = from_pypi("duckdb-cli", DUCKDB_1X_CLI) / "duckdb_cli" / "duckdb"
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(f"v{DUCKDB_1X_CLI}")
    out = subprocess.run(
        [
            cli, "-readonly", "-csv", "-noheader", str(paths.published_db),
            "select data_date from marts._release; "
            "select sum(contacts_count) from marts.rpt_front_door_monthly; "
            "select count(*) from duckdb_tables() where schema_name = 'marts';",
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    contacts, tables = published_counts(paths.published_db)
    assert out.stdout.split() == ["2025-03-31", str(contacts), str(tables)]
    refused = subprocess.run(
        [cli, "-readonly", str(paths.published_db), "-c", "create table marts.x (i integer)"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "read-only" in refused.stderr


def test_sqlalchemy_duckdb_engine_reads_the_marts_read_only(demo):
    import sqlalchemy as sa

    _, paths, _ = demo
    engine = sa.create_engine(f"duckdb:///{paths.published_db}", connect_args={"read_only": True})
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select team_code, sum(contacts_count) as contacts "
                    "from marts.rpt_front_door_monthly where month >= :start "
                    "group by team_code order by team_code"
                ),
                {"start": date(2024, 4, 1)},
            ).all()
            assert rows and rows[0].team_code == "EAL-ARC" and rows[0].contacts > 100
            tables = sa.inspect(conn).get_table_names(schema="marts")
            assert "rpt_scorecard" in tables
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                conn.execute(sa.text("create table marts.scratch (x integer)"))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- analysts' docs


def test_marts_md_is_generated_from_the_manifest(dbt_manifest):
    from pipeline.transform.mart_docs import OUT, render

    manifest = json.loads(dbt_manifest.read_text())
    text = render(manifest)
    marts = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n.get("schema") == "marts"
    ]
    assert len(marts) >= 20
    for node in marts:
        assert f"### `marts.{node['name']}`" in text
        for column in node["columns"]:
            assert f"| `{column}` |" in text, (node["name"], column)
    assert "- **Grain:** `team_code` + `month`" in text
    assert OUT.read_text(encoding="utf-8") == text, (
        "docs/marts.md is out of date: run `python -m pipeline.transform.mart_docs`"
    )
