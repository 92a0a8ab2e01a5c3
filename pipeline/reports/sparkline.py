"""Sparklines: a small trend line for a table cell (the by-whom table's overdue trend)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from pipeline.reports.charts import Number, format_value, month_label

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 150, 34, 4


def sparkline(
    chart_id: str,
    title: str,
    months: Sequence[date],
    values: Sequence[Number],
    unit: str = "count",
    high: float | None = None,
) -> str:
    """A small line chart for a table cell (a trend, not a reading): one point per month with a
    value (class `mark`, with a `<title>` tooltip), the latest point labelled with its value.
    `high` is the top of the scale (the same for every row of a table, so rows compare); the
    series' own maximum by default. Black on white, so it prints in black and white too.
    Carries `data-marks` as `charts.render` does."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    n = max(len(months), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="spark" id="{escape(chart_id)}" '
        f'viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" width="{SPARK_WIDTH}" '
        f'height="{SPARK_HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'data-marks="{len(points)}"><title>{escape(title)}</title>'
    ]
    if points:
        high = max(high or 0.0, max(v for _, v in points), 1.0)
        plot_w = SPARK_WIDTH - 2 * SPARK_PAD - 28  # room for the latest value
        plot_h = SPARK_HEIGHT - 2 * SPARK_PAD

        def xy(i: int, v: float) -> tuple[float, float]:
            x = SPARK_PAD + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
            return x, SPARK_PAD + plot_h - v / high * plot_h

        coords = [xy(i, v) for i, v in points]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        out.append(f'<polyline points="{path}" fill="none" stroke="#333" stroke-width="1.2"/>')
        for (i, v), (x, y) in zip(points, coords, strict=True):
            label = f"{month_label(months[i])}: {format_value(v, unit)}"
            out.append(
                f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="#000">'
                f"<title>{escape(label)}</title></circle>"
            )
        x, y = coords[-1]
        out.append(
            f'<text x="{x + 4:.1f}" y="{min(max(y + 4, 10), SPARK_HEIGHT - 2):.1f}" '
            f'font-size="10" fill="#000">{escape(format_value(points[-1][1], unit))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
