"""Reports: the standard reports as a static, offline web site, rendered from the published
marts.

`render_reports(warehouse)` reads the current release (`<warehouse>/published`, a symlink to
`releases/<id>/`) read-only, runs the report queries in `reports_sql/` and writes
`releases/<id>/reports/`: `index.html` for the whole service, one page per team in
`teams/<team>/index.html`, and a CSV per report next to each page. The pages are plain HTML
with inline SVG charts and the stylesheet `report.css` inlined: no script, no font or style
fetched from anywhere. `render_reports_into(folder, db)` renders elsewhere (pages for outside
the service); `suppress_small_counts=True` shows counts of 1 to 4 as `<5`, withholds (`[c]`)
what is computed from them, and leaves worker rows out.

The modules, in the order a page is made: `specs` (which reports, their queries, columns and
labels), `data` (the queries run against the release), `suppression`, `builder` (one page's
rows and chart series), `sections` (the charts of each report), `charts` and `sparkline` (SVG),
`tables`, `by_whom`, `layout` (the page shell and `report.css`), `pages`, `site` (the entry
points).
"""

from pipeline.reports.formatting import slug
from pipeline.reports.layout import report_css
from pipeline.reports.site import REPORTS_DIR_NAME, render_reports, render_reports_into
from pipeline.reports.specs import REPORTS, REPORTS_SQL_DIR

__all__ = [
    "REPORTS",
    "REPORTS_DIR_NAME",
    "REPORTS_SQL_DIR",
    "render_reports",
    "render_reports_into",
    "report_css",
    "slug",
]
