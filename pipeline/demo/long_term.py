"""Long-term support: one person's life as a client, from the day their long-term line starts
to the day they die or move away (or beyond the horizon).

Each year brings a planned review (the first after 6-8 weeks for a new client); a contact may
bring an unplanned one sooner; a review continues the support, changes the package (perhaps to
a care home), or ends it. Every step draws from the shard's generators in a fixed order.
"""

from __future__ import annotations

from pipeline.demo.codes import (
    ACC_CARE_HOME,
    ACC_NURSING,
    M_BOTH,
    M_CARER,
    M_SU,
    O_ASSESS,
    O_CONTINUE,
    O_DECEASED,
    O_ENDED,
    O_ENDED_OTHER,
    O_HOSPITAL,
    O_IA,
    O_MOVED,
    O_NHS,
    O_OTHER_LA,
    O_SUPPORT,
    R_COMMUNITY,
    R_DIVERSION,
    R_HOSPITAL,
    ST_NURSING,
    ST_RESIDENTIAL,
)
from pipeline.demo.draws import pick
from pipeline.demo.formats import EV_ASSESSMENT, EV_REVIEW, NEVER, q
from pipeline.demo.service_lines import care_home_line
from pipeline.demo.shard import Shard

_UNPLANNED_REASONS = (
    ("Unplanned: Other reason", 50),
    ("Unplanned: Carer related", 20),
    ("Unplanned: Safeguarding concern", 15),
    ("Unplanned: Provider failure", 8),
    ("Unplanned: Change in commissioning arrangements", 7),
)
_CONTACT_OUTCOMES = ((O_IA, 60), (O_OTHER_LA, 15), (O_CONTINUE, 20), (O_NHS, 5))
_PLANNED_OUTCOMES = (
    (O_CONTINUE, 66),
    (O_SUPPORT, 25),
    (O_ENDED, 4),
    (O_ENDED_OTHER, 1),
    (O_HOSPITAL, 2),
    (O_NHS, 2),
)
_UNPLANNED_OUTCOMES = ((O_SUPPORT, 50), (O_CONTINUE, 38), (O_HOSPITAL, 7), (O_ENDED, 3), (O_NHS, 2))

# A review: (start, end, due, reason, team, description)
Review = tuple[int, int, int, str, str, str]


def enter_lts(sh: Shard, p: int, s: int, line: dict) -> None:
    """Person p becomes a new long-term client on day s (unless they have left by then)."""
    if s >= sh.p_cut[p]:
        return
    sh.p_cut[p] = s
    first_due = s + (56 if sh.r.random() < 0.6 else 365)
    lts_life(sh, p, s, line, first_due, True)


def lts_life(sh: Shard, p: int, s0: int, line: dict, first_due: int, new_client: bool) -> None:
    """One person's long-term support from s0: lines, reviews, contacts and the exit."""
    _Life(sh, p, s0, line, new_client).run(first_due)


class _Life:
    """The state one person's long-term support carries from one review to the next."""

    def __init__(self, sh: Shard, p: int, s0: int, line: dict, new_client: bool) -> None:
        w = sh.w
        sh.lts_people.append(p)
        self.sh, self.r, self.la, self.p = sh, sh.r, sh.la, p
        self.s0, self.new_client, self.horizon = s0, new_client, w.horizon
        self.older = sh.age(p, max(s0, w.sim_start)) >= 65
        self.line = line
        self.in_home = line["type"] in (ST_RESIDENTIAL, ST_NURSING)
        self.t0 = max(s0, w.sim_start)
        self.exit_day, self.exit_out = self._draw_exit(self.t0, self.in_home)
        self.home_team = sh.p_home_team[p]
        if self.in_home:
            self.acc = q(ACC_NURSING) if line["type"] == ST_NURSING else q(ACC_CARE_HOME)
        else:
            self.acc = sh.p_acc[p]
        self.line_start = s0
        self.contacts: list[int] = []
        self.ci = 0  # contacts before this one are dealt with

    def run(self, first_due: int) -> None:
        sh, r = self.sh, self.r
        if self.new_client and r.random() < 0.5:
            self._financial_assessment()
        self._draw_contacts()
        t, due, first_review = self.s0, first_due, self.new_client
        while t < min(self.exit_day, self.horizon):
            p_start, p_end = self._planned_window(t, due)
            review = self._contacts_before(p_start)
            if review is None:
                review = self._planned_review(p_start, p_end, due, first_review)
            first_review = False
            rs, re_ = review[0], review[1]
            if rs >= self.exit_day or rs > self.horizon:
                break
            self._answer_contacts(re_)
            alloc = rs + int(r.expovariate(1 / 18.0))
            if alloc >= re_:
                alloc = max(rs, re_ - r.randint(1, 5))
            if re_ >= self.exit_day:  # the person died or moved while the review was open
                self._review_cut_short(review, alloc)
                break
            out = self._review(review, alloc)
            t, due = re_, re_ + 365
            if out in (O_ENDED, O_ENDED_OTHER, O_NHS):
                sh.service(self.p, self.line_start, re_, self.line, out, self.home_team, self.acc)
                sh.p_cut[self.p] = min(sh.p_cut[self.p], re_)
                return
            if out == O_SUPPORT:
                self._change_package(re_)
        self._leave()

    # -- the steps ----------------------------------------------------------------------------

    def _draw_exit(self, t: int, care_home: bool) -> tuple[int, str]:
        """The day the person dies or moves away, whichever comes first after t."""
        r = self.r
        h = (0.36 if care_home else 0.15) if self.older else 0.05 if care_home else 0.025
        death = t + int(r.expovariate(h) * 365.25) + 1
        move = t + int(r.expovariate(0.015) * 365.25) + 1
        return (death, O_DECEASED) if death <= move else (move, O_MOVED)

    def _financial_assessment(self) -> None:
        r, w = self.r, self.sh.w
        fs = max(self.s0 - r.randint(0, 20), w.sim_start)
        fe = fs + r.randint(8, 45)
        ft = self.la.teams["FIN"]
        self.sh.work_item(
            EV_ASSESSMENT,
            self.p,
            fs,
            min(fe, self.exit_day),
            ft,
            fs + 28,
            fs + r.randint(0, 10),
            False,
            "",
            "Financial assessment",
            {"assessment_type": "Financial assessment"},
            self.acc,
        )

    def _draw_contacts(self) -> None:
        """The days this client contacts the front door (about 1.7 times a year)."""
        r = self.r
        c = self.t0 + int(r.expovariate(1.7) * 365.25)
        while c < min(self.exit_day, self.horizon):
            self.contacts.append(c)
            c += 1 + int(r.expovariate(1.7) * 365.25)

    def _planned_window(self, t: int, due: int) -> tuple[int, int]:
        """When the next planned review would start and end (often late)."""
        r = self.r
        p_start = max(due - 28 + r.randint(-7, 7), t + 1)
        if r.random() < 0.42:
            p_end = due + r.randint(-25, 3)
        else:
            p_end = due + int(r.expovariate(1 / 420.0))
        return p_start, max(p_end, p_start + r.randint(3, 20))

    def _contacts_before(self, p_start: int) -> Review | None:
        """The contacts before the planned review starts: each is answered at the front door,
        or triggers an unplanned review (which is returned)."""
        sh, r, contacts = self.sh, self.r, self.contacts
        while self.ci < len(contacts) and contacts[self.ci] < p_start:
            cday = contacts[self.ci]
            self.ci += 1
            cend = cday + (0 if r.random() < 0.5 else r.randint(1, 6))
            hosp = r.random() < 0.17
            route = R_HOSPITAL if hosp else (R_COMMUNITY if r.random() < 0.94 else R_DIVERSION)
            trigger = r.random() < (0.28 if hosp else 0.13)
            if cend >= self.exit_day:
                break
            if trigger:
                sh.request(self.p, cday, cend, route, O_ASSESS, False, "Contact", self.acc)
                us = cend + r.randint(0, 5)
                ue = us + r.randint(4, 35)
                reason = "Unplanned: Hospital" if hosp else pick(r, _UNPLANNED_REASONS)
                return (us, ue, us + 28, reason, self.home_team, "Unplanned review")
            out = pick(r, _CONTACT_OUTCOMES)
            sh.request(self.p, cday, cend, route, out, r.random() < 0.02, "Contact", self.acc)
        return None

    def _review_team(self) -> str:
        """The Reviews Team, 60% of the time, unless the person's team is LD or mental health."""
        la, home_team = self.la, self.home_team
        if home_team not in (la.teams["LD"], la.teams["MH"]) and self.r.random() < 0.6:
            return la.teams["REV"]
        return home_team

    def _planned_review(self, p_start: int, p_end: int, due: int, first: bool) -> Review:
        """The planned review, after a cancelled attempt now and then."""
        r = self.r
        if r.random() < 0.03:  # a cancelled attempt, rescheduled
            ce = p_start + r.randint(5, 40)
            if ce < self.exit_day:
                self.sh.work_item(
                    EV_REVIEW,
                    self.p,
                    p_start,
                    ce,
                    self._review_team(),  # draws before the allocation day below
                    due,
                    p_start + r.randint(0, 10),
                    True,
                    "",
                    "Annual review",
                    {"review_reason": "Planned"},
                    self.acc,
                )
                p_start = ce + 1
                p_end = max(p_end, p_start + 5)
        team = self._review_team()
        desc = "6-8 week review" if first else "Annual review"
        return (p_start, p_end, due, "Planned", team, desc)

    def _answer_contacts(self, re_: int) -> None:
        """Contacts while the review is open are answered at the front door."""
        contacts = self.contacts
        while self.ci < len(contacts) and contacts[self.ci] < re_:
            cday = contacts[self.ci]
            self.ci += 1
            if cday >= self.exit_day:
                break
            cend = cday + self.r.randint(0, 3)
            self.sh.request(self.p, cday, cend, R_COMMUNITY, O_IA, False, "Contact", self.acc)

    def _review_cut_short(self, review: Review, alloc: int) -> None:
        """The review was open when the person died or moved: it ends on that day."""
        rs, _re, rdue, reason, team, desc = review
        extra = {"review_reason": reason, "method_of_review": M_SU}
        self.sh.work_item(
            EV_REVIEW,
            self.p,
            rs,
            self.exit_day,
            team,
            rdue,
            alloc,
            False,
            self.exit_out,
            desc,
            extra,
            self.acc,
        )

    def _review(self, review: Review, alloc: int) -> str:
        """A completed review: its outcome (returned), outcomes achieved and method."""
        r = self.r
        rs, re_, rdue, reason, team, desc = review
        planned = reason == "Planned"
        out = pick(r, _PLANNED_OUTCOMES if planned else _UNPLANNED_OUTCOMES)
        if self.in_home and out in (O_ENDED, O_ENDED_OTHER):
            out = O_CONTINUE
        achieved = ""
        if planned or r.random() < 0.5:
            achieved = pick(r, (("Fully met", 45), ("Partially met", 40), ("Not met", 15)))
        method = pick(r, ((M_SU, 55), (M_BOTH, 37), (M_CARER, 8)))
        extra = {
            "review_reason": reason,
            "review_outcomes_achieved": achieved,
            "method_of_review": method,
        }
        self.sh.work_item(
            EV_REVIEW, self.p, rs, re_, team, rdue, alloc, False, out, desc, extra, self.acc
        )
        return out

    def _change_package(self, re_: int) -> None:
        """The old line ends at the review, a new one starts the next day: a move into a care
        home, or the same kind of support at a new price or number of hours."""
        r = self.r
        sh, p = self.sh, self.p
        sh.service(p, self.line_start, re_, self.line, O_CONTINUE, self.home_team, self.acc)
        self.line_start = re_ + 1
        to_home = (not self.in_home) and r.random() < (0.09 if self.older else 0.015)
        if to_home:
            nursing = r.random() < 0.35
            self.line = care_home_line(sh, p, nursing)
            self.in_home = True
            self.acc = q(ACC_NURSING if nursing else ACC_CARE_HOME)
            self.exit_day, self.exit_out = self._draw_exit(self.line_start, True)
            # remaining contacts after the move are thinned
            ci, contacts = self.ci, self.contacts
            self.contacts = contacts[:ci] + [c for c in contacts[ci:] if r.random() < 0.5]
        elif self.in_home:
            new = dict(self.line)
            new["unit"] = round(self.line["unit"] * r.uniform(1.0, 1.15), 2)
            self.line = new
        else:
            new = dict(self.line)
            factor = r.uniform(1.05, 1.4) if r.random() < 0.6 else r.uniform(0.65, 0.95)
            if new.get("units") is not None and new["freq"] == "Hourly":
                new["units"] = max(2.0, round(new["units"] * factor * 4) / 4)
            else:
                new["unit"] = round(new["unit"] * factor, 2)
            self.line = new

    def _leave(self) -> None:
        """The person left: close the current line at the exit (or leave it open)."""
        sh, p = self.sh, self.p
        if self.exit_day <= self.horizon:
            line, out = self.line, self.exit_out
            sh.service(p, self.line_start, self.exit_day, line, out, self.home_team, self.acc)
            if self.exit_out == O_DECEASED:
                sh.p_dod[p] = self.exit_day
            sh.p_cut[p] = min(sh.p_cut[p], self.exit_day)
        else:
            sh.service(p, self.line_start, NEVER, self.line, "", self.home_team, self.acc)
