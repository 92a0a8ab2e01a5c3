"""Values as text: in a page's cells (`cell`), in a CSV (`csv_value`), a target's period, a RAG
badge, and the folder name of a team's page."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import escape
from typing import Any

from pipeline.reports.charts import format_value


def unit_of(measure_unit: str | None) -> str:
    """The chart unit (`percent`, `gbp` or `count`) of a scorecard measure's unit."""
    text = (measure_unit or "").lower()
    if text.startswith("share"):
        return "percent"
    if "gbp" in text:
        return "gbp"
    return "count"


def cell(value: Any, unit: str = "count") -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return format_value(value, unit)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.2f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def period(start: date, end: date) -> str:
    """`2024-25` for a financial year, else the two dates."""
    if start.month == 4 and start.day == 1 and end == date(start.year + 1, 3, 31):
        return f"{start.year}-{str(start.year + 1)[2:]}"
    return f"{start.isoformat()} to {end.isoformat()}"


def rag_badge(rag: str | None) -> str:
    text = rag or "no data"
    return f'<span class="rag rag-{escape(text.replace(" ", "-"))}">{escape(text)}</span>'


def slug(team_code: str) -> str:
    """The folder of a team's page: `EAL-LT1` -> `eal-lt1`."""
    return re.sub(r"[^a-z0-9]+", "-", team_code.lower()).strip("-") or "team"
