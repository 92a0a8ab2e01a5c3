"""The simulation of one shard, step by step:

1. the stock: the long-term clients there are when the simulated world starts;
2. the front door: new people (and unpaid carers) arriving, each with a first contact and
   repeats, and what each request's outcome is;
3. the follow-ups: requests that progress go on to an assessment or reablement
   (`pathways.py`), in order of person and day.
"""

from __future__ import annotations

import numpy as np

from pipeline.demo.codes import (
    O_ASSESS,
    O_DECEASED,
    O_REABLE,
    PSR_LD,
    REQ_ASSESS_INDEX,
    REQ_OUT,
    REQ_REABLE_INDEX,
    ROUTE_COMMUNITY_INDEX,
    ROUTE_HOSPITAL_INDEXES,
    ROUTES,
)
from pipeline.demo.draws import choice_idx
from pipeline.demo.long_term import lts_life
from pipeline.demo.pathways import assessment, reablement
from pipeline.demo.people import add_people
from pipeline.demo.service_lines import care_home_line, community_line
from pipeline.demo.shard import Shard


def simulate(sh: Shard) -> None:
    _stock(sh)
    progress = _front_door(sh)
    _follow_up(sh, progress)


def _stock(sh: Shard) -> None:
    """The long-term clients at the start: how long they have been clients, where they live,
    when they were last reviewed."""
    g, r, w = sh.g, sh.r, sh.w
    n_stock = int(g.poisson(4800 * sh.scale))
    stock = add_people(sh, n_stock, "stock", np.full(n_stock, w.sim_start, dtype=np.int64))
    for p in stock.tolist():
        older = sh.age(p, w.sim_start) >= 65
        psr = sh.p_psr[p]
        p_home = 0.21 if older else (0.22 if psr == PSR_LD else 0.12)
        s0 = w.sim_start - r.randint(30, 365 * 7)
        if r.random() < p_home:
            line = care_home_line(sh, p, r.random() < 0.33)
        else:
            line = community_line(sh, p)
        last_review = w.sim_start - r.randint(0, 540)
        lts_life(sh, p, s0, line, max(last_review, s0) + 365, False)


def _front_door(sh: Shard) -> list[tuple[int, int, int, int]]:
    """New people and carers, their contacts and the requests' outcomes. Returns the requests
    that progress: (person, start, end, outcome index * 10 + from hospital)."""
    pidx, start = _contact_days(sh)
    g, r = sh.g, sh.r
    n = len(start)
    dur = np.where(g.random(n) < 0.5, 0, 1 + g.exponential(2.5, n).astype(np.int64))
    end = start + dur
    route_i = choice_idx(g, [x[1] for x in ROUTES], n)
    hosp = np.isin(route_i, ROUTE_HOSPITAL_INDEXES)
    is_carer = np.array([sh.p_carer[p] for p in pidx.tolist()], dtype=bool)
    route_i[is_carer] = ROUTE_COMMUNITY_INDEX
    hosp &= ~is_carer
    out_c = choice_idx(g, [x[1] for x in REQ_OUT], n)
    out_h = choice_idx(g, [x[2] for x in REQ_OUT], n)
    out_i = np.where(hosp, out_h, out_c)
    # carers: no reablement; progress means a carer's assessment
    out_i[is_carer & (out_i == REQ_REABLE_INDEX)] = REQ_ASSESS_INDEX
    cancelled = g.random(n) < 0.02
    descs = np.where(
        hosp,
        "Hospital discharge notification",
        np.where(g.random(n) < 0.5, "Contact", "Initial conversation"),
    )
    progress: list[tuple[int, int, int, int]] = []
    for i in range(n):
        p = int(pidx[i])
        s, e, oi = int(start[i]), int(end[i]), int(out_i[i])
        canc = bool(cancelled[i])
        outcome = REQ_OUT[oi][0]
        sh.request(p, s, e, ROUTES[route_i[i]][0], outcome, canc, str(descs[i]), stream=True)
        if canc:
            continue
        if outcome == O_DECEASED:
            dd = s - r.randint(0, 5)
            if dd < sh.p_dod[p]:
                sh.p_dod[p] = dd
                sh.p_cut[p] = min(sh.p_cut[p], dd)
        elif outcome in (O_ASSESS, O_REABLE):
            progress.append((p, s, e, oi * 10 + int(hosp[i])))
    return progress


def _contact_days(sh: Shard) -> tuple[np.ndarray, np.ndarray]:
    """New contacts (8% of them unpaid carers) arriving about 1,080 a month at scale 1, each
    calling again about 2.3 times, at gaps of about 150 days; weekend calls mostly move to the
    Monday. Returns (person, day) of every contact in the extracts' window, by day then person.
    """
    g, w = sh.g, sh.w
    days = w.data_end - w.sim_start
    n_new = int(g.poisson(1080 * sh.scale * days / 30.44))
    arrive = g.integers(w.sim_start, w.data_end + 1, n_new)
    carer_mask = g.random(n_new) < 0.08
    people = np.empty(n_new, dtype=np.int64)
    people[~carer_mask] = add_people(sh, int((~carer_mask).sum()), "contact", arrive[~carer_mask])
    people[carer_mask] = add_people(sh, int(carer_mask.sum()), "carer", arrive[carer_mask])
    # contacts per person: the first at arrival, then repeats
    extra = g.poisson(2.3, n_new)
    counts = 1 + extra
    pidx = np.repeat(people, counts)
    first = np.repeat(arrive, counts)
    order_in = np.arange(len(pidx)) - np.repeat(np.cumsum(counts) - counts, counts)
    gaps = g.exponential(150.0, len(pidx)).astype(np.int64) + 1
    gaps[order_in == 0] = 0
    # cumulative gaps within each person
    csum = np.cumsum(gaps)
    base = np.repeat(csum[np.cumsum(counts) - counts] - gaps[np.cumsum(counts) - counts], counts)
    start = first + (csum - base)
    # weekend contacts mostly move to Monday (1970-01-01 was a Thursday)
    dow = (start + 3) % 7
    wk = (dow >= 5) & (g.random(len(start)) < 0.8)
    start = np.where(wk, start + (7 - dow), start)
    keep = (start <= w.data_end) & (start >= w.first_pstart - 120)
    pidx, start = pidx[keep], start[keep]
    order = np.lexsort((pidx, start))
    return pidx[order], start[order]


def _follow_up(sh: Shard, progress: list[tuple[int, int, int, int]]) -> None:
    """Assessments and reablement after the requests that progressed, person by person."""
    progress.sort()
    for p, s, e, code in progress:
        if s >= sh.p_cut[p]:
            continue
        outcome = REQ_OUT[code // 10][0]
        hospital = bool(code % 10)
        if outcome == O_REABLE:
            reablement(sh, p, e + sh.r.randint(0, 3))
        else:
            assessment(sh, p, e, hospital)
