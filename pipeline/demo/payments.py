"""Finance payments for the costed service lines a shard's extracts show.

One-off lines are paid once, 1-4 weeks after they start. Placements and weekly lines are paid
in arrears every four weeks (cycles from Monday 1 April 2019), the others by calendar month; a
payment covers the days of its cycle the line ran, at the line's cost per week (give or take a
little). About 1% of payments are followed four weeks later by a credit (a refund). Payments
are filed by the financial quarter of their payment date.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from pipeline.demo.authorities import LA
from pipeline.demo.extracts import Kept
from pipeline.demo.formats import BODY, day, ds
from pipeline.demo.shard import Shard
from pipeline.demo.window import Window, fy_quarter

_ANCHOR = day(date(2019, 4, 1))  # the first day of a 4-weekly cycle

# Parallel arrays of payments: (pay day, period start, period end, amount, event index)
_Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def payment_lines(
    sh: Shard, kept: Kept, w: Window, g: np.random.Generator, quarters: list[tuple[int, int]]
) -> dict[tuple[int, int], list[str]]:
    """The shard's payment file lines by financial quarter, numbered on from the council's last
    payment (payments outside the quarters are dropped)."""
    la: LA = sh.la
    by_q: dict[tuple[int, int], list[str]] = {fq: [] for fq in quarters}
    for pay, ps, pe, amt, pid, ref in _payments(sh, kept, w, g):
        fq = fy_quarter(pay)
        if fq not in by_q:
            continue
        la.next_payment += 1
        by_q[fq].append(
            f"{la.prefix}-PAY{la.next_payment:09d},{la.code},{pid},{ref},"
            f"{ds(ps)},{ds(pe)},{amt:.2f},{ds(pay)}"
        )
    return by_q


def _payments(sh: Shard, kept: Kept, w: Window, g: np.random.Generator) -> list[tuple]:
    """Payment lines for a shard's costed service lines: (pay_day, ps, pe, amount, person, ref),
    paid between the first financial year's start and the data's end, by pay day."""
    if not sh.pay:
        return []
    kept_events = {int(i): j for j, i in enumerate(kept.idx.tolist())}
    rows = [t for t in sh.pay if t[0] in kept_events]
    if not rows:
        return []
    ev = np.array([t[0] for t in rows], dtype=np.int64)
    st = np.array([t[1] for t in rows], dtype=np.int64)
    en = np.array([kept.ends_at.get(t[0], t[2]) for t in rows], dtype=np.int64)
    en = np.minimum(en, w.data_end)
    cpw = np.array([t[3] for t in rows])
    one = np.array([t[4] for t in rows], dtype=bool)
    cyc = np.array([t[5] for t in rows], dtype=np.int64)
    o = np.nonzero(one)[0]
    parts = [(st[o] + g.integers(7, 31, len(o)), st[o], st[o], cpw[o], ev[o])]
    for cycle in (0, 1):
        sel = np.nonzero(~one & (cyc == cycle) & (en >= st))[0]
        if len(sel):
            parts.append(_periodic(g, cycle, st[sel], en[sel], cpw[sel], ev[sel]))
    pay, ps, pe, amt, evs = (np.concatenate(c) for c in zip(*parts, strict=True))
    pay, ps, pe, amt, evs = _with_credits(g, pay, ps, pe, np.round(amt, 2), evs)
    ok = (pay >= w.fy_first) & (pay <= w.data_end) & (amt != 0)
    order = np.lexsort((evs[ok], ps[ok], pay[ok]))
    bodies, persons = sh.e_body, sh.e_person
    i_ref = BODY["event_reference"]
    return [
        (a, b_, c, d, sh.p_id[persons[e_]], bodies[e_][i_ref])
        for a, b_, c, d, e_ in zip(
            pay[ok][order].tolist(),
            ps[ok][order].tolist(),
            pe[ok][order].tolist(),
            amt[ok][order].tolist(),
            evs[ok][order].tolist(),
            strict=True,
        )
    ]


def _periodic(
    g: np.random.Generator,
    cycle: int,
    s: np.ndarray,
    e: np.ndarray,
    cpw: np.ndarray,
    ev: np.ndarray,
) -> _Columns:
    """A payment for every cycle (0 = calendar month, 1 = 4-weekly) each line ran in."""
    if cycle == 0:
        ms = s.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        me = e.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    else:
        ms = (s - _ANCHOR) // 28
        me = (e - _ANCHOR) // 28
    cnt = me - ms + 1
    rep = np.repeat(np.arange(len(s)), cnt)
    k = ms[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    if cycle == 0:
        c_start = k.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        c_end = (k + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
        pay = c_end + g.integers(5, 21, len(k))
    else:
        c_start = _ANCHOR + 28 * k
        c_end = c_start + 27
        pay = c_end + g.integers(3, 15, len(k))
    ps_ = np.maximum(c_start, s[rep])
    pe_ = np.minimum(c_end, e[rep])
    days = pe_ - ps_ + 1
    amt = cpw[rep] / 7.0 * days * (1 + g.normal(0, 0.004, len(k)))
    return pay, ps_, pe_, amt, ev[rep]


def _with_credits(
    g: np.random.Generator,
    pay: np.ndarray,
    ps: np.ndarray,
    pe: np.ndarray,
    amt: np.ndarray,
    evs: np.ndarray,
) -> _Columns:
    """The payments and, for about 1% of them, a credit four weeks later (a refund for days not
    delivered: 10-50% of the payment)."""
    cr = np.nonzero(g.random(len(pay)) < 0.01)[0]
    return (
        np.concatenate([pay, pay[cr] + 28]),
        np.concatenate([ps, ps[cr]]),
        np.concatenate([pe, pe[cr]]),
        np.concatenate([amt, -np.round(amt[cr] * g.uniform(0.1, 0.5, len(cr)), 2)]),
        np.concatenate([evs, evs[cr]]),
    )
