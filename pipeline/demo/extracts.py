"""From a simulated shard to the rows of the quarterly extracts.

`finish` keeps the events an extract can show, orders them, ends events that run past a death
on the death day, and gives each an event reference (1% are left blank, as in real extracts).
`lines_for` then cuts one extract: the events that overlap its 12 months, as they looked on its
last day (an event still running then is Open, with no end date or outcome yet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.demo.codes import O_DECEASED
from pipeline.demo.formats import BODY, EV_LETTER, NEVER, ds, q
from pipeline.demo.shard import Shard


@dataclass
class Kept:
    """The events kept for the extracts, in order (arrays indexed alike), and the people's
    death days."""

    idx: np.ndarray  # the event's index in the shard
    type: np.ndarray
    person: np.ndarray
    start: np.ndarray
    end: np.ndarray
    alloc: np.ndarray
    dod: np.ndarray  # by person
    ends_at: dict[int, int]  # event index -> its end day, where a death cut it short


def finish(sh: Shard, ref_blank_rate: float) -> Kept:
    """Filter to the extract window, order, close events at death, assign references."""
    w = sh.w
    et = np.array(sh.e_type, dtype=np.int8)
    ep = np.array(sh.e_person, dtype=np.int64)
    es = np.array(sh.e_start, dtype=np.int64)
    ee = np.array(sh.e_end, dtype=np.int64)
    stream = np.array(sh.e_stream, dtype=bool)
    cut = np.array(sh.p_cut, dtype=np.int64)[ep] if len(ep) else ep
    dod = np.array(sh.p_dod, dtype=np.int64)
    keep = (es <= w.data_end) & (ee >= w.first_pstart) & (es >= w.sim_start - 365 * 8)
    keep &= ~stream | (es < cut)
    keep &= es <= dod[ep]
    idx = np.nonzero(keep)[0]
    idx = idx[np.lexsort((idx, es[idx]))]
    over = idx[(ee[idx] > dod[ep[idx]])]
    _close_at_death(sh, over, ep, ee, dod)
    kept = Kept(
        idx=idx,
        type=et[idx],
        person=ep[idx],
        start=es[idx],
        end=ee[idx],
        alloc=np.array(sh.e_alloc, dtype=np.int64)[idx],
        dod=dod,
        ends_at={},
    )
    _assign_references(sh, idx, sh.g.random(len(idx)) < ref_blank_rate)
    kept.ends_at = {int(i): int(ee[i]) for i in over.tolist()}
    return kept


def _close_at_death(
    sh: Shard, over: np.ndarray, ep: np.ndarray, ee: np.ndarray, dod: np.ndarray
) -> None:
    """Events running past a death end on the death day (ee is updated in place), completed
    with the outcome Deceased unless cancelled; unallocated if allocated after it."""
    for i in over.tolist():
        d = int(dod[ep[i]])
        b = sh.e_body[i]
        b[BODY["event_end_date"]] = ds(d)
        if b[BODY["event_status"]] != "Cancelled":
            b[BODY["event_outcome"]] = q(O_DECEASED)
            b[BODY["event_status"]] = "Completed"
        ee[i] = d
        if sh.e_alloc[i] > d:
            sh.e_alloc[i] = NEVER
            b[BODY["worker_id"]] = ""
            b[BODY["allocated_date"]] = ""


def _assign_references(sh: Shard, idx: np.ndarray, blank: np.ndarray) -> None:
    """Event references, numbered by type in event order across the council (<prefix>-<letter>
    and eight digits); blank where blank says."""
    la = sh.la
    for j, i in enumerate(idx.tolist()):
        if blank[j]:
            continue
        t = sh.e_type[i]
        la.next_ref[t] += 1
        sh.e_body[i][BODY["event_reference"]] = f"{la.prefix}-{EV_LETTER[t]}{la.next_ref[t]:08d}"


def lines_for(sh: Shard, kept: Kept, ps: int, pe: int, prefix: str) -> list[str]:
    """The CSV lines of one extract (period ps..pe) for this shard's events."""
    m = (kept.start <= pe) & (kept.end >= ps)
    sel = np.nonzero(m)[0]
    out: list[str] = []
    append = out.append
    parts, dod, accs, bodies = sh.p_parts, kept.dod, sh.e_acc, sh.e_body
    i_end, i_out = BODY["event_end_date"], BODY["event_outcome"]
    i_status, i_worker, i_alloc = BODY["event_status"], BODY["worker_id"], BODY["allocated_date"]
    i_elig, i_ach = BODY["eligible_needs_identified"], BODY["review_outcomes_achieved"]
    idx, person, end, alloc = kept.idx, kept.person, kept.end, kept.alloc
    for j in sel.tolist():
        i = int(idx[j])
        p = int(person[j])
        a, b, c = parts[p]
        d = dod[p]
        body = bodies[i]
        if end[j] > pe:  # open at the period end
            body = list(body)
            body[i_end] = ""
            body[i_out] = ""
            body[i_status] = "Open"
            body[i_elig] = ""
            body[i_ach] = ""
            if alloc[j] > pe:
                body[i_worker] = ""
                body[i_alloc] = ""
        append(prefix + a + (ds(d) if d <= pe else "") + b + accs[i] + c + ",".join(body))
    return out
