"""Small, dependency-free SVG charts for the static reports.

Every chart is one inline `<svg>` element: a visible title, labelled axes, a legend, a dashed
target line where a target exists, and one element with class `mark` per value drawn (a bar,
or a point on a line), each with a `<title>` tooltip. The `<svg>` carries `data-marks`, the
number of marks it should show, so a test can check in a browser that every chart drew.
No script, no web font, nothing fetched: the page renders offline.

In print the page's stylesheet (`report.css`, `@media print`) redraws every chart in black and
white: each series carries a class, `s<n>` (its place in the chart's series, the colour it
takes) and, for lines, `l<k>` (its place among the lines); print gives bars of `s<n>` a grey and
an outline (solid greys, not hatches: a hatch becomes a picture in the PDF) and lines of `l<k>`
a dash, legend swatches alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D31", "#000000"]
TARGET_COLOUR = "#444444"
WIDTH, HEIGHT = 680, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 20, 44, 78

Number = float | int | None


@dataclass
class Series:
    """One thing measured each month: drawn as bars (stacked with other bars) or a line."""

    name: str
    values: list[Number]
    kind: str = "bar"  # "bar" or "line"
    colour: str | None = None
    # Text shown in tables instead of a value that is withheld (suppressed), by month index.
    masked: dict[int, str] = field(default_factory=dict)

    def text(self, i: int, unit: str, fmt: Callable[[Number, str], str]) -> str:
        return self.masked.get(i) or fmt(self.values[i], unit)


@dataclass
class Chart:
    chart_id: str
    title: str
    y_label: str
    months: list[date]
    series: list[Series]
    unit: str = "count"  # count, percent, gbp
    target: list[Number] | None = None
    target_label: str = "Target"
    x_label: str = "Month"
    notes: list[str] = field(default_factory=list)


def month_label(month: date) -> str:
    return month.strftime("%b %y")


def format_value(value: Number, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "gbp":
        sign = "-" if value < 0 else ""
        return f"{sign}£{abs(value):,.0f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _axis_label(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value * 100:.0f}%"
    if unit == "gbp":
        sign = "-" if value < 0 else ""
        v = abs(value)
        if v >= 1_000_000:
            return f"{sign}£{v / 1_000_000:g}m"
        if v >= 1_000:
            return f"{sign}£{v / 1_000:g}k"
        return f"{sign}£{v:g}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _stack_extent(chart: Chart) -> tuple[float, float]:
    low, high = 0.0, 0.0
    bars = [s for s in chart.series if s.kind == "bar"]
    for i in range(len(chart.months)):
        pos = sum(v for s in bars if (v := s.values[i]) is not None and v > 0)
        neg = sum(v for s in bars if (v := s.values[i]) is not None and v < 0)
        high, low = max(high, pos), min(low, neg)
    for s in chart.series:
        if s.kind == "line":
            for v in s.values:
                if v is not None:
                    high, low = max(high, v), min(low, v)
    for v in chart.target or []:
        if v is not None:
            high, low = max(high, v), min(low, v)
    if chart.unit == "percent" and high <= 1:
        high = max(high, 0.0)
    return low, high


def expected_marks(chart: Chart) -> int:
    return sum(1 for s in chart.series for v in s.values if v is not None)


@dataclass(frozen=True)
class _Frame:
    """Where a chart's values go: the plot area, its y scale and one x slot per month."""

    months: int
    y_min: float
    y_max: float
    plot_w: int = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h: int = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    @property
    def slot(self) -> float:
        return self.plot_w / self.months

    @property
    def base_y(self) -> int:
        return MARGIN_TOP + self.plot_h

    def y(self, value: float) -> float:
        return (
            MARGIN_TOP
            + self.plot_h
            - (value - self.y_min) / (self.y_max - self.y_min) * self.plot_h
        )

    def x_centre(self, i: int) -> float:
        return MARGIN_LEFT + self.slot * (i + 0.5)


# A legend entry: (kind, colour, name, class), kind one of bar, target, line; class the
# series' print classes (`s<n>`, `s<n> l<k>`).
Legend = list[tuple[str, str, str, str]]


def render(chart: Chart) -> str:
    """The chart as an inline SVG string."""
    marks = expected_marks(chart)
    title_id = f"{chart.chart_id}-title"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart.chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{title_id}" data-marks="{marks}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="22" font-size="15" '
        f'font-weight="bold">{escape(chart.title)}</text>',
    ]
    if not chart.months or marks == 0:
        out.append(
            f'<text class="no-data" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
            f'font-size="14" fill="#555">No data for this period</text></svg>'
        )
        return "\n".join(out)
    ticks = nice_ticks(*_stack_extent(chart))
    frame = _Frame(len(chart.months), ticks[0], ticks[-1])
    out += _y_axis(chart, frame, ticks)
    out += _x_axis(chart, frame)
    colours = enumerate(PALETTE)
    legend: Legend = []
    out += _bars(chart, frame, colours, legend)
    out += _target(chart, frame, legend)
    out += _lines(chart, frame, colours, legend)
    out.extend(_legend(legend, frame.base_y + 50))
    out.append("</svg>")
    return "\n".join(out)


def _y_axis(chart: Chart, frame: _Frame, ticks: list[float]) -> list[str]:
    """The grid, a line per tick with its label, and the y axis title."""
    out = []
    for tick in ticks:
        ty = frame.y(tick)
        out.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + frame.plot_w}" y1="{ty:.1f}" '
            f'y2="{ty:.1f}" stroke="{"#999" if tick == 0 else "#e3e3e3"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{escape(_axis_label(tick, chart.unit))}</text>'
        )
    out.append(
        f'<text class="axis-label" transform="translate(16,{MARGIN_TOP + frame.plot_h / 2:.0f}) '
        f'rotate(-90)" text-anchor="middle" font-size="12" fill="#222">'
        f"{escape(chart.y_label)}</text>"
    )
    return out


def _x_axis(chart: Chart, frame: _Frame) -> list[str]:
    """The x axis line, at most 12 month labels (the latest month always), and its title."""
    n = frame.months
    every = max(1, math.ceil(n / 12))
    base_y = frame.base_y
    out = [
        f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + frame.plot_w}" y1="{base_y}" '
        f'y2="{base_y}" stroke="#333" stroke-width="1"/>'
    ]
    for i, month in enumerate(chart.months):
        if (n - 1 - i) % every == 0:
            out.append(
                f'<text x="{frame.x_centre(i):.1f}" y="{base_y + 16}" text-anchor="middle" '
                f'font-size="11" fill="#333">{escape(month_label(month))}</text>'
            )
    out.append(
        f'<text class="axis-label" x="{MARGIN_LEFT + frame.plot_w / 2:.0f}" y="{base_y + 34}" '
        f'text-anchor="middle" font-size="12" fill="#222">{escape(chart.x_label)}</text>'
    )
    return out


def _bars(
    chart: Chart, frame: _Frame, colours: Iterator[tuple[int, str]], legend: Legend
) -> list[str]:
    """The bar series, stacked: positive values up from zero, negative ones down."""
    out = []
    bar_w = max(2.0, frame.slot * 0.72)
    pos_base = [0.0] * frame.months
    neg_base = [0.0] * frame.months
    for s in (s for s in chart.series if s.kind == "bar"):
        n, colour = _colour(s, colours)
        legend.append(("bar", colour, s.name, f"s{n}"))
        for i, v in enumerate(s.values):
            if v is None:
                continue
            base = pos_base if v >= 0 else neg_base
            top, bottom = frame.y(base[i] + v), frame.y(base[i])
            base[i] += v
            y0, h = min(top, bottom), abs(bottom - top)
            tip = f"{s.name}, {month_label(chart.months[i])}: {format_value(v, chart.unit)}"
            out.append(
                f'<rect class="mark bar s{n}" x="{frame.x_centre(i) - bar_w / 2:.1f}" y="{y0:.1f}" '
                f'width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" fill="{colour}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    return out


def _target(chart: Chart, frame: _Frame, legend: Legend) -> list[str]:
    """The target: a dashed step line, one level per month (none where there is no target)."""
    if not chart.target or all(v is None for v in chart.target):
        return []
    legend.append(("target", TARGET_COLOUR, chart.target_label, "target"))
    segments: list[str] = []
    for i, v in enumerate(chart.target):
        if v is None:
            continue
        x0, x1 = MARGIN_LEFT + frame.slot * i, MARGIN_LEFT + frame.slot * (i + 1)
        prev = chart.target[i - 1] if i else None
        cmd = "L" if prev is not None else "M"
        segments.append(f"{cmd}{x0:.1f},{frame.y(v):.1f} L{x1:.1f},{frame.y(v):.1f}")
    return [
        f'<path class="target" d="{" ".join(segments)}" fill="none" '
        f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 4">'
        f"<title>{escape(chart.target_label)}</title></path>"
    ]


def _lines(
    chart: Chart, frame: _Frame, colours: Iterator[tuple[int, str]], legend: Legend
) -> list[str]:
    """The line series, with a point per value (gaps where a value is missing)."""
    out = []
    for k, s in enumerate(s for s in chart.series if s.kind == "line"):
        n, colour = _colour(s, colours)
        classes = f"s{n} l{k}"
        legend.append(("line", colour, s.name, classes))
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{frame.x_centre(i):.1f},{frame.y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                out.append(
                    f'<polyline class="line {classes}" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5"/>'
                )
        for i, v in enumerate(s.values):
            if v is None:
                continue
            tip = f"{s.name}, {month_label(chart.months[i])}: {format_value(v, chart.unit)}"
            out.append(
                f'<circle class="mark point {classes}" cx="{frame.x_centre(i):.1f}" '
                f'cy="{frame.y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    return out


def _colour(s: Series, colours: Iterator[tuple[int, str]]) -> tuple[int, str]:
    """The series' place in the palette (its print class `s<n>`) and its colour: the next
    palette colour, or the series' own (its place in the palette, if it is one of it)."""
    if s.colour is None:
        return next(colours)
    return (PALETTE.index(s.colour) if s.colour in PALETTE else len(PALETTE) - 1), s.colour


def _legend(items: Sequence[tuple[str, str, str, str]], top: float) -> list[str]:
    out = ['<g class="legend" font-size="12" fill="#222">']
    x = float(MARGIN_LEFT)
    for kind, colour, name, classes in items:
        label = name if len(name) <= 38 else name[:36] + "…"
        if kind == "bar":
            out.append(
                f'<rect class="swatch bar {classes}" x="{x:.0f}" y="{top - 9}" width="12" '
                f'height="12" fill="{colour}"/>'
            )
        elif kind == "target":
            out.append(
                f'<line class="swatch target" x1="{x:.0f}" x2="{x + 14:.0f}" y1="{top - 3}" '
                f'y2="{top - 3}" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3"/>'
            )
        else:
            out.append(
                f'<line class="swatch line {classes}" x1="{x:.0f}" x2="{x + 14:.0f}" '
                f'y1="{top - 3}" y2="{top - 3}" stroke="{colour}" stroke-width="2.5"/>'
            )
        out.append(f'<text x="{x + 18:.0f}" y="{top + 2}">{escape(label)}</text>')
        x += 18 + 6.6 * len(label) + 16
        if x > WIDTH - 120:
            x = float(MARGIN_LEFT)
            top += 16
    out.append("</g>")
    return out


def table(chart: Chart, rows: int = 6, cell: Callable[[Number, str], str] | None = None) -> str:
    """A short table of the chart's latest months (newest first), under the chart."""
    fmt = cell or format_value
    head = "".join(f"<th scope='col'>{escape(s.name)}</th>" for s in chart.series)
    if chart.target:
        head += f"<th scope='col'>{escape(chart.target_label)}</th>"
    body = []
    for i in range(len(chart.months) - 1, max(-1, len(chart.months) - 1 - rows), -1):
        cells = "".join(f"<td>{escape(s.text(i, chart.unit, fmt))}</td>" for s in chart.series)
        if chart.target:
            cells += f'<td class="target">{escape(fmt(chart.target[i], chart.unit))}</td>'
        body.append(f"<tr><th scope='row'>{escape(month_label(chart.months[i]))}</th>{cells}</tr>")
    return (
        f'<table class="short"><caption>{escape(chart.title)}: latest months</caption>'
        f"<thead><tr><th scope='col'>Month</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
