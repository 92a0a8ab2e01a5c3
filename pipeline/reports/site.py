"""The entry points: render the whole site, the service page and every team's page, into a
release's `reports/` folder (or another folder), swapped into place in one step."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, share, swapped_in
from pipeline.reports import data as report_data
from pipeline.reports.formatting import slug
from pipeline.reports.pages import service_page, team_page

REPORTS_DIR_NAME = "reports"


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
    data = report_data.load(
        Path(published_db or release_dir / "primed.duckdb"), months, suppress_small_counts
    )
    if (release_dir / "quality" / "index.html").exists():
        data.quality_page = "../quality/index.html"
    final = release_dir / REPORTS_DIR_NAME
    with swapped_in(final) as building:
        team_pages = {
            t["team_code"]: f"teams/{slug(t['team_code'])}/index.html" for t in data.teams
        }
        for team in data.teams:
            team_page(data, team, building / "teams" / slug(team["team_code"]))
        service_page(data, building, team_pages)
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
