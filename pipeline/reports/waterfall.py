"""Waterfall charts: a level, the movements that change it, and the level they lead to
(docs/spend-movement.md). Dependency-free inline SVG, like `charts.py`, and read by the same
checks: class `chart`, a visible title, two axis labels, one `mark` per bar drawn, `data-marks`.

Readable in black and white: levels are solid dark bars, rises white with vertical stripes,
falls light and plain (each outlined), every bar carries its signed value, and a legend says
which is which. No `url()` reference (patterns, clip paths): stripes are drawn as lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape

from pipeline.reports.charts import (
    HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    WIDTH,
    Number,
    format_value,
    month_label,
    nice_ticks,
)

LEVEL, RISE, FALL = "#404040", "#D55E00", "#56B4E9"
OUTLINE = "#000000"
STRIPE_GAP = 5


@dataclass
class Step:
    """One bar: a level (`total`, drawn from zero) or a movement from the running level.
    `value` is None when it is withheld (`masked` says how) or unknown."""

    label: str
    value: Number
    total: bool = False
    masked: str | None = None

    def text(self, unit: str) -> str:
        if self.masked:
            return self.masked
        if self.value is None:
            return "-"
        sign = "+" if not self.total and self.value > 0 else ""
        return sign + format_value(self.value, unit)


@dataclass
class Waterfall:
    """The latest month's steps, drawn; `history` (month, steps) for the table beneath."""

    chart_id: str
    title: str
    y_label: str
    month: date
    steps: list[Step]
    unit: str = "gbp"
    history: list[tuple[date, list[Step]]] = field(default_factory=list)


def _bars(steps: list[Step]) -> list[tuple[int, float, float, str]]:
    """(step index, from, to, kind) of each bar drawable: a movement needs a known level."""
    out = []
    level: float | None = None
    for i, step in enumerate(steps):
        if step.value is None:
            if not step.total:
                level = None  # what follows cannot be placed
            continue
        value = float(step.value)
        if step.total:
            out.append((i, 0.0, value, "level"))
            level = value
        elif level is not None:
            out.append((i, level, level + value, "rise" if value > 0 else "fall"))
            level += value
    return out


def render(chart: Waterfall) -> str:
    """The waterfall as an inline SVG string."""
    bars = _bars(chart.steps)
    title_id = f"{chart.chart_id}-title"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart waterfall" '
        f'id="{escape(chart.chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="{title_id}" data-marks="{len(bars)}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="22" font-size="15" '
        f'font-weight="bold">{escape(chart.title)}</text>',
    ]
    if not bars:
        withheld = any(step.masked for step in chart.steps)
        note = "Withheld: too few service lines to show" if withheld else "No data for this period"
        out.append(
            f'<text class="no-data" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
            f'font-size="14" fill="#555">{note}</text></svg>'
        )
        return "\n".join(out)
    ends = [v for _, a, b, _ in bars for v in (a, b)]
    ticks = nice_ticks(min(0.0, *ends), max(0.0, *ends))
    plot_w, plot_h = WIDTH - MARGIN_LEFT - MARGIN_RIGHT, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / len(chart.steps)

    def y(value: float) -> float:
        return MARGIN_TOP + plot_h - (value - ticks[0]) / (ticks[-1] - ticks[0]) * plot_h

    out += _axes(chart, ticks, y, slot, plot_w, plot_h)
    width = slot * 0.62
    for n, (i, start, end, kind) in enumerate(bars):
        x = MARGIN_LEFT + slot * i + (slot - width) / 2
        top, bottom = min(y(start), y(end)), max(y(start), y(end))
        out += _bar(chart, chart.steps[i], kind, x, top, max(bottom - top, 0.5), width)
        if n + 1 < len(bars) and bars[n + 1][0] == i + 1:  # connector to the next bar
            out.append(
                f'<line x1="{x + width:.1f}" x2="{x + slot:.1f}" y1="{y(end):.1f}" '
                f'y2="{y(end):.1f}" stroke="#666" stroke-width="1" stroke-dasharray="3 2"/>'
            )
    out += _legend(MARGIN_TOP + plot_h + 58)
    out.append("</svg>")
    return "\n".join(out)


def _axes(chart: Waterfall, ticks, y, slot: float, plot_w: float, plot_h: float) -> list[str]:
    out = []
    for tick in ticks:
        out.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" stroke="{"#999" if tick == 0 else "#e3e3e3"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{escape(_tick(tick, chart.unit))}</text>'
        )
    base = MARGIN_TOP + plot_h
    for i, step in enumerate(chart.steps):
        words = step.label.split(" ")
        cut = max(1, len(words) // 2)
        lines = [" ".join(words[:cut]), " ".join(words[cut:])] if len(words) > 1 else words
        for k, line in enumerate(lines):
            out.append(
                f'<text x="{MARGIN_LEFT + slot * (i + 0.5):.1f}" y="{base + 14 + 12 * k}" '
                f'text-anchor="middle" font-size="11" fill="#333">{escape(line)}</text>'
            )
    out.append(
        f'<text class="axis-label" transform="translate(16,{MARGIN_TOP + plot_h / 2:.0f}) '
        f'rotate(-90)" text-anchor="middle" font-size="12" fill="#222">'
        f"{escape(chart.y_label)}</text>"
    )
    out.append(
        f'<text class="axis-label" x="{MARGIN_LEFT + plot_w / 2:.0f}" y="{base + 44}" '
        f'text-anchor="middle" font-size="12" fill="#222">'
        f"{escape(chart.month.strftime('%B %Y'))}</text>"
    )
    return out


def _tick(value: float, unit: str) -> str:
    if unit == "gbp" and abs(value) >= 1000:
        sign = "-" if value < 0 else ""
        v = abs(value)
        return f"{sign}£{v / 1_000_000:g}m" if v >= 1_000_000 else f"{sign}£{v / 1000:g}k"
    return format_value(value, unit)


def _bar(
    chart: Waterfall, step: Step, kind: str, x: float, top: float, h: float, w: float
) -> list[str]:
    """The bar (a `mark` with its tooltip), its stripes when a rise, and its value label."""
    fill = {"level": LEVEL, "rise": "#ffffff", "fall": FALL}[kind]
    text = step.text(chart.unit)
    tip = f"{step.label}, {month_label(chart.month)}: {text}"
    out = [
        f'<rect class="mark bar {kind}" x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" '
        f'height="{h:.1f}" fill="{fill}" stroke="{OUTLINE}" stroke-width="1">'
        f"<title>{escape(tip)}</title></rect>"
    ]
    if kind == "rise":
        stripes = " ".join(
            f"M{sx:.1f},{top:.1f} V{top + h:.1f}"
            for sx in (x + k for k in range(STRIPE_GAP, int(w), STRIPE_GAP))
        )
        out.append(
            f'<path class="stripes" d="{stripes}" stroke="{RISE}" stroke-width="2" fill="none"/>'
        )
    out.append(
        f'<text class="value" x="{x + w / 2:.1f}" y="{top - 4:.1f}" text-anchor="middle" '
        f'font-size="11" fill="#111">{escape(text)}</text>'
    )
    return out


def _legend(top: float) -> list[str]:
    x = MARGIN_LEFT
    out = ['<g class="legend" font-size="12" fill="#222">']
    for fill, name, striped in (
        (LEVEL, "Level", False),
        ("#ffffff", "Rise", True),
        (FALL, "Fall", False),
    ):
        out.append(
            f'<rect class="swatch {name.lower()}" x="{x}" y="{top - 9}" width="12" height="12" '
            f'fill="{fill}" stroke="{OUTLINE}" stroke-width="1"/>'
        )
        if striped:
            out.append(
                f'<path class="stripes" d="M{x + 4},{top - 9} V{top + 3} M{x + 8},{top - 9} '
                f'V{top + 3}" stroke="{RISE}" stroke-width="2"/>'
            )
        out.append(f'<text x="{x + 18}" y="{top + 2}">{escape(name)}</text>')
        x += 90
    out.append("</g>")
    return out


def table(chart: Waterfall) -> str:
    """The steps of the latest months (newest first), under the chart."""
    head = "".join(f"<th scope='col'>{escape(s.label)}</th>" for s in chart.steps)
    body = [
        f"<tr><th scope='row'>{escape(month_label(month))}</th>"
        + "".join(f"<td>{escape(s.text(chart.unit))}</td>" for s in steps)
        + "</tr>"
        for month, steps in chart.history
    ]
    return (
        f'<table class="short waterfall"><caption>{escape(chart.title)}: latest months'
        f"</caption><thead><tr><th scope='col'>Month</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
