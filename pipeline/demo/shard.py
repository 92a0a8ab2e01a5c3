"""One shard of the simulated world: its people and their events, held column-wise.

A shard is at most one Ealing's worth of people; the simulation steps (`simulate.py`) add
people (`people.py`) and record events through the methods here, which also fill in an event's
CLD columns (its "body", in contract order). `extracts.py` then cuts the extracts from it.
"""

from __future__ import annotations

import random

import numpy as np

from pipeline.demo.authorities import LA
from pipeline.demo.codes import ST_NURSING, ST_RESIDENTIAL
from pipeline.demo.formats import (
    BODY,
    EV_NAMES,
    EV_REQUEST,
    EV_SERVICE,
    NB,
    NEVER,
    ds,
    money,
    q,
)
from pipeline.demo.window import Window

# Service cost per week from a unit cost, by cost frequency (other frequencies: per unit,
# times the planned units per week).
_PER_WEEK = {
    "Weekly": 1.0,
    "Fortnightly": 0.5,
    "4-weekly": 0.25,
    "Monthly": 12 / 52,
    "Quarterly": 4 / 52,
    "Annually": 1 / 52,
}


class Shard:
    """People and events of one shard, and the random generators they are drawn from."""

    def __init__(
        self,
        la: LA,
        w: Window,
        scale: float,
        g: np.random.Generator,
        r: random.Random,
        nhs_state: dict,
    ) -> None:
        self.la, self.w, self.scale, self.g, self.r = la, w, scale, g, r
        self.nhs_state = nhs_state
        # people (column lists)
        self.p_dob: list[int] = []
        self.p_psr: list[str] = []
        self.p_home_team: list[str] = []
        self.p_acc: list[str] = []
        self.p_id: list[str] = []
        self.p_carer: list[bool] = []
        self.p_parts: list[tuple[str, str, str]] = []
        self.p_dod: list[int] = []
        self.p_cut: list[int] = []  # stream requests on/after this day are dropped
        # events
        self.e_type: list[int] = []
        self.e_person: list[int] = []
        self.e_start: list[int] = []
        self.e_end: list[int] = []
        self.e_alloc: list[int] = []
        self.e_stream: list[bool] = []
        self.e_acc: list[str] = []
        self.e_body: list[list[str]] = []
        # service lines with a cost: (event index, start, end, cost per week, one-off, cycle)
        self.pay: list[tuple[int, int, int, float, bool, int]] = []
        self.lts_people: list[int] = []

    def age(self, p: int, day: int) -> float:
        return (day - self.p_dob[p]) / 365.25

    def worker(self, team: str) -> str:
        ws = self.la.workers[team]
        return ws[self.r.randrange(len(ws))]

    # -- recording events -------------------------------------------------------------------------

    def add_event(
        self,
        etype: int,
        p: int,
        start: int,
        end: int,
        alloc: int,
        body: list[str],
        acc: str | None = None,
        stream: bool = False,
    ) -> int:
        body[BODY["event_type"]] = EV_NAMES[etype]
        body[BODY["event_start_date"]] = ds(start)
        if end < NEVER:
            body[BODY["event_end_date"]] = ds(end)
        self.e_type.append(etype)
        self.e_person.append(p)
        self.e_start.append(start)
        self.e_end.append(end)
        self.e_alloc.append(alloc)
        self.e_stream.append(stream)
        self.e_acc.append(acc if acc is not None else self.p_acc[p])
        self.e_body.append(body)
        return len(self.e_type) - 1

    def request(
        self,
        p: int,
        start: int,
        end: int,
        route: str,
        outcome: str,
        cancelled: bool,
        desc: str,
        acc: str | None = None,
        stream: bool = False,
    ) -> int:
        """A request (contact) answered at the front door."""
        b = [""] * NB
        team = self.la.teams["ARC"]
        b[BODY["event_description"]] = desc
        b[BODY["event_outcome"]] = "" if cancelled else q(outcome)
        b[BODY["request_route_of_access"]] = q(route)
        b[BODY["event_status"]] = "Cancelled" if cancelled else "Completed"
        b[BODY["team_code"]] = team
        b[BODY["worker_id"]] = self.worker(team)
        b[BODY["allocated_date"]] = ds(start)
        return self.add_event(EV_REQUEST, p, start, end, start, b, acc, stream)

    def work_item(
        self,
        etype: int,
        p: int,
        start: int,
        end: int,
        team: str,
        due: int,
        alloc: int,
        cancelled: bool,
        outcome: str,
        desc: str,
        extra: dict[str, str],
        acc: str | None = None,
    ) -> int:
        """An assessment or review for a team: allocated to a worker unless it ended first."""
        b = [""] * NB
        b[BODY["event_description"]] = desc
        b[BODY["event_outcome"]] = "" if cancelled else q(outcome)
        b[BODY["event_status"]] = "Cancelled" if cancelled else "Completed"
        b[BODY["team_code"]] = team
        if alloc <= end:
            b[BODY["worker_id"]] = self.worker(team)
            b[BODY["allocated_date"]] = ds(alloc)
        else:
            alloc = NEVER
        b[BODY["due_date"]] = ds(due)
        for k, v in extra.items():
            b[BODY[k]] = q(v)
        return self.add_event(etype, p, start, end, alloc, b, acc)

    def service(
        self,
        p: int,
        start: int,
        end: int,
        line: dict,
        outcome: str,
        team: str,
        acc: str | None = None,
    ) -> int:
        """A service line (from `service_lines.py`); one with a unit cost will be paid for."""
        b = [""] * NB
        b[BODY["event_description"]] = line["desc"]
        b[BODY["event_outcome"]] = q(outcome) if end < NEVER else ""
        b[BODY["event_status"]] = "Completed" if end < NEVER else "Open"
        b[BODY["service_type"]] = q(line["type"])
        b[BODY["service_component"]] = q(line["component"])
        b[BODY["delivery_mechanism"]] = q(line["mechanism"])
        b[BODY["provider_cqc_location_name"]] = line.get("provider", ("", ""))[0]
        b[BODY["provider_cqc_location_id"]] = line.get("provider", ("", ""))[1]
        b[BODY["team_code"]] = team
        unit = line.get("unit")
        if unit is not None:
            b[BODY["unit_cost"]] = money(unit)
            b[BODY["cost_frequency"]] = line["freq"]
            if line.get("units") is not None:
                b[BODY["planned_units_per_week"]] = money(line["units"])
        idx = self.add_event(EV_SERVICE, p, start, end, NEVER, b, acc)
        if unit is not None:
            self.pay.append((idx, start, end, *_cost(line)))
        return idx


def _cost(line: dict) -> tuple[float, bool, int]:
    """A costed line's (cost per week, or the one-off amount; one-off; payment cycle): placements
    and weekly lines are paid 4-weekly (cycle 1), the others by calendar month (cycle 0)."""
    unit, freq = line["unit"], line["freq"]
    if freq == "One-off":
        cpw, one_off = unit, True
    else:
        mult = _PER_WEEK.get(freq)
        cpw = unit * (mult if mult is not None else line["units"])
        one_off = False
    cycle = 1 if line["type"] in (ST_RESIDENTIAL, ST_NURSING) or freq == "Weekly" else 0
    return cpw, one_off, cycle
