"""The page around the reports: the HTML shell (header with the data date and run, footer),
its stylesheet (`report.css`, inlined: a page fetches nothing), and a report section's markup
(each chart with its short table and the meeting's questions, then the CSV link).

Every page prints as an A4 meeting pack (`report.css`, `@media print`): each section from a new
page, no chart split by a page break, charts in black and white, links and other screen-only
chrome (class `nav`, `csv`) left out, and on every page a running header and footer (`@page`
margin boxes) naming the page, the month and the page number."""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files

from pipeline.reports import charts, waterfall
from pipeline.reports.data import ReportData
from pipeline.reports.formatting import cell
from pipeline.reports.sections import Section


@cache
def report_css() -> str:
    """The report pages' stylesheet (`pipeline/reports/report.css`), for a `<style>` element.

    The extracts' data-quality pages use it too: inside `<body class="dq">` its `.dq` rules
    give them their own look (and change nothing on the report pages)."""
    return files("pipeline.reports").joinpath("report.css").read_text(encoding="utf-8")


def page(title: str, data: ReportData, body: str, home: str) -> str:
    """A whole page: `body` (the sections) inside the header and footer; `home` is the link to
    the service page (`#` on the service page itself)."""
    rel = data.release
    note = (
        "<p class='meta'>Counts of 1 to 4 are shown as &lt;5, and figures computed from them "
        "as [c]; charts leave them out.</p>"
        if data.suppress
        else ""
    )
    quality = ""
    if data.quality_page:
        root = "" if home == "#" else home.removesuffix("index.html")
        quality = (
            f' <span class="nav"><a class="quality" href="{escape(root + data.quality_page)}">'
            "Data quality of the extracts</a>: what was loaded, quarantined and why.</span>"
        )
    header = print_header(title, data)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="primed-run-id" content="{escape(str(rel["run_id"]))}">
<meta name="primed-data-date" content="{data.data_date.isoformat()}">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>
{report_css()}</style>
<style media="print">{header}</style>
</head>
<body>
<header class="page">
<h1>{escape(title)}</h1>
<p class="meta">Data up to <strong class="data-date">{data.data_date:%d %B %Y}</strong> ·
last {len(data.months)} months · run <code class="run-id">{escape(str(rel["run_id"]))}</code>,
published {escape(cell(rel["published_at"]))} UTC<span class="nav"> ·
<a href="{home}">Whole service</a></span></p>
{note}
</header>
<main>
{body}
</main>
<footer>Produced by primed from the published warehouse (run {escape(str(rel["run_id"]))}).
Every figure is defined in the measure definitions and computed once, in the marts.{quality}
</footer>
</body>
</html>
"""


def print_header(title: str, data: ReportData) -> str:
    """The running header and footer of every printed page (`@page` margin boxes): the page's
    title and its latest month, the data date, the run and the page number."""
    top = f"{title} · {data.months[-1]:%B %Y}" if data.months else title
    meta = f"Data up to {data.data_date:%d %B %Y}"
    run = f"primed run {data.release['run_id']}"
    return (
        f"@page{{@top-left{{content:{css_string(top)}}}"
        f"@top-right{{content:{css_string(meta)}}}"
        f"@bottom-left{{content:{css_string(run)}}}"
        '@bottom-right{content:"Page " counter(page) " of " counter(pages)}}'
    )


def css_string(text: str) -> str:
    """`text` as a CSS string: quoted, every character but letters, digits and plain
    punctuation escaped (so nothing in it can end the string, the rule or the `<style>`)."""
    safe = (c if c.isalnum() or c in " .,:;()-·" else f"\\{ord(c):x} " for c in text)
    return '"' + "".join(safe) + '"'


def section_html(section: Section, csv_name: str) -> str:
    parts = [f'<section class="report-section" id="{escape(section.key)}">']
    parts.append(f"<h2>{escape(section.title)}</h2>")
    for panel in section.panels:
        questions = "".join(f"<li>{escape(q)}</li>" for q in panel.questions)
        kind = waterfall if isinstance(panel.chart, waterfall.Waterfall) else charts
        parts.append(
            '<div class="report"><div class="chart-col"><figure>'
            + kind.render(panel.chart)
            + "</figure>"
            + kind.table(panel.chart)
            + "</div>"
            + f"<aside><h3>Questions for the meeting</h3><ol>{questions}</ol></aside></div>"
        )
    parts.append(
        f'<p class="csv">Data: <a href="{escape(csv_name)}">{escape(csv_name)}</a></p></section>'
    )
    return "\n".join(parts)
