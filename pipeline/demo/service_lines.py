"""Service lines: what a person is given and what it costs. A line is a dict of its CLD values
(type, component, delivery mechanism, provider, description) and its cost (unit cost,
frequency, planned units per week) that `Shard.service` records as a Service event.

Costs are drawn around Ealing's prices (home care at 23.56 an hour, a care home place at 1,309
a week); each builder draws in a fixed order (the unit cost, then the units, then the length).
"""

from __future__ import annotations

import math
import random

from pipeline.demo.authorities import LA
from pipeline.demo.codes import (
    DM_COMM,
    DM_DP,
    DM_MPB,
    O_ENDED,
    O_SUPPORT,
    PSR_LD,
    PSR_MH,
    ST_CARER_DIRECT,
    ST_CARER_INVOLVING,
    ST_COMMUNITY,
    ST_LOW,
    ST_NURSING,
    ST_OTHER,
    ST_RESIDENTIAL,
)
from pipeline.demo.draws import pick
from pipeline.demo.shard import Shard


def _line(component: str, desc: str, **fields) -> dict:
    """A line's values (a unit cost is rounded to pence)."""
    if "unit" in fields:
        fields["unit"] = round(fields["unit"], 2)
    return {"component": component, "desc": desc, **fields}


# ----------------------------------------------------------------------------------------------
# Long-term support in the community: the kind of line depends on the person's need. Each
# builder is given the generator and the person's primary support reason.


def _home_care(r: random.Random, psr: str) -> dict:
    unit = 23.56 * r.gauss(1.0, 0.05)
    units = max(3.5, round(r.gammavariate(4.0, 3.6) * 4) / 4)
    component = "Home support or domiciliary care"
    return _line(component, "Home care package", freq="Hourly", unit=unit, units=units)


def _direct_payment(r: random.Random, psr: str) -> dict:
    unit = max(60.0, r.lognormvariate(math.log(380), 0.35))
    no_provider = {"mechanism": DM_DP, "provider": ("", "")}
    return _line("Direct payment", "Direct payment", freq="Weekly", unit=unit, **no_provider)


def _supported_living(r: random.Random, psr: str) -> dict:
    unit = r.lognormvariate(math.log(1400 if psr == PSR_LD else 800), 0.3)
    return _line("Community supported living", "Supported living", freq="Weekly", unit=unit)


def _day_support(r: random.Random, psr: str) -> dict:
    unit, units = r.uniform(55, 90), float(r.randint(2, 5))
    return _line("Day support", "Day centre", freq="Per session", unit=unit, units=units)


def _shared_lives(r: random.Random, psr: str) -> dict:
    unit = r.uniform(420, 560)
    desc = "Shared Lives placement"
    return _line("Shared Lives", desc, freq="Weekly", unit=unit, provider=("", ""))


def _extra_care(r: random.Random, psr: str) -> dict:
    return _line("Extra care housing", "Extra care", freq="Weekly", unit=r.uniform(280, 420))


def _other_long_term(r: random.Random, psr: str) -> dict:
    unit = r.lognormvariate(math.log(150), 0.4)
    return _line("Other long term support", "Community support", freq="Weekly", unit=unit)


_COMMUNITY = {
    "home": _home_care,
    "dp": _direct_payment,
    "csl": _supported_living,
    "day": _day_support,
    "shared": _shared_lives,
    "extra": _extra_care,
    "other": _other_long_term,
}


def community_line(sh: Shard, p: int) -> dict:
    """A long-term community line for person p."""
    r = sh.r
    psr = sh.p_psr[p]
    young = sh.age(p, sh.w.sim_start) < 65
    if psr == PSR_LD and young:
        kind = pick(r, (("csl", 45), ("day", 20), ("shared", 10), ("dp", 15), ("home", 10)))
    elif psr == PSR_MH and young:
        kind = pick(r, (("home", 35), ("csl", 25), ("dp", 15), ("day", 10), ("other", 15)))
    else:
        kind = pick(r, (("home", 70), ("dp", 10), ("extra", 6), ("day", 7), ("other", 7)))
    # Ealing reports every community LTS client on self-directed support (ASCOF 3D(1a)
    # 2024-25 = 100%): a managed personal budget unless a direct payment. The draw is kept
    # so that the rest of the random stream is unchanged.
    r.random()
    agency = sh.la.agencies[r.randrange(len(sh.la.agencies))]
    line = {"type": ST_COMMUNITY, "mechanism": DM_MPB, "provider": agency}
    return line | _COMMUNITY[kind](r, psr)


def care_home_line(sh: Shard, p: int, nursing: bool) -> dict:
    """A long-term residential or nursing placement for person p."""
    r = sh.r
    base = 1309.0 * (1.12 if nursing else 1.0)
    if sh.p_psr[p] == PSR_LD:
        base *= 1.25
    home = sh.la.homes[r.randrange(len(sh.la.homes))]
    placement = {
        "type": ST_NURSING if nursing else ST_RESIDENTIAL,
        "mechanism": DM_COMM,
        "provider": home,
    }
    component = "Long term nursing care" if nursing else "Long term residential care"
    desc = "Nursing placement" if nursing else "Residential placement"
    unit = base * r.lognormvariate(0.0, 0.17)
    return _line(component, desc, freq="Weekly", unit=unit, **placement)


# ----------------------------------------------------------------------------------------------
# Short-term support: each builder returns (line, end day, outcome) for a line starting on s


def _low(component: str, desc: str, **cost) -> dict:
    return _line(component, desc, type=ST_LOW, mechanism=DM_COMM, **cost)


def _equipment(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
    line = _low("Equipment", "Equipment", freq="One-off", unit=r.uniform(60, 900))
    return line, s, O_ENDED


def _telecare(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
    line = _low("Other short term support", "Telecare", freq="Weekly", unit=r.uniform(4, 9))
    return line, s + r.randint(60, 900), O_ENDED


def _meals(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
    unit, units = r.uniform(5.5, 7.5), float(r.choice((5, 7, 7, 14)))
    line = _low("Meals", "Meals service", freq="Per session", unit=unit, units=units)
    return line, s + r.randint(30, 400), O_ENDED


def _transport(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
    unit, units = r.uniform(12, 30), float(r.randint(2, 6))
    line = _low("Transport", "Transport", freq="Per session", unit=unit, units=units)
    return line, s + r.randint(30, 300), O_ENDED


def _visits(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
    line = _low("Professional support: Other", "Support worker visits")
    return line, s + r.randint(14, 120), O_ENDED


def _interim_placement(nursing: bool):
    def build(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
        home = la.homes[r.randrange(len(la.homes))]
        unit = 1250 * (1.1 if nursing else 1.0) * r.lognormvariate(0, 0.15)
        component = "Short term nursing care" if nursing else "Short term residential care"
        placement = {"type": ST_OTHER, "mechanism": DM_COMM, "provider": home}
        line = _line(component, "Interim placement", freq="Weekly", unit=unit, **placement)
        e = s + r.randint(7, 56)
        return line, e, O_SUPPORT if r.random() < 0.08 else O_ENDED

    return build


def _short_home_care(r: random.Random, la: LA, s: int) -> tuple[dict, int, str]:
    unit, units = r.uniform(21, 26), float(r.randint(5, 15))
    cost = {"type": ST_OTHER, "mechanism": DM_COMM, "freq": "Hourly", "unit": unit, "units": units}
    line = _line("Other short term support", "Short term home care", **cost)
    return line, s + r.randint(14, 84), O_ENDED


_SHORT = {
    "equip": _equipment,
    "telecare": _telecare,
    "meals": _meals,
    "transport": _transport,
    "other": _visits,
    "respite": _interim_placement(nursing=False),
    "st_nursing": _interim_placement(nursing=True),
    "other_st": _short_home_care,
}


def short_term_line(r: random.Random, la: LA, s: int, low: bool) -> tuple[dict, int, str]:
    """Ongoing low-level support (low) or other short-term support, starting on day s."""
    if low:
        kind = pick(
            r, (("equip", 55), ("telecare", 20), ("meals", 12), ("transport", 8), ("other", 5))
        )
    else:
        kind = pick(r, (("respite", 40), ("other_st", 45), ("st_nursing", 15)))
    return _SHORT[kind](r, la, s)


# ----------------------------------------------------------------------------------------------
# Unpaid carers


def carer_line(r: random.Random, la: LA, s: int) -> tuple[dict, int]:
    """Support for an unpaid carer starting on day s: (line, end day)."""
    u = r.random()
    if u < 0.6:
        budget = {"freq": "One-off", "unit": float(r.choice((250, 300, 350, 400, 500)))}
        desc = "Carer's personal budget"
        return _line("Direct payment", desc, type=ST_CARER_DIRECT, mechanism=DM_DP, **budget), s
    if u < 0.85:
        home = la.homes[r.randrange(len(la.homes))]
        respite = {"type": ST_CARER_INVOLVING, "mechanism": DM_COMM, "provider": home}
        unit = r.uniform(1100, 1400)
        line = _line("Unpaid carer respite", "Carer respite", freq="Weekly", unit=unit, **respite)
        return line, s + r.randint(6, 20)
    component, desc = "Other unpaid carer support", "Carers centre support"
    line = _line(component, desc, type=ST_CARER_DIRECT, mechanism=DM_COMM)
    return line, s + r.randint(30, 180)
