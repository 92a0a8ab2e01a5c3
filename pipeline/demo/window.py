"""The simulated time: the reporting periods (quarterly rolling-12-month extracts over whole
financial years), and the days the world is simulated over (from a year before the first
period, to 90 days past the last, so that open events look open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.demo.formats import EPOCH, day


@dataclass
class Window:
    sim_start: int
    first_pstart: int
    data_end: int
    horizon: int
    fy_first: int
    periods: list[tuple[date, date]]


def quarter_ends(start_year: int, years: int) -> list[date]:
    """The last day of every quarter of the financial years start_year .. start_year+years-1."""
    ends = []
    for fy in range(start_year, start_year + years):
        ends += [date(fy, 6, 30), date(fy, 9, 30), date(fy, 12, 31), date(fy + 1, 3, 31)]
    return ends


def period_start(end: date) -> date:
    """The first day of the 12 months that end on end."""
    nxt = end + timedelta(days=1)
    return nxt.replace(year=nxt.year - 1)


def make_window(start_year: int, years: int) -> Window:
    ends = quarter_ends(start_year, years)
    periods = [(period_start(e), e) for e in ends]
    data_end = day(ends[-1])
    first_pstart = day(periods[0][0])
    return Window(
        sim_start=first_pstart - 365,
        first_pstart=first_pstart,
        data_end=data_end,
        horizon=data_end + 90,
        fy_first=day(date(start_year, 4, 1)),
        periods=periods,
    )


def fy_quarter(day_number: int) -> tuple[int, int]:
    """The financial year and quarter (1 = April to June) a day falls in."""
    d = EPOCH + timedelta(days=day_number)
    fy = d.year if d.month >= 4 else d.year - 1
    q = ((d.month - 4) % 12) // 3 + 1
    return fy, q
