"""People: long-term clients at the start, new contacts, and unpaid carers.

Their characteristics are drawn for a whole batch at once (numpy), in a fixed order, then each
person's CLD columns are written once as three text parts (before Date of Death, between it and
Accommodation Status, after it), since those columns repeat on every event of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.demo.authorities import LA, LT_TEAMS, NAMES
from pipeline.demo.codes import (
    ACC_COMMUNITY,
    EMP_W,
    EMPLOYMENT,
    ETHNICITY,
    FUNDING,
    HEARING,
    PSR_LD,
    PSR_LD_INDEX,
    PSR_LIST,
    PSR_MEMORY_INDEX,
    PSR_MH,
    PSR_W,
    VISUAL,
)
from pipeline.demo.draws import choice_idx
from pipeline.demo.formats import NEVER, ds, q
from pipeline.demo.shard import Shard

_FIRST_F = tuple(NAMES["first_names_female"])
_FIRST_M = tuple(NAMES["first_names_male"])
_LAST = tuple(NAMES["last_names"])
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # postcode unit letters


@dataclass
class _Drawn:
    """A batch of people's drawn characteristics (arrays of n)."""

    older: np.ndarray
    dob: np.ndarray
    psr_idx: np.ndarray
    is_ld: np.ndarray
    is_mem: np.ndarray
    gender: np.ndarray
    eth: np.ndarray
    acc: np.ndarray
    emp: np.ndarray
    vis: np.ndarray
    hear: np.ndarray
    fund: np.ndarray
    u_car: np.ndarray
    u_asd: np.ndarray
    u_dem: np.ndarray
    first_f: np.ndarray
    first_m: np.ndarray
    last: np.ndarray
    dist: np.ndarray
    pc_d: np.ndarray
    pc_l: np.ndarray
    gp: np.ndarray
    blank_nhs: np.ndarray


def add_people(sh: Shard, n: int, kind: str, ref_days: np.ndarray) -> np.ndarray:
    """n people of a kind: 'stock' (long-term clients), 'contact' (new contacts) or 'carer',
    aged as at ref_days. Returns their indexes in the shard."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    d = _draw(sh.g, sh.la, n, kind, ref_days)
    nhs = nhs_numbers(sh.nhs_state, n)
    start = len(sh.p_dob)
    for i in range(n):
        _add_person(sh, d, i, kind, nhs[i])
    return np.arange(start, start + n)


def _draw(g: np.random.Generator, la: LA, n: int, kind: str, ref_days: np.ndarray) -> _Drawn:
    """Every characteristic of n people, drawn column by column (the order is the stream's)."""
    if kind == "carer":
        older = g.random(n) < 0.45
        age = np.where(older, 65 + g.gamma(2.0, 4.0, n), 30 + g.random(n) * 35)
    else:
        p_older = 0.63 if kind == "stock" else 0.66
        older = g.random(n) < p_older
        age = np.where(older, 65 + np.minimum(g.gamma(2.2, 6.5, n), 38), 18 + g.random(n) * 47)
    dob = (ref_days - age * 365.25).astype(np.int64)
    col = (0 if kind == "stock" else 2) + older.astype(int)  # a column of PSR_W
    psr_idx = np.empty(n, dtype=np.int64)
    for c in (0, 1, 2, 3):
        m = col == c
        psr_idx[m] = choice_idx(g, PSR_W[:, c], int(m.sum()))
    is_ld = psr_idx == PSR_LD_INDEX
    p_f = np.where(older, 0.6, 0.48)
    gender_u = g.random(n)
    gender = np.where(gender_u < 0.004, "Unknown", np.where(gender_u < p_f, "Female", "Male"))
    eth = choice_idx(g, [e[1] for e in ETHNICITY], n)
    acc_gen = choice_idx(g, [a[1] for a in ACC_COMMUNITY], n)
    acc_ld = choice_idx(g, [a[2] for a in ACC_COMMUNITY], n)
    emp = np.where(older, choice_idx(g, EMP_W[1], n), choice_idx(g, EMP_W[0], n))
    vis = choice_idx(g, [v[1] for v in VISUAL], n)
    hear = choice_idx(g, [v[1] for v in HEARING], n)
    fund = choice_idx(g, [v[1] for v in FUNDING], n)
    u_car, u_asd, u_dem = g.random(n), g.random(n), g.random(n)
    return _Drawn(
        older=older,
        dob=dob,
        psr_idx=psr_idx,
        is_ld=is_ld,
        is_mem=psr_idx == PSR_MEMORY_INDEX,
        gender=gender,
        eth=eth,
        acc=np.where(is_ld, acc_ld, acc_gen),
        emp=emp,
        vis=vis,
        hear=hear,
        fund=fund,
        u_car=u_car,
        u_asd=u_asd,
        u_dem=u_dem,
        first_f=g.integers(0, len(_FIRST_F), n),
        first_m=g.integers(0, len(_FIRST_M), n),
        last=g.integers(0, len(_LAST), n),
        dist=g.integers(0, len(la.districts), n),
        pc_d=g.integers(1, 10, n),
        pc_l=g.integers(0, len(_LETTERS), (n, 2)),
        gp=g.integers(0, len(la.gp), n),
        blank_nhs=g.random(n) < 0.015,
    )


def _add_person(sh: Shard, d: _Drawn, i: int, kind: str, nhs: str) -> None:
    """The i'th person of a drawn batch: an identifier, the row parts, a home team."""
    la = sh.la
    pid = f"{1000000 + la.next_person}"
    la.next_person += 1
    if kind == "carer":
        psr, ctype = "", "Unpaid carer"
    else:
        psr, ctype = PSR_LIST[d.psr_idx[i]], "Service user"
    gen = str(d.gender[i])
    first = _FIRST_F[d.first_f[i]] if gen == "Female" else _FIRST_M[d.first_m[i]]
    postcode = (
        f"{la.districts[d.dist[i]]} {d.pc_d[i]}{_LETTERS[d.pc_l[i, 0]]}{_LETTERS[d.pc_l[i, 1]]}"
    )
    gpn, gpc = la.gp[d.gp[i]]
    identity = ("" if d.blank_nhs[i] else nhs, pid, first, _LAST[d.last[i]], gpn, gpc, gen)
    part_a = ",".join((*identity, q(ETHNICITY[d.eth[i]][0]), ds(int(d.dob[i])))) + ","
    part_b = "," + ",".join((ctype, q(psr), postcode)) + ","
    part_c = "," + ",".join(_characteristics(d, i)) + ","
    sh.p_parts.append((part_a, part_b, part_c))
    sh.p_dob.append(int(d.dob[i]))
    sh.p_psr.append(psr)
    sh.p_id.append(pid)
    sh.p_carer.append(kind == "carer")
    sh.p_acc.append(q(ACC_COMMUNITY[d.acc[i]][0]))
    sh.p_dod.append(NEVER)
    sh.p_cut.append(NEVER)
    if psr == PSR_LD and not d.older[i]:
        home = la.teams["LD"]
    elif psr == PSR_MH and not d.older[i]:
        home = la.teams["MH"]
    else:
        home = la.teams[LT_TEAMS[d.dist[i] % 4]]
    sh.p_home_team.append(home)


def _characteristics(d: _Drawn, i: int) -> tuple[str, ...]:
    """Employment, unpaid carer, autism, sight, hearing, dementia, client funding (quoted)."""
    u_dem = d.u_dem[i]
    if d.older[i]:
        dementia = (
            "Yes"
            if (d.is_mem[i] and u_dem < 0.85) or u_dem < 0.12
            else ("No" if u_dem < 0.9 else "Unknown")
        )
    else:
        dementia = "Yes" if u_dem < 0.01 else ("No" if u_dem < 0.9 else "Unknown")
    asd_yes = 0.3 if d.is_ld[i] else 0.01
    asd = "Yes" if d.u_asd[i] < asd_yes else ("No" if d.u_asd[i] < 0.9 else "Unknown")
    carer = "Yes" if d.u_car[i] < 0.4 else ("No" if d.u_car[i] < 0.9 else "Unknown")
    return (
        q(EMPLOYMENT[d.emp[i]]),
        carer,
        asd,
        q(VISUAL[d.vis[i]][0]),
        q(HEARING[d.hear[i]][0]),
        dementia,
        q(FUNDING[d.fund[i]][0]),
    )


def nhs_check_digit(base9: np.ndarray) -> np.ndarray:
    """The modulus 11 check digit of nine-digit numbers (10 means no valid number)."""
    digits = np.stack([(base9 // 10 ** (8 - i)) % 10 for i in range(9)], axis=1)
    total = (digits * np.arange(10, 1, -1)).sum(axis=1)
    check = 11 - total % 11
    check[check == 11] = 0
    return check


def nhs_numbers(st: dict, n: int) -> list[str]:
    """n valid NHS numbers from the 999 test range (never a real person's), carrying on from
    st["next"] across shards and councils so that no two people share one; blank when the
    range is used up."""
    out: list[str] = []
    while len(out) < n:
        k0 = st["next"]
        if k0 >= 1_000_000:
            out += [""] * (n - len(out))
            break
        k = np.arange(k0, min(k0 + (n - len(out)) * 12 // 10 + 20, 1_000_000), dtype=np.int64)
        base = 999_000_000 + (k * 7919 + 12345) % 1_000_000
        check = nhs_check_digit(base)
        ok = check < 10
        nums = base[ok] * 10 + check[ok]
        take = min(n - len(out), len(nums))
        out += [str(x) for x in nums[:take]]
        used = np.nonzero(ok)[0]
        st["next"] = int(k[used[take - 1]]) + 1 if take else int(k[-1]) + 1
    return out
