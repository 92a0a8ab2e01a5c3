"""The pages' tables and tiles: the scorecard, the exceptions, the actions log, the space for
the meeting's new actions (in print only), the list of teams on the service page, and a
headline tile."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from pipeline.reports.builder import actions_rows, current
from pipeline.reports.data import ReportData, Row
from pipeline.reports.formatting import cell, period, rag_badge, unit_of

# Team code -> the link to its page (None: no link).
TeamLink = Callable[[str], str | None]


def _table(name: str, head: list[str], rows: list[list[str]]) -> str:
    """A table of class `name`: the headings, then a row of cells each."""
    out = [f"<table class='{name}'><thead><tr>"]
    out += [f"<th scope='col' class='text'>{h}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    out += [f"<tr>{''.join(cells)}</tr>" for cells in rows]
    out.append("</tbody></table>")
    return "".join(out)


def scorecard_table(rows: list[Row], with_team: bool, link: TeamLink) -> str:
    if not rows:
        return "<p>No targets are set for this period.</p>"
    head = ["Team"] if with_team else []
    head += ["Measure", "Period", "Actual", "Target", "Difference", "Status"]
    body = []
    for r in rows:
        unit = unit_of(r["unit"])
        cells = []
        if with_team:
            href = link(r["team_code"])
            name = escape(r["team_name"])
            cells.append(
                f"<td class='text'><a href='{href}'>{name}</a></td>"
                if href
                else f"<td class='text'>{name}</td>"
            )
        cells += [
            f"<td class='text'>{escape(r['measure_name'] or r['measure'])}</td>",
            f"<td class='text'>{period(r['period_start'], r['period_end'])}</td>",
            f"<td>{escape(cell(r['actual'], unit))}</td>",
            f"<td class='target'>{escape(cell(r['target'], unit))}</td>",
            f"<td class='diff'>{escape(cell(r['difference'], unit))}</td>",
            f"<td class='text'>{rag_badge(r['rag'])}</td>",
        ]
        body.append(cells)
    return _table("scorecard", head, body)


def exceptions_html(rows: list[Row], with_team: bool, link: TeamLink) -> str:
    red = [r for r in current(rows) if r["is_exception"]]
    if not red:
        body = "<p>No exceptions: every measure with a target is green or amber.</p>"
    else:
        body = scorecard_table(red, with_team, link)
    return (
        f'<section class="exceptions" id="exceptions"><h2>Exceptions ({len(red)})</h2>'
        f"<p>Measures missing their target by more than the tolerance, this period.</p>"
        f"{body}</section>"
    )


def actions_table(rows: list[Row], with_team: bool) -> str:
    if not rows:
        return "<p>No actions recorded.</p>"
    head = ["Team"] if with_team else []
    head += ["Action", "Owner", "Due", "Status", "Measure", "Measure status"]
    body = []
    for r in rows:
        status = r["status"] + (" (overdue)" if r["is_overdue"] else "")
        cells = [f"<td class='text'>{escape(r['team_name'])}</td>"] if with_team else []
        cells += [
            f"<td class='text'>{escape(r['action'] or '')}</td>",
            f"<td class='text'>{escape(r['owner'] or '')}</td>",
            f"<td class='text'>{cell(r['due_date'])}</td>",
            f"<td class='text'>{escape(status)}</td>",
            f"<td class='text'>{escape(r['measure'] or '')}</td>",
            f"<td class='text'>{rag_badge(r['measure_rag']) if r['measure_rag'] else ''}</td>",
        ]
        body.append(cells)
    return _table("actions", head, body)


# The blank rows for the meeting's new actions, in print.
NEW_ACTION_ROWS = 8


def new_actions_html() -> str:
    """Ruled space to write the meeting's new actions in, with the columns of `actions.csv`
    they go into after the meeting. Printed only (class `print-only`): on screen it is empty
    space."""
    head = ["Action", "Owner", "Due date", "Measure it should move"]
    rows = [["<td class='text'></td>"] * len(head)] * NEW_ACTION_ROWS
    return (
        "<section class='print-only' id='new-actions'><h2>New actions agreed at this meeting</h2>"
        "<p>Write each new action with its owner, due date and the measure it should move; "
        "after the meeting add them to the actions log (<code>actions.csv</code>), so that the "
        "next pack shows them.</p>"
        + _table("new-actions", head, rows)
        + "<p class='meta'>Meeting date: ____________ &nbsp; Chair: ______________________ "
        "&nbsp; Present: ______________________________________</p></section>"
    )


def team_list(data: ReportData, scorecard: list[Row], team_pages: dict[str, str]) -> str:
    """Every team, linked to its page, with its exceptions and overdue actions."""
    rows = []
    for team in data.teams:
        code = team["team_code"]
        red = sum(1 for r in current(scorecard) if r["team_code"] == code and r["is_exception"])
        overdue = sum(1 for r in actions_rows(data, code) if r["is_overdue"])
        rows.append(
            f"<tr><td class='text'><a href='{team_pages[code]}'>{escape(team['team_name'])}</a>"
            f"</td><td class='text'>{escape(team['team_type'] or '')}</td>"
            f"<td class='n'>{red}</td><td class='n'>{overdue}</td></tr>"
        )
    return (
        "<section id='teams'><h2>Teams</h2><table class='teams'><thead><tr>"
        "<th scope='col' class='text'>Team</th><th scope='col' class='text'>Type</th>"
        "<th scope='col'>Exceptions</th><th scope='col'>Actions overdue</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def tile(label: str, value: str, detail: str = "", rag: str | None = None) -> str:
    badge = f" {rag_badge(rag)}" if rag else ""
    return (
        f'<div class="tile"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(detail)}{badge}</div></div>'
    )
