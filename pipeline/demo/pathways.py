"""What follows a request that progresses: an assessment (by the team that fits the person),
reablement, short-term support, support for an unpaid carer, or long-term support.

Each step checks the person's cut-off day first (`Shard.p_cut`: they died, moved or became a
long-term client), and draws from the shard's generators in a fixed order.
"""

from __future__ import annotations

from pipeline.demo.codes import (
    ASSESS_OUT_LT,
    ASSESS_OUT_ST,
    DM_COMM,
    M_BOTH,
    M_CARER,
    M_SU,
    O_ASSESS,
    O_DECEASED,
    O_DECLINED,
    O_ENDED,
    O_ENDED_OTHER,
    O_HOSPITAL,
    O_IA,
    O_NHS,
    O_REABLE,
    O_SELF,
    O_SUPPORT,
    PSR_LD,
    PSR_MH,
    ST_STMAX,
)
from pipeline.demo.draws import pick
from pipeline.demo.formats import EV_ASSESSMENT, EV_REVIEW
from pipeline.demo.long_term import enter_lts
from pipeline.demo.service_lines import (
    care_home_line,
    carer_line,
    community_line,
    short_term_line,
)
from pipeline.demo.shard import Shard

# About a third of Ealing's reablement episodes for new clients go on to long-term support
# (ASCOF 2A 2024-25: 375 of 563 did not).
_REABLEMENT_OUTCOMES = (
    (O_ENDED, 58),
    (O_SUPPORT, 30),
    (O_HOSPITAL, 5),
    (O_NHS, 3),
    (O_DECEASED, 2),
    (O_ASSESS, 2),
)
_REABLEMENT = {
    "type": ST_STMAX,
    "component": "Reablement",
    "mechanism": DM_COMM,
    "desc": "Reablement episode",
}


def reablement(sh: Shard, p: int, s: int) -> None:
    """A reablement episode from day s, sometimes reviewed at its end."""
    r, la = sh.r, sh.la
    if s >= sh.p_cut[p]:
        return
    e = s + r.randint(10, 42)
    out = pick(r, _REABLEMENT_OUTCOMES)
    if out == O_DECEASED:
        sh.p_dod[p] = e
        sh.p_cut[p] = e
    team = la.teams["REA"]
    sh.service(p, s, e, dict(_REABLEMENT), out, team)
    if r.random() < 0.3:
        sh.work_item(
            EV_REVIEW,
            p,
            e - r.randint(3, 8),
            e,
            team,
            e,
            e - 3,
            False,
            out if out != O_ASSESS else O_SUPPORT,
            "Reablement review",
            {"review_reason": "Review of short term support", "method_of_review": M_SU},
            None,
        )
    if out == O_SUPPORT:
        enter_lts(sh, p, e + 1, community_line(sh, p))


def _assessment_team(sh: Shard, p: int, hospital: bool, young: bool) -> str:
    la = sh.la
    psr = sh.p_psr[p]
    if sh.p_carer[p]:
        return la.teams["CAR"]
    if psr == PSR_LD and young:
        return la.teams["LD"]
    if psr == PSR_MH and young:
        return la.teams["MH"]
    if hospital:
        return la.teams["HD"]
    if sh.r.random() < 0.3:
        return la.teams["OT"]
    return sh.p_home_team[p]


def assessment(sh: Shard, p: int, req_end: int, hospital: bool) -> None:
    """An assessment after a request ending on req_end, then what it leads to."""
    r = sh.r
    carer = sh.p_carer[p]
    young = sh.age(p, req_end) < 65
    team = _assessment_team(sh, p, hospital, young)
    short = team == sh.la.teams["OT"]
    s = req_end + r.randint(0, 3)
    if s >= sh.p_cut[p]:
        return
    if hospital:
        wait = int(r.expovariate(1 / 3.0))
    else:
        wait = int(r.expovariate(1 / 12.0)) if r.random() < 0.88 else int(r.expovariate(1 / 60.0))
    alloc = s + wait
    e = alloc + 2 + int(r.gammavariate(2.0, 9.0 if not hospital else 4.0))
    cancelled = r.random() < 0.06
    if cancelled:
        e = s + r.randint(2, 60)
    if e >= sh.p_cut[p]:
        return
    extra = _assessment_columns(sh, carer, short)
    out = pick(r, ASSESS_OUT_ST if short else ASSESS_OUT_LT)
    if carer and out in (O_REABLE, O_SELF, O_NHS):
        out = O_IA
    if not short and not cancelled:
        extra["eligible_needs_identified"] = (
            "Yes"
            if out == O_SUPPORT or (out in (O_REABLE, O_SELF, O_DECLINED) and r.random() < 0.5)
            else "No"
        )
    if carer:
        desc = "Carer's assessment"
    elif short:
        desc = "OT assessment"
    else:
        desc = "Hospital discharge assessment" if hospital else "Care Act assessment"
    sh.work_item(EV_ASSESSMENT, p, s, e, team, s + 28, alloc, cancelled, out, desc, extra)
    if not cancelled:
        _after_assessment(sh, p, e, team, out, short, young)


def _assessment_columns(sh: Shard, carer: bool, short: bool) -> dict[str, str]:
    """Assessment type and method; for a carer, the caring hours and the person cared for."""
    r = sh.r
    extra = {
        "assessment_type": "Short term assessment" if short else "Long term assessment",
        "method_of_assessment": M_CARER
        if carer
        else pick(r, ((M_SU, 60), (M_BOTH, 32), (M_CARER, 8))),
    }
    if carer:
        extra["total_hrs_caring_per_week"] = str(r.choice((10, 20, 35, 50, 70, 100)))
        extra["no_of_adults_being_cared_for"] = "1" if r.random() < 0.9 else "2"
        if sh.lts_people:
            cared = sh.lts_people[r.randrange(len(sh.lts_people))]
            extra["adult_1_linked_person_id"] = sh.p_id[cared]
    return extra


def _after_assessment(
    sh: Shard, p: int, e: int, team: str, out: str, short: bool, young: bool
) -> None:
    """What a completed assessment ending on day e leads to."""
    r = sh.r
    if out == O_DECEASED:
        sh.p_dod[p] = e
        sh.p_cut[p] = e
        return
    if out == O_REABLE:
        reablement(sh, p, e + r.randint(0, 3))
        return
    if out != O_SUPPORT:
        return
    ss = e + r.randint(1, 14)
    if sh.p_carer[p]:
        carer_service(sh, p, ss, team)
        return
    if short:
        short_service(sh, p, ss, team, low=True)
        return
    u = r.random()
    p_home = 0.012 if young else 0.07
    if u < p_home:
        enter_lts(sh, p, e + r.randint(0, 7), care_home_line(sh, p, r.random() < 0.35))
    elif u < p_home + (0.12 if young else 0.16):
        enter_lts(sh, p, ss, community_line(sh, p))
    else:
        short_service(sh, p, ss, team, low=r.random() < 0.7)


def short_service(sh: Shard, p: int, s: int, team: str, low: bool) -> None:
    """Short-term support from day s, cut short if the person leaves; an interim placement
    may become a permanent one."""
    if s >= sh.p_cut[p]:
        return
    line, e, out = short_term_line(sh.r, sh.la, s, low)
    if e >= sh.p_cut[p]:
        e = sh.p_cut[p]
        out = O_DECEASED if sh.p_dod[p] == e else O_ENDED_OTHER
        if e < s:
            return
    sh.service(p, s, e, line, out, team)
    if out == O_SUPPORT:
        nursing = line["component"] == "Short term nursing care"
        enter_lts(sh, p, e + 1, care_home_line(sh, p, nursing))


def carer_service(sh: Shard, p: int, s: int, team: str) -> None:
    """Support for an unpaid carer from day s."""
    if s >= sh.p_cut[p]:
        return
    line, e = carer_line(sh.r, sh.la, s)
    sh.service(p, s, e, line, O_ENDED, team)
