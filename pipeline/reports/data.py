"""The reports' data: every query in `reports_sql/` run once against the release's DuckDB file
(read-only), with the teams, the release's run and data date, and the months to show.

Parameters (team and months) are applied here, in Python: each query returns every team (and
`ALL` for the whole service) and every month once, and `ReportData.team_rows` keeps a team's
rows of the last `months` months up to the data date. The SQL files therefore run unchanged in
any client (the DuckDB CLI, a BI tool).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core.errors import PrimedError
from pipeline.reports.specs import REPORTS, REPORTS_SQL_DIR

Row = dict[str, Any]

TEAMS_SQL = (
    "select team_code, team_name, team_type, service_area from marts.dim_team "
    "order by team_type = 'Front door' desc, team_name"
)
RELEASE_SQL = "select run_id, published_at, data_date from marts._release"


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


def month_add(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[Row]]:
    """The column names and the rows (as dicts) of one query."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return names, [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def load(published_db: Path, months: int, suppress: bool) -> ReportData:
    """Every report's rows, the teams and the release, from the published DuckDB file."""
    if not published_db.exists():
        raise PrimedError(f"there is no published warehouse at {published_db}; run primed first")
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        rows: dict[str, list[Row]] = {}
        columns: dict[str, list[str]] = {}
        for key in REPORTS:
            columns[key], rows[key] = _query(con, (REPORTS_SQL_DIR / f"{key}.sql").read_text())
        _, teams = _query(con, TEAMS_SQL)
        release = _query(con, RELEASE_SQL)[1][0]
    finally:
        con.close()
    data_date = release["data_date"]
    if data_date is None:
        raise PrimedError("the published release has no data date; nothing to report")
    last = date(data_date.year, data_date.month, 1)
    window = [month_add(last, -i) for i in range(months - 1, -1, -1)]
    return ReportData(rows, columns, teams, release, data_date, window, suppress)
