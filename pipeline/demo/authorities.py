"""The councils of the simulated world and what each one is set up with before anyone calls:
its teams, its workers (role and FTE), GP practices, care homes and home-care agencies.

The councils are London boroughs, Ealing first (`data/local_authorities.csv`: code, name, team
prefix, postcode districts and mid-2024 population 18-64 and 65+; Ealing's population is the ONS
figure used by ASCOF 2024/25, the others are approximate). Every council has the same teams
(`data/teams.csv`: suffix, name, team type, service area, number of workers, main role).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pipeline.demo.datafiles import read_csv, read_json

LAS: tuple[tuple[str, str, str, tuple[str, ...], int, int], ...] = tuple(
    (
        r["code"],
        r["name"],
        r["team_prefix"],
        tuple(r["postcode_districts"].split()),
        int(r["population_18_64"]),
        int(r["population_65_plus"]),
    )
    for r in read_csv("local_authorities.csv")
)
TEAMS: tuple[tuple[str, str, str, str, int, str], ...] = tuple(
    (r["suffix"], r["name"], r["team_type"], r["service_area"], int(r["workers"]), r["main_role"])
    for r in read_csv("teams.csv")
)
LT_TEAMS = ("LT1", "LT2", "LT3", "LT4")  # the long-term teams, one a quarter of the districts
NAMES: dict[str, list[str]] = read_json("names.json")

# A council's size relative to Ealing's (scale 1): people 65+ weigh four times as much.
_EALING = LAS[0]
_EALING_WEIGHT = _EALING[4] + 4.0 * _EALING[5]


@dataclass
class LA:
    """One council: what it is, what it is set up with, and its running numbers (people,
    event references, payments) that carry on from one shard of people to the next."""

    code: str
    name: str
    prefix: str
    districts: tuple[str, ...]
    pop_18_64: int
    pop_65: int
    size: float
    teams: dict[str, str] = field(default_factory=dict)  # suffix -> team code
    workers: dict[str, list[str]] = field(default_factory=dict)  # team code -> caseworkers
    worker_rows: list[list[str]] = field(default_factory=list)
    gp: list[tuple[str, str]] = field(default_factory=list)
    homes: list[tuple[str, str]] = field(default_factory=list)
    agencies: list[tuple[str, str]] = field(default_factory=list)
    next_person: int = 0
    next_ref: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    next_payment: int = 0


def make_la(index: int, r: random.Random) -> LA:
    """The index'th council, with its teams, workers, GP practices, homes and agencies."""
    code, name, prefix, districts, p1, p2 = LAS[index]
    size = (p1 + 4.0 * p2) / _EALING_WEIGHT
    la = LA(code, name, prefix, districts, p1, p2, size)
    for suffix, _tname, _ttype, _area, n_workers, main_role in TEAMS:
        _add_team(la, index, r, suffix, n_workers, main_role)
    for i in range(30):
        la.gp.append(
            (f"{r.choice(NAMES['streets'])} Medical Centre", f"Y{index + 10:02d}{i + 100:03d}")
        )
    for i, nm in enumerate(NAMES["care_homes"]):
        la.homes.append((f"{nm} Care Home", f"1-{900000000 + index * 10000 + i * 37:09d}"))
    for i, nm in enumerate(NAMES["agencies"]):
        la.agencies.append((nm, f"1-{800000000 + index * 10000 + i * 53:09d}"))
    return la


def _add_team(
    la: LA, index: int, r: random.Random, suffix: str, n_workers: int, main_role: str
) -> None:
    """One team and its workers: a manager, senior practitioners, then its main role (with some
    care coordinators and occupational therapists where those teams have them)."""
    tcode = f"{la.prefix}-{suffix}"
    la.teams[suffix] = tcode
    case = []
    for k in range(n_workers):
        wid = f"{la.prefix}W{index + 1:02d}{len(la.worker_rows) + 1:03d}"
        if k == 0:
            role = "Team manager"
        elif k <= max(1, n_workers // 8):
            role = "Senior practitioner"
        elif suffix in ("REA", "OT") and k % 3 == 0:
            role = "Care coordinator"
        elif suffix in ("LT1", "LT2", "LT3", "LT4", "HD") and k % 5 == 0:
            role = "Occupational therapist"
        else:
            role = main_role
        fte = r.choice((1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 0.6, 0.5))
        la.worker_rows.append([wid, tcode, role, f"{fte:.1f}"])
        if role != "Team manager":
            case.append(wid)
    la.workers[tcode] = case
