"""The reference files' rows for every council: teams, workers, targets, population, actions
(their columns are the contract's `REFERENCE_COLUMNS`).

Targets are set for each financial year at the council's size (tightening a little each year),
for the service, its teams and, in the last year, each caseworker of one team. Actions are the
30 a performance meeting might have raised over the years (`data/actions.csv`, owners from
`data/names.json`), each done, open or dropped.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from pipeline.core.contract import REFERENCE_COLUMNS
from pipeline.demo.authorities import LA, NAMES, TEAMS
from pipeline.demo.datafiles import read_csv
from pipeline.demo.draws import pick
from pipeline.demo.formats import ds
from pipeline.demo.window import Window

_ACTIONS = tuple(
    (a["measure"], a["team"], a["meeting"], a["action"]) for a in read_csv("actions.csv")
)
_OWNERS = tuple(NAMES["action_owners"])
_WORK_TEAMS = ("HD", "LT1", "LT2", "LT3", "LT4", "LD", "MH", "REV", "OT", "CAR")


def reference_rows(
    la_objs: list[LA], scale: float, start_year: int, years: int, seed: int, w: Window
) -> dict[str, list[list[str]]]:
    """Every reference file's rows (by file name), council by council."""
    ref_rows: dict[str, list[list[str]]] = {k: [] for k in REFERENCE_COLUMNS}
    for li, la in enumerate(la_objs):
        for suffix, tname, ttype, area, _n, _role in TEAMS:
            ref_rows["teams"].append([la.teams[suffix], f"{la.name} {tname}", ttype, area])
        ref_rows["workers"] += la.worker_rows
        ref_rows["targets"] += targets(la, scale, start_year, years)
        ref_rows["population"] += population(la, start_year, years)
        ref_rows["actions"] += actions(la, random.Random(seed * 1000 + li), w)
    ref_rows["targets"] = whole_service_once(ref_rows["targets"])
    return ref_rows


# Whole-service targets that are shares: the same in every council, so kept, not added.
_SHARES = ("conversion_rate", "completed_on_time_share", "reviewed_share")


def whole_service_once(rows: list[list[str]]) -> list[list[str]]:
    """The whole service's targets (blank team and worker) once per measure and year: in a
    landing of several councils the service is all of them (targets.csv names no council),
    so their counts and spend are added up and their shares kept."""
    out: list[list[str]] = []
    merged: dict[tuple[str, ...], list[str]] = {}
    for row in rows:
        team, measure, start, end, _target, _tolerance, worker = row
        if team or worker:
            out.append(row)
            continue
        first = merged.get((measure, start, end))
        if first is None:
            merged[measure, start, end] = first = list(row)
            out.append(first)
        elif measure not in _SHARES:
            for i in (4, 5):
                total = Decimal(first[i]) + Decimal(row[i])
                first[i] = str(total)
    return out


def population(la: LA, start_year: int, years: int) -> list[list[str]]:
    """Population 18-64 and 65+ from the year before the first: mid-2024's, with the younger
    band shrinking 0.3% and the older 1.5% a year going back."""
    rows = []
    for year in range(start_year - 1, start_year + years):
        d = 2024 - year
        y1 = round(la.pop_18_64 * (1 - 0.003) ** d)
        y2 = round(la.pop_65 * (1 - 0.015) ** d)
        rows.append([la.code, str(year), "18-64", str(y1)])
        rows.append([la.code, str(year), "65+", str(y2)])
    return rows


def targets(la: LA, scale: float, start_year: int, years: int) -> list[list[str]]:
    """Targets and tolerances by team (blank: the whole service), measure and financial year;
    then, for the last year, no overdue work for each caseworker of Long Term Team 1."""
    rows = []
    f = la.size * scale
    for fy in range(start_year, start_year + years):
        rows += _year_targets(la, f, date(fy, 4, 1), date(fy + 1, 3, 31), fy - start_year)
    rows = [[*r, ""] for r in rows]  # Worker ID: none, a team's or the service's target
    ps, pe = date(start_year + years - 1, 4, 1).isoformat(), date(start_year + years, 3, 31)
    for worker in la.workers[la.teams["LT1"]]:
        rows.append([la.teams["LT1"], "overdue_count", ps, pe.isoformat(), "0", "0", worker])
    return rows


def _year_targets(la: LA, f: float, start: date, end: date, step: int) -> list[list[str]]:
    """One financial year's targets at size f, step years after the first."""
    ps, pe = start.isoformat(), end.isoformat()
    rows = []
    contacts = max(1, round(4000 * f / 10) * 10)
    tolerance = str(max(1, round(contacts * 0.1)))
    rows.append(["", "contacts_count", ps, pe, str(contacts), tolerance])
    rows.append([la.teams["ARC"], "contacts_count", ps, pe, str(contacts), tolerance])
    for t in ("", la.teams["ARC"]):
        rows.append([t, "conversion_rate", ps, pe, "0.30", "0.03"])
    for s in ("",) + _WORK_TEAMS:
        t = la.teams[s] if s else ""
        rows.append([t, "completed_on_time_share", ps, pe, f"{0.70 + 0.05 * step:.2f}", "0.10"])
    total_overdue = 0
    for s in _WORK_TEAMS:
        n = max(1, round((60 if s == "REV" else 25) * f))
        total_overdue += n
        rows.append([la.teams[s], "overdue_count", ps, pe, str(n), str(max(1, n // 5))])
    rows.append(["", "overdue_count", ps, pe, str(total_overdue), str(max(1, total_overdue // 5))])
    for t in ("", la.teams["REV"]):
        rows.append([t, "reviewed_share", ps, pe, f"{0.65 + 0.05 * step:.2f}", "0.05"])
    spend = 900 * f * 1309 / 7 * (1 - 0.02 * step)
    rows.append(["", "avg_daily_spend_placements", ps, pe, f"{spend:.2f}", f"{spend * 0.05:.2f}"])
    return rows


def actions(la: LA, r: random.Random, w: Window) -> list[list[str]]:
    """30 actions raised evenly over the financial years, each with an owner and due date."""
    rows = []
    first = w.fy_first
    span = w.data_end - first
    for k in range(30):
        measure, team, meeting, text = _ACTIONS[k % len(_ACTIONS)]
        raised = first + int(span * (k + r.random()) / 30)
        due = raised + r.choice((14, 21, 28, 42, 56))
        if due < w.data_end - 30:
            status = pick(r, (("Done", 72), ("Open", 18), ("Dropped", 10)))
        else:
            status = "Open" if r.random() < 0.8 else "Done"
        done = ""
        if status == "Done":
            done = ds(min(raised + r.randint(3, due - raised + 20), w.data_end))
        rows.append(
            [
                f"{la.prefix}-A{k + 1:03d}",
                la.teams[team] if team else "",
                ds(raised),
                meeting,
                text,
                r.choice(_OWNERS),
                ds(due),
                status,
                done,
                measure,
            ]
        )
    return rows
