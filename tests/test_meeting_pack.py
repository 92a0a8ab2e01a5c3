"""The meeting pack: every team page printed to PDF by headless Chromium, A4.

Each page is laid out as for print (CSS `@media print`, the page's content width) and checked:
the sections a meeting needs are there, each from a new page; no chart or table is wider than
the page, and none is split by a page break; charts are black and white and their series
tell apart without colour; links and CSV links are left out, and the space for new actions is
printed but not shown on screen. Then each page is printed: its page count is what its
sections need, and the pack of one team is kept as tests/artifacts/meeting-pack-eal-lt1.pdf.
Renders from the shared demo's published file (read-only) into a folder of its own.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.reports import render_reports_into, report_css
from pipeline.reports.layout import css_string
from tests.browser import Browser, Page, pdf_pages, start_browser

ARTIFACTS = Path(__file__).parent / "artifacts"
PACK_TEAM = "eal-lt1"
CORE_REPORTS = ("team_workload", "work_completed", "assessment_outcomes")
A4_POINTS = (595.28, 841.89)
MM = 96 / 25.4  # CSS pixels in a millimetre


def printable_area() -> tuple[float, float]:
    """The content box of an A4 page under report.css's `@page` margins, in CSS pixels."""
    top, sides, bottom = map(
        float,
        re.search(r"@page\{size:A4 portrait;margin:(\d+)mm (\d+)mm (\d+)mm", report_css()).groups(),
    )
    return (210 - 2 * sides) * MM, (297 - top - bottom) * MM


@pytest.fixture(scope="module")
def sites(demo_build, tmp_path_factory) -> dict[str, Path]:
    """The site, and the site for outside the service, rendered from the shared demo."""
    _, paths = demo_build
    out = tmp_path_factory.mktemp("pack")
    return {
        "inside": render_reports_into(out / "inside", paths.published_db),
        "outside": render_reports_into(
            out / "outside", paths.published_db, suppress_small_counts=True
        ),
    }


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


# What a page shows when laid out for print (or for the screen).
LAID_OUT = """
(() => {
  const shown = el => getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0;
  const box = el => { const b = el.getBoundingClientRect();
                      return {left: b.left, right: b.right, width: b.width, height: b.height}; };
  const grey = c => { const m = c.match(/rgba?\\((\\d+), (\\d+), (\\d+)/);
                      return !m || (m[1] === m[2] && m[2] === m[3]); };
  const look = el => { const s = getComputedStyle(el);
                       return [s.fill, s.stroke, s.strokeDasharray].join(' | '); };
  const series = (svg, selector, prefix) => {
    const out = {};
    svg.querySelectorAll(selector).forEach(el => {
      const key = Array.from(el.classList).find(c => new RegExp('^' + prefix + '\\\\d+$').test(c));
      if (key) out[key] = look(el);
    });
    return out;
  };
  return {
    width: document.documentElement.clientWidth,
    text: document.body.innerText,
    sections: Array.from(document.querySelectorAll('main > section')).filter(shown).map(s => ({
      id: s.id, report: s.classList.contains('report-section'),
      breakBefore: getComputedStyle(s).breakBefore,
      charts: s.querySelectorAll('svg.chart').length,
      questions: Array.from(s.querySelectorAll('aside li')).filter(shown).length})),
    chrome: Array.from(document.querySelectorAll('.nav, .csv, header a')).filter(shown).length,
    charts: Array.from(document.querySelectorAll('svg.chart')).map(svg => {
      const holder = svg.closest('.report') || svg;
      const colours = Array.from(svg.querySelectorAll('*'))
        .flatMap(e => [getComputedStyle(e).fill, getComputedStyle(e).stroke]);
      return {id: svg.id, shown: shown(svg), ...box(svg), holder: box(holder),
              avoid: getComputedStyle(holder).breakInside,
              colours: [...new Set(colours.filter(c => !grey(c)))],
              bars: series(svg, 'rect.mark', 's'), lines: series(svg, 'polyline', 'l'),
              target: Array.from(svg.querySelectorAll('path.target')).map(look)};
    }),
    wide: Array.from(document.querySelectorAll('main table, main svg, main figure')).filter(shown)
      .map(el => ({what: el.tagName + '.' + el.getAttribute('class'), ...box(el)})),
  };
})()
"""


def laid_out(browser: Browser, page: Path, media: str) -> dict:
    """What `page` shows laid out for `media` at the width it has there (print: A4's)."""
    tab = browser.open(page.as_uri())
    try:
        return _laid_out(tab, media)
    finally:
        tab.close()


def _laid_out(tab: Page, media: str) -> dict:
    width, height = printable_area() if media == "print" else (1280, 900)
    tab.emulate(media, round(width), round(height))
    return tab.evaluate(LAID_OUT)


def printed(browser: Browser, page: Path, keep: Path | None = None) -> tuple[dict, int, float]:
    """`page` laid out for print; then printed to PDF (kept at `keep`): its page count, after
    checking it is A4 and all vector (no chart turned into a picture); and the seconds the
    print took."""
    tab = browser.open(page.as_uri())
    try:
        state = _laid_out(tab, "print")
        started = time.monotonic()
        pdf = tab.print_pdf(keep)
        seconds = time.monotonic() - started
    finally:
        tab.close()
    count, sizes = pdf_pages(pdf)
    assert [(round(w), round(h)) for w, h in sizes] == [tuple(map(round, A4_POINTS))], sizes
    assert b"/Subtype /Image" not in pdf, f"{page}: something printed as a picture"
    return state, count, seconds


def check_print_layout(state: dict, team_type: str) -> None:
    """The sections, and every chart and table, of a team page laid out for print."""
    ids = [s["id"] for s in state["sections"]]
    assert ids[0] == "exceptions" and ids[-1] == "new-actions", ids
    assert {"scorecard", "actions"} <= set(ids), ids
    reports = [s for s in state["sections"] if s["report"]]
    expected = {"front_door"} if team_type == "Front door" else set(CORE_REPORTS)
    assert expected <= {s["id"] for s in reports}, ids
    for s in reports:
        assert s["breakBefore"] == "page", s  # each report from a new page
        assert s["questions"] > 0 or s["id"] == "by_whom", s  # the prompts print too
    check_figures(state)


def check_figures(state: dict) -> None:
    """Any page laid out for print: no link, every chart whole on a page and black and white,
    nothing wider than the page."""
    width, height = printable_area()
    assert abs(state["width"] - width) < 1, state["width"]
    assert state["chrome"] == 0, "links and CSV links are for the screen"
    assert state["charts"], "no charts"
    for chart in state["charts"]:
        assert chart["shown"] and chart["width"] > 0.6 * width, chart
        # Kept whole on one page: the chart with its table and questions fits a page.
        assert chart["avoid"] == "avoid" and chart["holder"]["height"] < height, chart
        # Black and white, each series told apart by its grey, outline or dash.
        assert chart["colours"] == [], chart
        bars, lines = list(chart["bars"].values()), list(chart["lines"].values())
        assert len(set(bars)) == len(bars), chart
        assert len(set(lines + chart["target"])) == len(lines) + len(chart["target"]), chart
    for element in state["wide"]:
        assert element["left"] >= 0 and element["right"] <= width + 0.5, element


def team_pages(site: Path) -> list[Path]:
    pages = sorted(site.glob("teams/*/index.html"))
    assert len(pages) > 5
    return pages


def team_type(page: Path) -> str:
    return re.search(r"<h1>[^<]*\(([^)]*)\): team performance</h1>", page.read_text()).group(1)


@pytest.mark.browser
def test_team_pages_print_as_a4_meeting_packs(sites, browser):
    """Every team's page laid out for print, then printed: one page for the exceptions, a page
    or more for each report section, then the scorecard, actions and the space for new ones."""
    site = sites["inside"]
    prints = {}
    for page in team_pages(site):
        keep = (
            ARTIFACTS / f"meeting-pack-{PACK_TEAM}.pdf" if page.parent.name == PACK_TEAM else None
        )
        state, count, seconds = printed(browser, page, keep)
        check_print_layout(state, team_type(page))
        breaks = sum(1 for s in state["sections"] if s["breakBefore"] == "page")
        assert breaks + 1 <= count <= breaks + 4, (page, count, breaks)
        prints[page.parent.name] = f"{count} pages, {seconds:.2f}s"
        if keep:
            # A small team's pack: a page a section, or a page a chart where a section has
            # more than one chart (the spend movement's two waterfalls).
            spills = sum(max(0, s["charts"] - 1) for s in state["sections"])
            assert breaks + 1 <= count <= breaks + 1 + spills, (count, breaks, spills)
            assert 20_000 < keep.stat().st_size < 2_000_000
            assert "by_whom" in {s["id"] for s in state["sections"]}
    print(f"printed: {prints}")


@pytest.mark.browser
def test_the_service_page_prints_too(sites, browser):
    """The whole service's page prints by the same rules: each report from a new page, every
    chart whole and in black and white, nothing wider than A4."""
    state, count, _ = printed(browser, sites["inside"] / "index.html")
    check_figures(state)
    reports = [s for s in state["sections"] if s["report"]]
    assert len(reports) >= 6 and all(s["breakBefore"] == "page" for s in reports)
    breaks = sum(1 for s in state["sections"] if s["breakBefore"] == "page")
    # A page or more a section: a page a chart at most, and the long tables (every team).
    spills = sum(max(0, s["charts"] - 1) for s in state["sections"])
    assert breaks + 1 <= count <= breaks + spills + 6, (count, breaks, spills)


@pytest.mark.browser
def test_the_pack_runs_a_header_on_every_page(sites, browser):
    """The running header and footer (`@page` margin boxes): the team, its month, the data
    date, the run and the page number; the team's name is written safely into the CSS."""
    page = sites["inside"] / "teams" / PACK_TEAM / "index.html"
    tab = browser.open(page.as_uri())
    try:
        rules = tab.evaluate(
            "Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))"
            ".filter(r => r instanceof CSSPageRule).map(r => r.cssText).join('\\n')"
        )
        title = tab.evaluate("document.querySelector('h1').textContent")
    finally:
        tab.close()
    for text in (
        f"{title} · March 2025",
        "Data up to 31 March 2025",
        "primed run ",
        "counter(pages)",
    ):
        assert text in rules, (text, rules)


def test_css_string_cannot_end_the_rule_or_the_style():
    text = 'Team "A" \\ {x} </style><script>'
    quoted = css_string(text)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert not set(quoted[1:-1]) & set("\"'{}<>") - {"\\"}, quoted
    unescaped = re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m.group(1), 16)), quoted[1:-1])
    assert unescaped == text
    assert css_string("Long term 1 (LT1) · March 2025") == '"Long term 1 (LT1) · March 2025"'


@pytest.mark.browser
def test_new_actions_print_only_and_screen_unchanged(sites, browser):
    """The space for new actions is printed, never shown on screen; on screen the links and
    the CSV links are there as before."""
    page = sites["inside"] / "teams" / PACK_TEAM / "index.html"
    screen = laid_out(browser, page, "screen")
    ids = [s["id"] for s in screen["sections"]]
    assert "new-actions" not in ids and ids[-2:] == ["scorecard", "actions"], ids
    assert screen["chrome"] > 5, "links and CSV links on screen"
    assert "New actions agreed at this meeting" not in screen["text"]
    printed_text = laid_out(browser, page, "print")["text"]
    assert "New actions agreed at this meeting" in printed_text


@pytest.mark.browser
def test_packs_for_outside_the_service_carry_no_worker_rows(sites, browser, demo_build):
    """Printed from the site for outside the service, a team's pack has no by-whom table and
    names no worker, and still prints whole."""
    _, paths = demo_build
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        workers = {r[0] for r in con.execute("select worker_id from marts.dim_worker").fetchall()}
    finally:
        con.close()
    page = sites["outside"] / "teams" / PACK_TEAM / "index.html"
    state, count, _ = printed(browser, page)
    check_print_layout(state, team_type(page))
    assert "by_whom" not in {s["id"] for s in state["sections"]}
    named = {w for w in workers if w and w in state["text"]}
    assert not named, sorted(named)[:5]
    breaks = sum(1 for s in state["sections"] if s["breakBefore"] == "page")
    assert breaks + 1 <= count <= breaks + 4
