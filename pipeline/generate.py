"""Demo data generator: a synthetic council's landing folder.

Writes what `shared/domain/extract-contract.md` says a council drops into the landing folder:
quarterly rolling-12-month CLD extracts with the local columns, quarterly finance payment files,
and the reference files (teams, workers, targets, population, actions). The simulated borough is
sized like Ealing (`cld.md` section 3.3) at ``scale=1``.

The world is simulated once per shard of people (a shard is at most one Ealing's worth), then
each extract is written by filtering the shard's events by date, so memory stays bounded for
large scales: every shard appends its rows to the same files.

Everything is drawn from one ``numpy.random.Generator`` and one ``random.Random`` seeded with
``seed``; nothing depends on the clock or on set ordering, so a seed gives byte-identical files.
Faults (Release 1 codes, case variants, duplicate rows, blank start dates, end before start,
junk codes) are injected at ``fault_rate`` per kind and listed in ``.primed-generator.json``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from pipeline.core.contract import CLD_COLUMNS, PAYMENT_COLUMNS, REFERENCE_COLUMNS

SEED_PATH = Path(__file__).resolve().parents[1] / "seeds" / "code_mappings.csv"
MANIFEST_NAME = ".primed-generator.json"

FAULT_KINDS = (
    "r1_value",
    "case_variant",
    "duplicate_row",
    "missing_start_date",
    "end_before_start",
    "unknown_code",
)

_EPOCH = date(1970, 1, 1)
_DMIN = (date(1900, 1, 1) - _EPOCH).days
_DMAX = (date(2100, 1, 1) - _EPOCH).days
_NEVER = 10**6  # "no end date": far beyond any date written
_NON_ALNUM = re.compile(r"[^a-z0-9]")

# ----------------------------------------------------------------------------------------------
# Column positions (from the contract, so a reordering there cannot silently break us)

_CLD_NAMES = [c.name for c in CLD_COLUMNS]
_BODY_FIRST = _CLD_NAMES.index("event_type")
_BODY_NAMES = _CLD_NAMES[_BODY_FIRST:]
_B = {n: i for i, n in enumerate(_BODY_NAMES)}
_NB = len(_BODY_NAMES)
_CODE_FIELDS = [c.name for c in CLD_COLUMNS if c.kind == "code"]
_COL = {n: i for i, n in enumerate(_CLD_NAMES)}

EV_REQUEST, EV_ASSESSMENT, EV_SERVICE, EV_REVIEW = 0, 1, 2, 3
_EV_NAMES = ("Request", "Assessment", "Service", "Review")
_EV_LETTER = ("R", "A", "S", "V")

# ----------------------------------------------------------------------------------------------
# Local authorities: code, name, team prefix, postcode districts, mid-2024 population 18-64/65+.
# Ealing's population is the ONS figure used by ASCOF 2024/25; the others are approximate.

_LAS: tuple[tuple[str, str, str, tuple[str, ...], int, int], ...] = (
    (
        "E09000009",
        "Ealing",
        "EAL",
        ("W3", "W5", "W7", "W13", "UB1", "UB2", "UB5", "UB6"),
        254980,
        48645,
    ),
    ("E09000005", "Brent", "BRE", ("NW2", "NW6", "NW9", "NW10", "HA0", "HA9"), 226000, 44500),
    ("E09000015", "Harrow", "HRW", ("HA1", "HA2", "HA3", "HA5", "HA7"), 162000, 43000),
    ("E09000017", "Hillingdon", "HIL", ("UB3", "UB4", "UB7", "UB8", "UB10", "HA4"), 197000, 43500),
    ("E09000018", "Hounslow", "HOU", ("TW3", "TW4", "TW5", "TW7", "TW13", "TW14"), 192000, 34500),
    ("E09000013", "Hammersmith and Fulham", "HAF", ("W6", "W12", "W14", "SW6"), 134000, 21500),
    (
        "E09000003",
        "Barnet",
        "BAR",
        ("N2", "N3", "N11", "N12", "N20", "NW4", "NW7", "EN5"),
        246000,
        60500,
    ),
    ("E09000002", "Barking and Dagenham", "BDG", ("IG11", "RM8", "RM9", "RM10"), 139000, 21000),
    ("E09000004", "Bexley", "BEX", ("DA5", "DA6", "DA7", "DA14", "DA15", "DA16"), 148000, 44000),
    ("E09000006", "Bromley", "BRO", ("BR1", "BR2", "BR3", "BR5", "BR6"), 198000, 62000),
    ("E09000007", "Camden", "CAM", ("NW1", "NW3", "NW5", "WC1"), 150000, 28500),
    ("E09000008", "Croydon", "CRO", ("CR0", "CR2", "CR7", "SE25"), 250000, 55000),
    ("E09000010", "Enfield", "ENF", ("EN1", "EN2", "EN3", "N9", "N13", "N21"), 203000, 48000),
    ("E09000011", "Greenwich", "GRE", ("SE3", "SE7", "SE9", "SE10", "SE18", "SE28"), 192000, 32000),
    ("E09000012", "Hackney", "HAC", ("E2", "E5", "E8", "E9", "N16"), 186000, 20500),
    ("E09000014", "Haringey", "HRY", ("N8", "N15", "N17", "N22"), 183000, 29000),
    ("E09000016", "Havering", "HAV", ("RM1", "RM3", "RM7", "RM11", "RM12"), 160000, 48500),
    ("E09000019", "Islington", "ISL", ("N1", "N4", "N5", "N7", "N19"), 160000, 21000),
    (
        "E09000020",
        "Kensington and Chelsea",
        "KEC",
        ("W8", "W10", "W11", "SW3", "SW5"),
        96000,
        26000,
    ),
    (
        "E09000021",
        "Kingston upon Thames",
        "KIN",
        ("KT1", "KT2", "KT3", "KT5", "KT6"),
        108000,
        26000,
    ),
    ("E09000022", "Lambeth", "LAM", ("SE11", "SE27", "SW2", "SW4", "SW9", "SW16"), 236000, 28000),
    ("E09000023", "Lewisham", "LEW", ("SE4", "SE6", "SE12", "SE13", "SE14", "SE23"), 210000, 33000),
    ("E09000024", "Merton", "MER", ("SW19", "SW20", "CR4", "SM4"), 135000, 29000),
    ("E09000025", "Newham", "NEW", ("E6", "E7", "E12", "E13", "E15", "E16"), 245000, 26000),
    ("E09000026", "Redbridge", "RED", ("IG1", "IG2", "IG3", "IG4", "IG5", "IG6"), 197000, 41000),
    (
        "E09000027",
        "Richmond upon Thames",
        "RIC",
        ("TW1", "TW2", "TW9", "TW10", "TW11", "SW14"),
        120000,
        34000,
    ),
    (
        "E09000028",
        "Southwark",
        "SOU",
        ("SE1", "SE5", "SE15", "SE16", "SE17", "SE22"),
        231000,
        27500,
    ),
    ("E09000029", "Sutton", "SUT", ("SM1", "SM2", "SM3", "SM5", "SM6"), 131000, 36000),
    ("E09000030", "Tower Hamlets", "TOW", ("E1", "E3", "E14"), 253000, 20000),
    ("E09000031", "Waltham Forest", "WAL", ("E4", "E10", "E11", "E17"), 180000, 31000),
    ("E09000032", "Wandsworth", "WAN", ("SW11", "SW12", "SW15", "SW17", "SW18"), 235000, 33000),
    ("E09000033", "Westminster", "WES", ("W1", "W2", "W9", "SW1", "NW8"), 150000, 30000),
)

# Teams: suffix, name, team type, service area, number of workers, main role
_TEAMS = (
    ("ARC", "Advice and Referral Centre", "Front door", "Front door", 22, "Care coordinator"),
    ("HD", "Hospital Discharge Team", "Hospital discharge", "Short term", 12, "Social worker"),
    ("REA", "Reablement Service", "Reablement", "Short term", 18, "Occupational therapist"),
    ("LT1", "Long Term Team North", "Long term", "Long term", 14, "Social worker"),
    ("LT2", "Long Term Team South", "Long term", "Long term", 14, "Social worker"),
    ("LT3", "Long Term Team East", "Long term", "Long term", 13, "Social worker"),
    ("LT4", "Long Term Team West", "Long term", "Long term", 13, "Social worker"),
    ("LD", "Learning Disability Team", "Learning disability", "Specialist", 12, "Social worker"),
    ("MH", "Community Mental Health Team", "Mental health", "Specialist", 10, "Social worker"),
    ("REV", "Reviews Team", "Reviews", "Long term", 10, "Social worker"),
    (
        "OT",
        "Occupational Therapy and Equipment",
        "Other",
        "Short term",
        8,
        "Occupational therapist",
    ),
    ("CAR", "Carers Support Team", "Other", "Specialist", 5, "Social worker"),
    ("FIN", "Financial Assessment Team", "Other", "Business support", 6, "Care coordinator"),
)
_LT_TEAMS = ("LT1", "LT2", "LT3", "LT4")

# ----------------------------------------------------------------------------------------------
# Code values (Release 2, as in seeds/code_mappings.csv) with weights

ETHNICITY = (
    ("White: English, Welsh, Scottish, Northern Irish or British", 30.0),
    ("White: Irish", 2.0),
    ("White: Gypsy or Irish Traveller", 0.2),
    ("White: Roma", 0.3),
    ("White: Any other White background", 14.0),
    ("Mixed or multiple ethnic groups: White and Black Caribbean", 1.0),
    ("Mixed or multiple ethnic groups: White and Black African", 0.6),
    ("Mixed or multiple ethnic groups: White and Asian", 1.2),
    ("Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background", 1.8),
    ("Asian or Asian British: Indian", 15.0),
    ("Asian or Asian British: Pakistani", 6.0),
    ("Asian or Asian British: Bangladeshi", 1.0),
    ("Asian or Asian British: Chinese", 1.0),
    ("Asian or Asian British: Any other Asian background", 7.0),
    ("Black, Black British, Caribbean or African: African", 5.0),
    ("Black, Black British, Caribbean or African: Caribbean", 4.0),
    (
        "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean "
        "background",
        1.5,
    ),
    ("Other ethnic group: Arab", 2.5),
    ("Other ethnic group: Any other ethnic group", 4.0),
    ("No data: Undeclared or not known", 2.5),
    ("No data: Refused", 0.5),
)
PSR_ACCESS = "Physical support: Access and mobility only"
PSR_PERSONAL = "Physical support: Personal care support"
PSR_MEMORY = "Support with memory and cognition"
PSR_LD = "Learning disability support"
PSR_MH = "Mental health support"
PSR_LIST = (
    PSR_ACCESS,
    PSR_PERSONAL,
    "Sensory support: Support for visual impairment",
    "Sensory support: Support for hearing impairment",
    "Sensory support: Support for dual impairment",
    PSR_MEMORY,
    PSR_LD,
    PSR_MH,
    "Social support: Substance misuse support",
    "Social support: Asylum seeker support",
    "Social support: Support for social isolation or other reason",
    "Unknown",
)
# weights over PSR_LIST: (stock 18-64, stock 65+, contact 18-64, contact 65+)
_PSR_W = np.array(
    [
        [6, 8, 12, 20],
        [30, 55, 25, 45],
        [1, 1.5, 1.5, 2],
        [1, 1, 1, 1.5],
        [0.3, 0.5, 0.5, 0.5],
        [2, 25, 1, 15],
        [35, 2, 10, 0.5],
        [20, 5, 25, 5],
        [2, 0.3, 8, 0.5],
        [1, 0, 2, 0.1],
        [1.7, 1.7, 8, 6],
        [0, 0, 6, 4],
    ],
    dtype=float,
)

ACC_CARE_HOME = "Registered care home"
ACC_NURSING = "Registered nursing home"
ACC_COMMUNITY = (
    ("Owner occupier or shared ownership scheme", 35.0, 3.0),
    ("Tenant: Local authority or other social housing provider", 28.0, 10.0),
    ("Tenant: Private landlord", 10.0, 2.0),
    ("Settled mainstream housing with family or friends", 14.0, 45.0),
    ("Supported accommodation, supported lodgings or supported group home", 3.0, 33.0),
    ("Shared Lives scheme", 0.2, 4.0),
    ("Sheltered housing, extra care housing or other sheltered housing", 5.0, 0.5),
    ("Placed in temporary accommodation by the council (inc. homelessness resettlement)", 1.0, 0.5),
    ("Staying with family or friends as a short term guest", 0.8, 0.5),
    ("Rough sleeper or squatting", 0.3, 0.0),
    ("Other temporary accommodation", 0.4, 0.3),
    ("Unknown", 2.3, 1.2),
)  # (value, weight general, weight learning disability)
EMPLOYMENT = (
    "Paid: Less than 16 hours a week",
    "Paid: 16 or more hours a week",
    "Paid: Hours per week unknown",
    "Not in paid employment: Seeking work",
    "Not in paid employment: Not actively seeking work or retired",
    "Not in paid employment: Voluntary work only",
    "Unknown",
)
_EMP_W = ((5, 4, 1, 8, 60, 4, 18), (0.3, 0.2, 0.1, 0.2, 84, 0.2, 15))
VISUAL = (
    ("No visual impairment", 85),
    ("Partial sight/sight impaired", 6),
    ("Blind/severely sight impaired", 2),
    ("Visual impairment - severity unknown", 1),
    ("Unknown", 6),
)
HEARING = (
    ("No hearing impairment", 82),
    ("Hard of hearing", 10),
    ("Deaf with speech", 1),
    ("Deaf without speech", 0.5),
    ("Hearing impairment: Severity unknown", 0.5),
    ("Unknown", 6),
)
FUNDING = (
    ("Fully social care funded", 45),
    ("Joint client and social care funded", 40),
    ("Fully client funded", 5),
    ("Unknown", 10),
)

O_REABLE = "Progress to reablement/ST-Max"
O_ASSESS = "Progress to assessment, review or reassessment"
O_SUPPORT = "Progress to support planning or services"
O_CONTINUE = "Continuation of support or services"
O_HOSPITAL = "Admitted to hospital"
O_MOVED = "NFA: Responsibility moved to another local authority"
O_NHS = "NFA: Referral to NHS services or NHS funded social care"
O_SELF = "NFA: Self-funded client or under 12wk disregard"
O_IA = "NFA: Information and advice or signposting"
O_OTHER_LA = "NFA: Referral to other service within the local authority"
O_DECLINED = "NFA: Support declined"
O_DECEASED = "NFA: Deceased"
O_ENDED = "NFA: Support ended as planned"
O_ENDED_OTHER = "NFA: Support ended for other reason"
O_NO_SERVICES = "NFA: No services offered for other reason"
O_NFA_OTHER = "NFA: Other"

R_COMMUNITY = "Community / other route"
R_HOSPITAL = "Discharge from hospital"
ROUTES = (
    (R_COMMUNITY, 72),
    (R_HOSPITAL, 18),
    ("Diversion from hospital services", 3),
    ("Planned entry (transition)", 2),
    ("Self-funder", 2),
    ("Transfer from other LA", 1.5),
    ("Discharge from reablement", 1.2),
    ("Prison", 0.3),
)
# request outcomes for people not in long-term support, by route kind (community, hospital)
_REQ_OUT = (
    (O_ASSESS, 24.0, 42.0),
    (O_REABLE, 0.4, 4.0),
    (O_IA, 44.0, 18.0),
    (O_OTHER_LA, 10.0, 5.0),
    (O_NHS, 4.5, 14.0),
    (O_DECLINED, 4.0, 4.0),
    (O_SELF, 3.0, 3.0),
    (O_NO_SERVICES, 3.5, 2.5),
    (O_NFA_OTHER, 4.0, 3.0),
    (O_DECEASED, 0.3, 0.5),
    (O_MOVED, 0.3, 0.2),
    (O_HOSPITAL, 1.8, 1.3),
)
_ASSESS_OUT_LT = (
    (O_SUPPORT, 43),
    (O_IA, 12),
    (O_NO_SERVICES, 9),
    (O_DECLINED, 7),
    (O_SELF, 7),
    (O_NHS, 6),
    (O_REABLE, 2),
    (O_OTHER_LA, 4),
    (O_NFA_OTHER, 4),
    (O_HOSPITAL, 3),
    (O_DECEASED, 1),
    (O_MOVED, 1),
)
_ASSESS_OUT_ST = ((O_SUPPORT, 70), (O_IA, 18), (O_DECLINED, 6), (O_NFA_OTHER, 6))

ST_NURSING = "Long term support: Nursing care"
ST_RESIDENTIAL = "Long term support: Residential care"
ST_COMMUNITY = "Long term support: Community"
ST_STMAX = "Short term support: ST-Max"
ST_LOW = "Short term support: Ongoing low level"
ST_OTHER = "Short term support: Other short term"
ST_CARER_DIRECT = "Unpaid carer support: Direct to unpaid carer"
ST_CARER_INVOLVING = "Unpaid carer support: Support involving the person cared-for"

DM_DP = "Direct payment"
DM_MPB = "CASSR managed personal budget"
DM_COMM = "CASSR commissioned support"

M_SU = "Service user only"
M_CARER = "Carer only"
M_BOTH = "Service user and carer"

_FIRST_F = (
    "Mary",
    "Margaret",
    "Patricia",
    "Susan",
    "Aisha",
    "Fatima",
    "Priya",
    "Sunita",
    "Anita",
    "Grace",
    "Joyce",
    "Olga",
    "Maria",
    "Ewa",
    "Agnieszka",
    "Bridget",
    "Siobhan",
    "Jean",
    "Doreen",
    "Amina",
    "Zainab",
    "Nadia",
    "Sarah",
    "Emma",
    "Chloe",
    "Kavita",
    "Harjit",
    "Mei",
    "Amal",
    "Lucy",
    "Irene",
    "Barbara",
    "Hannah",
    "Yasmin",
    "Comfort",
)
_FIRST_M = (
    "John",
    "David",
    "Michael",
    "Peter",
    "Mohammed",
    "Ahmed",
    "Rajesh",
    "Sanjay",
    "Gurpreet",
    "Kwame",
    "Joseph",
    "Piotr",
    "Tomasz",
    "Patrick",
    "Sean",
    "George",
    "Robert",
    "Ali",
    "Omar",
    "Hassan",
    "James",
    "Daniel",
    "Samuel",
    "Arjun",
    "Harpal",
    "Wei",
    "Karim",
    "Tariq",
    "Stanley",
    "Kenneth",
    "Brian",
    "Ibrahim",
    "Emmanuel",
)
_LAST = (
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Wilson",
    "Patel",
    "Shah",
    "Singh",
    "Kaur",
    "Khan",
    "Ahmed",
    "Ali",
    "Hussain",
    "Begum",
    "Sharma",
    "Gill",
    "Sandhu",
    "Kowalski",
    "Nowak",
    "Murphy",
    "Kelly",
    "O'Brien",
    "Walsh",
    "Okafor",
    "Mensah",
    "Asante",
    "Campbell",
    "Williams",
    "Johnson",
    "Davis",
    "Clarke",
    "Thomas",
    "Roberts",
    "Evans",
    "Hughes",
    "Green",
    "Wright",
    "Hall",
    "Wood",
    "Chen",
    "Wong",
    "Nguyen",
    "Ibrahim",
    "Hassan",
    "Mohamed",
    "Rahman",
    "Da Silva",
    "Santos",
    "Popescu",
    "Novak",
    "Edwards",
    "Lewis",
)
_STREETS = (
    "Uxbridge Road",
    "Broadway",
    "High Street",
    "Northfield Avenue",
    "Church Road",
    "Park Lane",
    "Station Road",
    "Green Lane",
    "Mill Hill",
    "The Avenue",
    "King Street",
    "Queens Road",
    "Elm Grove",
    "Cedar Road",
    "Oak Lane",
    "Meadow Way",
    "Hill Rise",
    "Chestnut Close",
    "Willow Walk",
    "Bridge Street",
)
_CARE_HOMES = (
    "Oakview",
    "Willow Court",
    "Cedar Lodge",
    "Beech House",
    "Maple Grange",
    "Rosewood",
    "Ashfield",
    "The Laurels",
    "Hazel Manor",
    "Birchwood",
    "Elmhurst",
    "Holly Bank",
    "Lime Tree House",
    "Poplar View",
)
_AGENCIES = (
    "Home Care Partners",
    "Caring Hands",
    "Bluebird Support",
    "Helping Homes",
    "Community Care Services",
    "Kindly Care",
    "Allied Homecare",
    "Sunrise Support",
    "Supported Living Trust",
    "Day Opportunities Centre",
)


# ----------------------------------------------------------------------------------------------
# Small helpers


def _norm(text: str) -> str:
    return _NON_ALNUM.sub("", text.lower())


_QCACHE: dict[str, str] = {}


def _q(text: str) -> str:
    """CSV-quote a value if it needs it (memoised: code strings repeat millions of times)."""
    out = _QCACHE.get(text)
    if out is None:
        out = '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n\r') else text
        if len(_QCACHE) < 50_000:
            _QCACHE[text] = out
    return out


def _row(fields: list[str]) -> str:
    return ",".join(_q(f) for f in fields)


_DS: list[str] = np.arange(_DMIN, _DMAX).astype("datetime64[D]").astype(str).tolist()


def _ds(day: int) -> str:
    return _DS[day - _DMIN]


def _day(d: date) -> int:
    return (d - _EPOCH).days


def _money(x: float) -> str:
    return f"{x:.2f}"


def _choice_idx(g: np.random.Generator, weights, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return g.choice(len(w), size=n, p=w / w.sum())


def _pick(r: random.Random, table) -> str:
    """Weighted pick from ((value, weight), ...)."""
    return r.choices([t[0] for t in table], weights=[t[1] for t in table])[0]


def _quarter_ends(start_year: int, years: int) -> list[date]:
    ends = []
    for fy in range(start_year, start_year + years):
        ends += [date(fy, 6, 30), date(fy, 9, 30), date(fy, 12, 31), date(fy + 1, 3, 31)]
    return ends


def _period_start(end: date) -> date:
    nxt = end + timedelta(days=1)
    return nxt.replace(year=nxt.year - 1)


def _nhs_check_digit(base9: np.ndarray) -> np.ndarray:
    digits = np.stack([(base9 // 10 ** (8 - i)) % 10 for i in range(9)], axis=1)
    total = (digits * np.arange(10, 1, -1)).sum(axis=1)
    check = 11 - total % 11
    check[check == 11] = 0
    return check  # 10 means invalid


# ----------------------------------------------------------------------------------------------
# Code reference (seed) for faults


@dataclass
class _Codes:
    r1: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    junk: dict[str, list[str]] = field(default_factory=dict)
    valid: dict[str, set[str]] = field(default_factory=dict)


def _load_codes(path: Path = SEED_PATH) -> _Codes:
    codes = _Codes()
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            f = rec["field"]
            codes.valid.setdefault(f, set()).add(_norm(rec["raw_value"]))
            if rec["release"] == "R1" and rec["r2_value"] != "Invalid and not mapped":
                codes.r1.setdefault((f, rec["r2_value"]), []).append(rec["raw_value"])
            elif rec["release"] == "invalid":
                codes.junk.setdefault(f, []).append(rec["raw_value"])
    return codes


# ----------------------------------------------------------------------------------------------
# Per-LA context


@dataclass
class _LA:
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


def _make_la(index: int, r: random.Random) -> _LA:
    code, name, prefix, districts, p1, p2 = _LAS[index]
    size = (p1 + 4.0 * p2) / (254980 + 4.0 * 48645)
    la = _LA(code, name, prefix, districts, p1, p2, size)
    for suffix, _tname, _ttype, _area, n_workers, main_role in _TEAMS:
        tcode = f"{prefix}-{suffix}"
        la.teams[suffix] = tcode
        case = []
        for k in range(n_workers):
            wid = f"{prefix}W{index + 1:02d}{len(la.worker_rows) + 1:03d}"
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
    for i in range(30):
        la.gp.append((f"{r.choice(_STREETS)} Medical Centre", f"Y{index + 10:02d}{i + 100:03d}"))
    for i, nm in enumerate(_CARE_HOMES):
        la.homes.append((f"{nm} Care Home", f"1-{900000000 + index * 10000 + i * 37:09d}"))
    for i, nm in enumerate(_AGENCIES):
        la.agencies.append((nm, f"1-{800000000 + index * 10000 + i * 53:09d}"))
    return la


# ----------------------------------------------------------------------------------------------
# The simulated world for one shard of people


@dataclass
class _Window:
    sim_start: int
    first_pstart: int
    data_end: int
    horizon: int
    fy_first: int
    periods: list[tuple[date, date]]


class _Shard:
    """Simulates people and their events; holds them column-wise for extract writing."""

    def __init__(
        self,
        la: _LA,
        w: _Window,
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

    # -- people -------------------------------------------------------------------------------

    def add_people(self, n: int, kind: str, ref_days: np.ndarray) -> np.ndarray:
        """kind: 'stock' (long-term clients), 'contact' (new contacts) or 'carer'."""
        g, la = self.g, self.la
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if kind == "carer":
            older = g.random(n) < 0.45
            age = np.where(older, 65 + g.gamma(2.0, 4.0, n), 30 + g.random(n) * 35)
        else:
            p_older = 0.63 if kind == "stock" else 0.66
            older = g.random(n) < p_older
            age = np.where(older, 65 + np.minimum(g.gamma(2.2, 6.5, n), 38), 18 + g.random(n) * 47)
        dob = (ref_days - age * 365.25).astype(np.int64)
        col = (0 if kind == "stock" else 2) + older.astype(int)
        psr_idx = np.empty(n, dtype=np.int64)
        for c in (0, 1, 2, 3):
            m = col == c
            psr_idx[m] = _choice_idx(g, _PSR_W[:, c], int(m.sum()))
        is_ld = psr_idx == PSR_LIST.index(PSR_LD)
        p_f = np.where(older, 0.6, 0.48)
        gender_u = g.random(n)
        gender = np.where(gender_u < 0.004, "Unknown", np.where(gender_u < p_f, "Female", "Male"))
        eth = _choice_idx(g, [e[1] for e in ETHNICITY], n)
        acc_gen = _choice_idx(g, [a[1] for a in ACC_COMMUNITY], n)
        acc_ld = _choice_idx(g, [a[2] for a in ACC_COMMUNITY], n)
        acc = np.where(is_ld, acc_ld, acc_gen)
        emp = np.where(older, _choice_idx(g, _EMP_W[1], n), _choice_idx(g, _EMP_W[0], n))
        vis = _choice_idx(g, [v[1] for v in VISUAL], n)
        hear = _choice_idx(g, [v[1] for v in HEARING], n)
        fund = _choice_idx(g, [v[1] for v in FUNDING], n)
        u_car, u_asd, u_dem = g.random(n), g.random(n), g.random(n)
        is_mem = psr_idx == PSR_LIST.index(PSR_MEMORY)
        first_f = g.integers(0, len(_FIRST_F), n)
        first_m = g.integers(0, len(_FIRST_M), n)
        last = g.integers(0, len(_LAST), n)
        dist = g.integers(0, len(la.districts), n)
        pc_d = g.integers(1, 10, n)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        pc_l = g.integers(0, len(letters), (n, 2))
        gp = g.integers(0, len(la.gp), n)
        blank_nhs = g.random(n) < 0.015
        nhs = self._nhs_numbers(n)
        start = len(self.p_dob)
        for i in range(n):
            pid = f"{1000000 + la.next_person}"
            la.next_person += 1
            if kind == "carer":
                psr = ""
                ctype = "Unpaid carer"
            else:
                psr = PSR_LIST[psr_idx[i]]
                ctype = "Service user"
            gen = str(gender[i])
            first = _FIRST_F[first_f[i]] if gen == "Female" else _FIRST_M[first_m[i]]
            postcode = (
                f"{la.districts[dist[i]]} {pc_d[i]}{letters[pc_l[i, 0]]}{letters[pc_l[i, 1]]}"
            )
            gpn, gpc = la.gp[gp[i]]
            part_a = (
                ",".join(
                    (
                        "" if blank_nhs[i] else nhs[i],
                        pid,
                        first,
                        _LAST[last[i]],
                        gpn,
                        gpc,
                        gen,
                        _q(ETHNICITY[eth[i]][0]),
                        _ds(int(dob[i])),
                    )
                )
                + ","
            )
            part_b = "," + ",".join((ctype, _q(psr), postcode)) + ","
            if older[i]:
                dementia = (
                    "Yes"
                    if (is_mem[i] and u_dem[i] < 0.85) or u_dem[i] < 0.12
                    else ("No" if u_dem[i] < 0.9 else "Unknown")
                )
            else:
                dementia = "Yes" if u_dem[i] < 0.01 else ("No" if u_dem[i] < 0.9 else "Unknown")
            asd_yes = 0.3 if is_ld[i] else 0.01
            asd = "Yes" if u_asd[i] < asd_yes else ("No" if u_asd[i] < 0.9 else "Unknown")
            carer = "Yes" if u_car[i] < 0.4 else ("No" if u_car[i] < 0.9 else "Unknown")
            part_c = (
                ","
                + ",".join(
                    (
                        _q(EMPLOYMENT[emp[i]]),
                        carer,
                        asd,
                        _q(VISUAL[vis[i]][0]),
                        _q(HEARING[hear[i]][0]),
                        dementia,
                        _q(FUNDING[fund[i]][0]),
                    )
                )
                + ","
            )
            self.p_parts.append((part_a, part_b, part_c))
            self.p_dob.append(int(dob[i]))
            self.p_psr.append(psr)
            self.p_id.append(pid)
            self.p_carer.append(kind == "carer")
            self.p_acc.append(_q(ACC_COMMUNITY[acc[i]][0]))
            self.p_dod.append(_NEVER)
            self.p_cut.append(_NEVER)
            if psr == PSR_LD and not older[i]:
                home = la.teams["LD"]
            elif psr == PSR_MH and not older[i]:
                home = la.teams["MH"]
            else:
                home = la.teams[_LT_TEAMS[dist[i] % 4]]
            self.p_home_team.append(home)
        return np.arange(start, start + n)

    def _nhs_numbers(self, n: int) -> list[str]:
        """Valid NHS numbers from the 999 test range (never a real person's)."""
        st = self.nhs_state
        out: list[str] = []
        while len(out) < n:
            k0 = st["next"]
            if k0 >= 1_000_000:
                out += [""] * (n - len(out))
                break
            k = np.arange(k0, min(k0 + (n - len(out)) * 12 // 10 + 20, 1_000_000), dtype=np.int64)
            base = 999_000_000 + (k * 7919 + 12345) % 1_000_000
            check = _nhs_check_digit(base)
            ok = check < 10
            nums = base[ok] * 10 + check[ok]
            take = min(n - len(out), len(nums))
            out += [str(x) for x in nums[:take]]
            used = np.nonzero(ok)[0]
            st["next"] = int(k[used[take - 1]]) + 1 if take else int(k[-1]) + 1
        return out

    def age(self, p: int, day: int) -> float:
        return (day - self.p_dob[p]) / 365.25

    # -- events -------------------------------------------------------------------------------

    def worker(self, team: str) -> str:
        ws = self.la.workers[team]
        return ws[self.r.randrange(len(ws))]

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
        body[_B["event_type"]] = _EV_NAMES[etype]
        body[_B["event_start_date"]] = _ds(start)
        if end < _NEVER:
            body[_B["event_end_date"]] = _ds(end)
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
        b = [""] * _NB
        team = self.la.teams["ARC"]
        b[_B["event_description"]] = desc
        b[_B["event_outcome"]] = "" if cancelled else _q(outcome)
        b[_B["request_route_of_access"]] = _q(route)
        b[_B["event_status"]] = "Cancelled" if cancelled else "Completed"
        b[_B["team_code"]] = team
        b[_B["worker_id"]] = self.worker(team)
        b[_B["allocated_date"]] = _ds(start)
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
        b = [""] * _NB
        b[_B["event_description"]] = desc
        b[_B["event_outcome"]] = "" if cancelled else _q(outcome)
        b[_B["event_status"]] = "Cancelled" if cancelled else "Completed"
        b[_B["team_code"]] = team
        if alloc <= end:
            b[_B["worker_id"]] = self.worker(team)
            b[_B["allocated_date"]] = _ds(alloc)
        else:
            alloc = _NEVER
        b[_B["due_date"]] = _ds(due)
        for k, v in extra.items():
            b[_B[k]] = _q(v)
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
        b = [""] * _NB
        b[_B["event_description"]] = line["desc"]
        b[_B["event_outcome"]] = _q(outcome) if end < _NEVER else ""
        b[_B["event_status"]] = "Completed" if end < _NEVER else "Open"
        b[_B["service_type"]] = _q(line["type"])
        b[_B["service_component"]] = _q(line["component"])
        b[_B["delivery_mechanism"]] = _q(line["mechanism"])
        b[_B["provider_cqc_location_name"]] = line.get("provider", ("", ""))[0]
        b[_B["provider_cqc_location_id"]] = line.get("provider", ("", ""))[1]
        b[_B["team_code"]] = team
        unit = line.get("unit")
        if unit is not None:
            b[_B["unit_cost"]] = _money(unit)
            b[_B["cost_frequency"]] = line["freq"]
            if line.get("units") is not None:
                b[_B["planned_units_per_week"]] = _money(line["units"])
        idx = self.add_event(EV_SERVICE, p, start, end, _NEVER, b, acc)
        if unit is not None:
            freq = line["freq"]
            if freq == "One-off":
                cpw, one_off = unit, True
            else:
                mult = {
                    "Weekly": 1.0,
                    "Fortnightly": 0.5,
                    "4-weekly": 0.25,
                    "Monthly": 12 / 52,
                    "Quarterly": 4 / 52,
                    "Annually": 1 / 52,
                }.get(freq)
                cpw = unit * (mult if mult is not None else line["units"])
                one_off = False
            cycle = 1 if line["type"] in (ST_RESIDENTIAL, ST_NURSING) or freq == "Weekly" else 0
            self.pay.append((idx, start, end, cpw, one_off, cycle))
        return idx

    # -- service line choices -----------------------------------------------------------------

    def community_line(self, p: int) -> dict:
        r = self.r
        psr = self.p_psr[p]
        young = self.age(p, self.w.sim_start) < 65
        if psr == PSR_LD and young:
            kind = _pick(r, (("csl", 45), ("day", 20), ("shared", 10), ("dp", 15), ("home", 10)))
        elif psr == PSR_MH and young:
            kind = _pick(r, (("home", 35), ("csl", 25), ("dp", 15), ("day", 10), ("other", 15)))
        else:
            kind = _pick(r, (("home", 70), ("dp", 10), ("extra", 6), ("day", 7), ("other", 7)))
        # Ealing reports every community LTS client on self-directed support (ASCOF 3D(1a)
        # 2024-25 = 100%): a managed personal budget unless a direct payment. The draw is kept
        # so that the rest of the random stream is unchanged.
        r.random()
        mech = DM_MPB
        agency = self.la.agencies[r.randrange(len(self.la.agencies))]
        line = {"type": ST_COMMUNITY, "mechanism": mech, "provider": agency}
        if kind == "home":
            line |= {
                "component": "Home support or domiciliary care",
                "freq": "Hourly",
                "unit": round(23.56 * r.gauss(1.0, 0.05), 2),
                "units": max(3.5, round(r.gammavariate(4.0, 3.6) * 4) / 4),
                "desc": "Home care package",
            }
        elif kind == "dp":
            line |= {
                "component": "Direct payment",
                "mechanism": DM_DP,
                "freq": "Weekly",
                "unit": round(max(60.0, r.lognormvariate(math.log(380), 0.35)), 2),
                "desc": "Direct payment",
                "provider": ("", ""),
            }
        elif kind == "csl":
            line |= {
                "component": "Community supported living",
                "freq": "Weekly",
                "unit": round(r.lognormvariate(math.log(1400 if psr == PSR_LD else 800), 0.3), 2),
                "desc": "Supported living",
            }
        elif kind == "day":
            line |= {
                "component": "Day support",
                "freq": "Per session",
                "unit": round(r.uniform(55, 90), 2),
                "units": float(r.randint(2, 5)),
                "desc": "Day centre",
            }
        elif kind == "shared":
            line |= {
                "component": "Shared Lives",
                "freq": "Weekly",
                "unit": round(r.uniform(420, 560), 2),
                "desc": "Shared Lives placement",
                "provider": ("", ""),
            }
        elif kind == "extra":
            line |= {
                "component": "Extra care housing",
                "freq": "Weekly",
                "unit": round(r.uniform(280, 420), 2),
                "desc": "Extra care",
            }
        else:
            line |= {
                "component": "Other long term support",
                "freq": "Weekly",
                "unit": round(r.lognormvariate(math.log(150), 0.4), 2),
                "desc": "Community support",
            }
        return line

    def care_home_line(self, p: int, nursing: bool) -> dict:
        r = self.r
        base = 1309.0 * (1.12 if nursing else 1.0)
        if self.p_psr[p] == PSR_LD:
            base *= 1.25
        home = self.la.homes[r.randrange(len(self.la.homes))]
        return {
            "type": ST_NURSING if nursing else ST_RESIDENTIAL,
            "component": "Long term nursing care" if nursing else "Long term residential care",
            "mechanism": DM_COMM,
            "freq": "Weekly",
            "provider": home,
            "unit": round(base * r.lognormvariate(0.0, 0.17), 2),
            "desc": "Nursing placement" if nursing else "Residential placement",
        }

    # -- long-term support life --------------------------------------------------------------

    def lts_life(self, p: int, s0: int, line: dict, first_due: int, new_client: bool) -> None:
        """One person's long-term support from s0: lines, reviews, contacts and the exit."""
        r, w, la = self.r, self.w, self.la
        self.lts_people.append(p)
        older = self.age(p, max(s0, w.sim_start)) >= 65
        in_home = line["type"] in (ST_RESIDENTIAL, ST_NURSING)
        t0 = max(s0, w.sim_start)

        def draw_exit(t: int, care_home: bool) -> tuple[int, str]:
            h = (0.36 if care_home else 0.15) if older else 0.05 if care_home else 0.025
            death = t + int(r.expovariate(h) * 365.25) + 1
            move = t + int(r.expovariate(0.015) * 365.25) + 1
            return (death, O_DECEASED) if death <= move else (move, O_MOVED)

        exit_day, exit_out = draw_exit(t0, in_home)
        horizon = w.horizon
        home_team = self.p_home_team[p]
        acc = (
            (_q(ACC_NURSING) if line["type"] == ST_NURSING else _q(ACC_CARE_HOME))
            if in_home
            else self.p_acc[p]
        )
        if new_client and r.random() < 0.5:
            fs = max(s0 - r.randint(0, 20), w.sim_start)
            fe = fs + r.randint(8, 45)
            ft = la.teams["FIN"]
            self.work_item(
                EV_ASSESSMENT,
                p,
                fs,
                min(fe, exit_day),
                ft,
                fs + 28,
                fs + r.randint(0, 10),
                False,
                "",
                "Financial assessment",
                {"assessment_type": "Financial assessment"},
                acc,
            )
        # contacts from this client
        contacts: list[int] = []
        c = t0 + int(r.expovariate(1.7) * 365.25)
        while c < min(exit_day, horizon):
            contacts.append(c)
            c += 1 + int(r.expovariate(1.7) * 365.25)
        ci = 0
        line_start = s0
        t = s0
        due = first_due
        first_review = new_client
        while True:
            if t >= min(exit_day, horizon):
                break
            p_start = max(due - 28 + r.randint(-7, 7), t + 1)
            if r.random() < 0.42:
                p_end = due + r.randint(-25, 3)
            else:
                p_end = due + int(r.expovariate(1 / 420.0))
            p_end = max(p_end, p_start + r.randint(3, 20))
            # contacts before the planned review starts may trigger an unplanned review
            review = None
            while ci < len(contacts) and contacts[ci] < p_start:
                cday = contacts[ci]
                ci += 1
                cend = cday + (0 if r.random() < 0.5 else r.randint(1, 6))
                hosp = r.random() < 0.17
                route = (
                    R_HOSPITAL
                    if hosp
                    else (R_COMMUNITY if r.random() < 0.94 else "Diversion from hospital services")
                )
                trigger = r.random() < (0.28 if hosp else 0.13)
                if cend >= exit_day:
                    break
                if trigger:
                    self.request(p, cday, cend, route, O_ASSESS, False, "Contact", acc)
                    us = cend + r.randint(0, 5)
                    ue = us + r.randint(4, 35)
                    reason = (
                        "Unplanned: Hospital"
                        if hosp
                        else _pick(
                            r,
                            (
                                ("Unplanned: Other reason", 50),
                                ("Unplanned: Carer related", 20),
                                ("Unplanned: Safeguarding concern", 15),
                                ("Unplanned: Provider failure", 8),
                                ("Unplanned: Change in commissioning arrangements", 7),
                            ),
                        )
                    )
                    review = (us, ue, us + 28, reason, home_team, "Unplanned review")
                    break
                out = _pick(r, ((O_IA, 60), (O_OTHER_LA, 15), (O_CONTINUE, 20), (O_NHS, 5)))
                self.request(p, cday, cend, route, out, r.random() < 0.02, "Contact", acc)
            if review is None:
                if r.random() < 0.03:  # a cancelled attempt, rescheduled
                    ce = p_start + r.randint(5, 40)
                    if ce < exit_day:
                        team = (
                            la.teams["REV"]
                            if home_team not in (la.teams["LD"], la.teams["MH"])
                            and r.random() < 0.6
                            else home_team
                        )
                        self.work_item(
                            EV_REVIEW,
                            p,
                            p_start,
                            ce,
                            team,
                            due,
                            p_start + r.randint(0, 10),
                            True,
                            "",
                            "Annual review",
                            {"review_reason": "Planned"},
                            acc,
                        )
                        p_start = ce + 1
                        p_end = max(p_end, p_start + 5)
                team = home_team
                if home_team not in (la.teams["LD"], la.teams["MH"]) and r.random() < 0.6:
                    team = la.teams["REV"]
                desc = "6-8 week review" if first_review else "Annual review"
                review = (p_start, p_end, due, "Planned", team, desc)
            first_review = False
            rs, re_, rdue, reason, team, desc = review
            if rs >= exit_day or rs > horizon:
                break
            # contacts while the review is open are answered at the front door
            while ci < len(contacts) and contacts[ci] < re_:
                cday = contacts[ci]
                ci += 1
                if cday >= exit_day:
                    break
                self.request(
                    p, cday, cday + r.randint(0, 3), R_COMMUNITY, O_IA, False, "Contact", acc
                )
            alloc = rs + int(r.expovariate(1 / 18.0))
            if alloc >= re_:
                alloc = max(rs, re_ - r.randint(1, 5))
            planned = reason == "Planned"
            if re_ >= exit_day:  # the person died or moved while the review was open
                self.work_item(
                    EV_REVIEW,
                    p,
                    rs,
                    exit_day,
                    team,
                    rdue,
                    alloc,
                    False,
                    exit_out,
                    desc,
                    {"review_reason": reason, "method_of_review": M_SU},
                    acc,
                )
                break
            if planned:
                out = _pick(
                    r,
                    (
                        (O_CONTINUE, 66),
                        (O_SUPPORT, 25),
                        (O_ENDED, 4),
                        (O_ENDED_OTHER, 1),
                        (O_HOSPITAL, 2),
                        (O_NHS, 2),
                    ),
                )
            else:
                out = _pick(
                    r,
                    ((O_SUPPORT, 50), (O_CONTINUE, 38), (O_HOSPITAL, 7), (O_ENDED, 3), (O_NHS, 2)),
                )
            if in_home and out in (O_ENDED, O_ENDED_OTHER):
                out = O_CONTINUE
            achieved = ""
            if planned or r.random() < 0.5:
                achieved = _pick(r, (("Fully met", 45), ("Partially met", 40), ("Not met", 15)))
            method = _pick(r, ((M_SU, 55), (M_BOTH, 37), (M_CARER, 8)))
            self.work_item(
                EV_REVIEW,
                p,
                rs,
                re_,
                team,
                rdue,
                alloc,
                False,
                out,
                desc,
                {
                    "review_reason": reason,
                    "review_outcomes_achieved": achieved,
                    "method_of_review": method,
                },
                acc,
            )
            t = re_
            due = re_ + 365
            if out in (O_ENDED, O_ENDED_OTHER, O_NHS):
                self.service(p, line_start, re_, line, out, home_team, acc)
                self.p_cut[p] = min(self.p_cut[p], re_)
                return
            if out == O_SUPPORT:  # package change: old line ends, new one starts next day
                self.service(p, line_start, re_, line, O_CONTINUE, home_team, acc)
                line_start = re_ + 1
                to_home = (not in_home) and r.random() < (0.09 if older else 0.015)
                if to_home:
                    nursing = r.random() < 0.35
                    line = self.care_home_line(p, nursing)
                    in_home = True
                    acc = _q(ACC_NURSING if nursing else ACC_CARE_HOME)
                    exit_day, exit_out = draw_exit(line_start, True)
                    # remaining contacts after the move are thinned
                    contacts = contacts[:ci] + [c for c in contacts[ci:] if r.random() < 0.5]
                elif in_home:
                    new = dict(line)
                    new["unit"] = round(line["unit"] * r.uniform(1.0, 1.15), 2)
                    line = new
                else:
                    new = dict(line)
                    factor = r.uniform(1.05, 1.4) if r.random() < 0.6 else r.uniform(0.65, 0.95)
                    if new.get("units") is not None and new["freq"] == "Hourly":
                        new["units"] = max(2.0, round(new["units"] * factor * 4) / 4)
                    else:
                        new["unit"] = round(new["unit"] * factor, 2)
                    line = new
        # the person left: close the current line at the exit (or leave it open)
        if exit_day <= horizon:
            self.service(p, line_start, exit_day, line, exit_out, home_team, acc)
            if exit_out == O_DECEASED:
                self.p_dod[p] = exit_day
            self.p_cut[p] = min(self.p_cut[p], exit_day)
        else:
            self.service(p, line_start, _NEVER, line, "", home_team, acc)

    # -- the whole shard ----------------------------------------------------------------------

    def simulate(self) -> None:
        g, r, w, _la = self.g, self.r, self.w, self.la
        sc = self.scale
        # 1. the stock of long-term clients at the start of the simulated world
        n_stock = int(g.poisson(4800 * sc))
        stock = self.add_people(n_stock, "stock", np.full(n_stock, w.sim_start, dtype=np.int64))
        for p in stock.tolist():
            p = int(p)
            older = self.age(p, w.sim_start) >= 65
            psr = self.p_psr[p]
            p_home = 0.21 if older else (0.22 if psr == PSR_LD else 0.12)
            s0 = w.sim_start - r.randint(30, 365 * 7)
            if r.random() < p_home:
                line = self.care_home_line(p, r.random() < 0.33)
            else:
                line = self.community_line(p)
            last_review = w.sim_start - r.randint(0, 540)
            self.lts_life(p, s0, line, max(last_review, s0) + 365, False)
        # 2. carers and new contacts (people not in long-term support when they first call)
        days = w.data_end - w.sim_start
        n_new = int(g.poisson(1080 * sc * days / 30.44))
        arrive = g.integers(w.sim_start, w.data_end + 1, n_new)
        carer_mask = g.random(n_new) < 0.08
        people = np.empty(n_new, dtype=np.int64)
        people[~carer_mask] = self.add_people(
            int((~carer_mask).sum()), "contact", arrive[~carer_mask]
        )
        people[carer_mask] = self.add_people(int(carer_mask.sum()), "carer", arrive[carer_mask])
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
        base = np.repeat(
            csum[np.cumsum(counts) - counts] - gaps[np.cumsum(counts) - counts], counts
        )
        start = first + (csum - base)
        # weekend contacts mostly move to Monday (1970-01-01 was a Thursday)
        dow = (start + 3) % 7
        wk = (dow >= 5) & (g.random(len(start)) < 0.8)
        start = np.where(wk, start + (7 - dow), start)
        keep = (start <= w.data_end) & (start >= w.first_pstart - 120)
        pidx, start = pidx[keep], start[keep]
        n = len(start)
        order = np.lexsort((pidx, start))
        pidx, start = pidx[order], start[order]
        dur = np.where(g.random(n) < 0.5, 0, 1 + g.exponential(2.5, n).astype(np.int64))
        end = start + dur
        route_i = _choice_idx(g, [x[1] for x in ROUTES], n)
        hosp = np.isin(route_i, (1, 2))
        is_carer = np.array([self.p_carer[p] for p in pidx.tolist()], dtype=bool)
        route_i[is_carer] = 0
        hosp &= ~is_carer
        out_c = _choice_idx(g, [x[1] for x in _REQ_OUT], n)
        out_h = _choice_idx(g, [x[2] for x in _REQ_OUT], n)
        out_i = np.where(hosp, out_h, out_c)
        # carers: no reablement; progress means a carer's assessment
        out_i[is_carer & (out_i == 1)] = 0
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
            outcome = _REQ_OUT[oi][0]
            self.request(p, s, e, ROUTES[route_i[i]][0], outcome, canc, str(descs[i]), stream=True)
            if canc:
                continue
            if outcome == O_DECEASED:
                dd = s - r.randint(0, 5)
                if dd < self.p_dod[p]:
                    self.p_dod[p] = dd
                    self.p_cut[p] = min(self.p_cut[p], dd)
            elif outcome in (O_ASSESS, O_REABLE):
                progress.append((p, s, e, oi * 10 + int(hosp[i])))
        progress.sort()
        for p, s, e, code in progress:
            if s >= self.p_cut[p]:
                continue
            outcome = _REQ_OUT[code // 10][0]
            hospital = bool(code % 10)
            if outcome == O_REABLE:
                self.reablement(p, e + r.randint(0, 3))
            else:
                self.assessment(p, e, hospital)

    def reablement(self, p: int, s: int) -> None:
        r, la = self.r, self.la
        if s >= self.p_cut[p]:
            return
        e = s + r.randint(10, 42)
        out = _pick(
            r,
            (
                # About a third of Ealing's reablement episodes for new clients go on to
                # long-term support (ASCOF 2A 2024-25: 375 of 563 did not).
                (O_ENDED, 58),
                (O_SUPPORT, 30),
                (O_HOSPITAL, 5),
                (O_NHS, 3),
                (O_DECEASED, 2),
                (O_ASSESS, 2),
            ),
        )
        if out == O_DECEASED:
            self.p_dod[p] = e
            self.p_cut[p] = e
        line = {
            "type": ST_STMAX,
            "component": "Reablement",
            "mechanism": DM_COMM,
            "desc": "Reablement episode",
        }
        team = la.teams["REA"]
        self.service(p, s, e, line, out, team)
        if r.random() < 0.3:
            self.work_item(
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
            self.enter_lts(p, e + 1, self.community_line(p))

    def enter_lts(self, p: int, s: int, line: dict) -> None:
        if s >= self.p_cut[p]:
            return
        self.p_cut[p] = s
        first_due = s + (56 if self.r.random() < 0.6 else 365)
        self.lts_life(p, s, line, first_due, True)

    def assessment(self, p: int, req_end: int, hospital: bool) -> None:
        r, la = self.r, self.la
        carer = self.p_carer[p]
        psr = self.p_psr[p]
        young = self.age(p, req_end) < 65
        if carer:
            team = la.teams["CAR"]
        elif psr == PSR_LD and young:
            team = la.teams["LD"]
        elif psr == PSR_MH and young:
            team = la.teams["MH"]
        elif hospital:
            team = la.teams["HD"]
        elif r.random() < 0.3:
            team = la.teams["OT"]
        else:
            team = self.p_home_team[p]
        short = team == la.teams["OT"]
        s = req_end + r.randint(0, 3)
        if s >= self.p_cut[p]:
            return
        if hospital:
            wait = int(r.expovariate(1 / 3.0))
        else:
            wait = (
                int(r.expovariate(1 / 12.0)) if r.random() < 0.88 else int(r.expovariate(1 / 60.0))
            )
        alloc = s + wait
        e = alloc + 2 + int(r.gammavariate(2.0, 9.0 if not hospital else 4.0))
        cancelled = r.random() < 0.06
        if cancelled:
            e = s + r.randint(2, 60)
        if e >= self.p_cut[p]:
            return
        extra = {
            "assessment_type": "Short term assessment" if short else "Long term assessment",
            "method_of_assessment": M_CARER
            if carer
            else _pick(r, ((M_SU, 60), (M_BOTH, 32), (M_CARER, 8))),
        }
        if carer:
            extra["total_hrs_caring_per_week"] = str(r.choice((10, 20, 35, 50, 70, 100)))
            extra["no_of_adults_being_cared_for"] = "1" if r.random() < 0.9 else "2"
            if self.lts_people:
                cared = self.lts_people[r.randrange(len(self.lts_people))]
                extra["adult_1_linked_person_id"] = self.p_id[cared]
        out = _pick(r, _ASSESS_OUT_ST if short else _ASSESS_OUT_LT)
        if carer and out in (O_REABLE, O_SELF, O_NHS):
            out = O_IA
        if not short and not cancelled:
            extra["eligible_needs_identified"] = (
                "Yes"
                if out == O_SUPPORT or (out in (O_REABLE, O_SELF, O_DECLINED) and r.random() < 0.5)
                else "No"
            )
        desc = (
            "Carer's assessment"
            if carer
            else "OT assessment"
            if short
            else "Hospital discharge assessment"
            if hospital
            else "Care Act assessment"
        )
        self.work_item(EV_ASSESSMENT, p, s, e, team, s + 28, alloc, cancelled, out, desc, extra)
        if cancelled:
            return
        if out == O_DECEASED:
            self.p_dod[p] = e
            self.p_cut[p] = e
            return
        if out == O_REABLE:
            self.reablement(p, e + r.randint(0, 3))
            return
        if out != O_SUPPORT:
            return
        ss = e + r.randint(1, 14)
        if carer:
            self.carer_service(p, ss, team)
            return
        if short:
            self.short_service(p, ss, team, low=True)
            return
        u = r.random()
        p_home = 0.012 if young else 0.07
        if u < p_home:
            self.enter_lts(p, e + r.randint(0, 7), self.care_home_line(p, r.random() < 0.35))
        elif u < p_home + (0.12 if young else 0.16):
            self.enter_lts(p, ss, self.community_line(p))
        else:
            self.short_service(p, ss, team, low=r.random() < 0.7)

    def short_service(self, p: int, s: int, team: str, low: bool) -> None:
        r = self.r
        if s >= self.p_cut[p]:
            return
        if low:
            kind = _pick(
                r, (("equip", 55), ("telecare", 20), ("meals", 12), ("transport", 8), ("other", 5))
            )
        else:
            kind = _pick(r, (("respite", 40), ("other_st", 45), ("st_nursing", 15)))
        out = O_ENDED
        if kind == "equip":
            line = {
                "type": ST_LOW,
                "component": "Equipment",
                "mechanism": DM_COMM,
                "freq": "One-off",
                "unit": round(r.uniform(60, 900), 2),
                "desc": "Equipment",
            }
            e = s
        elif kind == "telecare":
            line = {
                "type": ST_LOW,
                "component": "Other short term support",
                "mechanism": DM_COMM,
                "freq": "Weekly",
                "unit": round(r.uniform(4, 9), 2),
                "desc": "Telecare",
            }
            e = s + r.randint(60, 900)
        elif kind == "meals":
            line = {
                "type": ST_LOW,
                "component": "Meals",
                "mechanism": DM_COMM,
                "freq": "Per session",
                "unit": round(r.uniform(5.5, 7.5), 2),
                "units": float(r.choice((5, 7, 7, 14))),
                "desc": "Meals service",
            }
            e = s + r.randint(30, 400)
        elif kind == "transport":
            line = {
                "type": ST_LOW,
                "component": "Transport",
                "mechanism": DM_COMM,
                "freq": "Per session",
                "unit": round(r.uniform(12, 30), 2),
                "units": float(r.randint(2, 6)),
                "desc": "Transport",
            }
            e = s + r.randint(30, 300)
        elif kind == "other":
            line = {
                "type": ST_LOW,
                "component": "Professional support: Other",
                "mechanism": DM_COMM,
                "desc": "Support worker visits",
            }
            e = s + r.randint(14, 120)
        elif kind in ("respite", "st_nursing"):
            nursing = kind == "st_nursing"
            home = self.la.homes[r.randrange(len(self.la.homes))]
            line = {
                "type": ST_OTHER,
                "component": "Short term nursing care"
                if nursing
                else "Short term residential care",
                "mechanism": DM_COMM,
                "freq": "Weekly",
                "provider": home,
                "unit": round(1250 * (1.1 if nursing else 1.0) * r.lognormvariate(0, 0.15), 2),
                "desc": "Interim placement",
            }
            e = s + r.randint(7, 56)
            if r.random() < 0.08:
                out = O_SUPPORT
        else:
            line = {
                "type": ST_OTHER,
                "component": "Other short term support",
                "mechanism": DM_COMM,
                "freq": "Hourly",
                "unit": round(r.uniform(21, 26), 2),
                "units": float(r.randint(5, 15)),
                "desc": "Short term home care",
            }
            e = s + r.randint(14, 84)
        if e >= self.p_cut[p]:
            e = self.p_cut[p]
            out = O_DECEASED if self.p_dod[p] == e else O_ENDED_OTHER
            if e < s:
                return
        self.service(p, s, e, line, out, team)
        if out == O_SUPPORT:
            nursing = line["component"] == "Short term nursing care"
            self.enter_lts(p, e + 1, self.care_home_line(p, nursing))

    def carer_service(self, p: int, s: int, team: str) -> None:
        r = self.r
        if s >= self.p_cut[p]:
            return
        u = r.random()
        if u < 0.6:
            line = {
                "type": ST_CARER_DIRECT,
                "component": "Direct payment",
                "mechanism": DM_DP,
                "freq": "One-off",
                "unit": float(r.choice((250, 300, 350, 400, 500))),
                "desc": "Carer's personal budget",
            }
            e = s
        elif u < 0.85:
            home = self.la.homes[r.randrange(len(self.la.homes))]
            line = {
                "type": ST_CARER_INVOLVING,
                "component": "Unpaid carer respite",
                "mechanism": DM_COMM,
                "freq": "Weekly",
                "provider": home,
                "unit": round(r.uniform(1100, 1400), 2),
                "desc": "Carer respite",
            }
            e = s + r.randint(6, 20)
        else:
            line = {
                "type": ST_CARER_DIRECT,
                "component": "Other unpaid carer support",
                "mechanism": DM_COMM,
                "desc": "Carers centre support",
            }
            e = s + r.randint(30, 180)
        self.service(p, s, e, line, O_ENDED, team)

    # -- assembly -------------------------------------------------------------------------------

    def finish(self, ref_blank_rate: float) -> None:
        """Filter to the extract window, order, close events at death, assign references."""
        w = self.w
        et = np.array(self.e_type, dtype=np.int8)
        ep = np.array(self.e_person, dtype=np.int64)
        es = np.array(self.e_start, dtype=np.int64)
        ee = np.array(self.e_end, dtype=np.int64)
        stream = np.array(self.e_stream, dtype=bool)
        cut = np.array(self.p_cut, dtype=np.int64)[ep] if len(ep) else ep
        dod = np.array(self.p_dod, dtype=np.int64)
        keep = (es <= w.data_end) & (ee >= w.first_pstart) & (es >= w.sim_start - 365 * 8)
        keep &= ~stream | (es < cut)
        keep &= es <= dod[ep]
        idx = np.nonzero(keep)[0]
        idx = idx[np.lexsort((idx, es[idx]))]
        # events running past a death end on the death day
        over = idx[(ee[idx] > dod[ep[idx]])]
        for i in over.tolist():
            d = int(dod[ep[i]])
            b = self.e_body[i]
            b[_B["event_end_date"]] = _ds(d)
            if b[_B["event_status"]] != "Cancelled":
                b[_B["event_outcome"]] = _q(O_DECEASED)
                b[_B["event_status"]] = "Completed"
            ee[i] = d
            if self.e_alloc[i] > d:
                self.e_alloc[i] = _NEVER
                b[_B["worker_id"]] = ""
                b[_B["allocated_date"]] = ""
        self.idx = idx
        self.type = et[idx]
        self.person = ep[idx]
        self.start = es[idx]
        self.end = ee[idx]
        self.alloc = np.array(self.e_alloc, dtype=np.int64)[idx]
        self.dod = dod
        blank = self.g.random(len(idx)) < ref_blank_rate
        la = self.la
        for j, i in enumerate(idx.tolist()):
            if blank[j]:
                continue
            t = self.e_type[i]
            la.next_ref[t] += 1
            self.e_body[i][_B["event_reference"]] = (
                f"{la.prefix}-{_EV_LETTER[t]}{la.next_ref[t]:08d}"
            )
        self.ends_at = {int(i): int(ee[i]) for i in over.tolist()}

    def lines_for(self, ps: int, pe: int, prefix: str) -> list[str]:
        """The CSV lines of one extract (period ps..pe) for this shard's events."""
        m = (self.start <= pe) & (self.end >= ps)
        sel = np.nonzero(m)[0]
        out: list[str] = []
        append = out.append
        parts, dod, accs, bodies = self.p_parts, self.dod, self.e_acc, self.e_body
        i_end, i_out = _B["event_end_date"], _B["event_outcome"]
        i_status, i_worker, i_alloc = _B["event_status"], _B["worker_id"], _B["allocated_date"]
        i_elig, i_ach = _B["eligible_needs_identified"], _B["review_outcomes_achieved"]
        idx, person, end, alloc = self.idx, self.person, self.end, self.alloc
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
            append(prefix + a + (_ds(d) if d <= pe else "") + b + accs[i] + c + ",".join(body))
        return out


# ----------------------------------------------------------------------------------------------
# Faults


class _Faults:
    def __init__(self, rate: float, codes: _Codes, r: random.Random) -> None:
        self.rate, self.codes, self.r = rate, codes, r
        self.items: list[dict] = []
        self.counts = dict.fromkeys(FAULT_KINDS, 0)

    def _variant(self, value: str) -> str:
        r = self.r
        for _ in range(4):
            k = r.randrange(5)
            if k == 0:
                v = value.lower().replace(": ", ":  ")
            elif k == 1:
                v = value.upper()
            elif k == 2:
                v = " " + value.lower() + " "
            elif k == 3:
                v = value.title()
            else:
                v = value.replace(" ", "  ")
            if v != value:
                return v
        return value.swapcase() if value.swapcase() != value else value + " "

    def inject(self, lines: list[str], file: str, row_offset: int) -> list[str]:
        """Apply faults to one chunk of data lines; row numbers continue from row_offset."""
        n = len(lines)
        if self.rate <= 0 or n == 0:
            return lines
        r = self.r
        want = {k: _binomial(r, n, self.rate) for k in FAULT_KINDS}
        pool = list(range(n))
        total = sum(want.values())
        picks = r.sample(pool, min(n, total * 4 + 10))
        pi = 0
        done: list[tuple[int, str, str]] = []  # (index, field, kind)
        dups: list[int] = []
        for kind in FAULT_KINDS:
            got, tries = 0, 0
            while got < want[kind] and pi < len(picks) and tries < want[kind] * 4 + 10:
                tries += 1
                i = picks[pi]
                pi += 1
                if kind == "duplicate_row":
                    dups.append(i)
                    done.append((i, "", kind))
                    got += 1
                    continue
                fields = next(csv.reader([lines[i]]))
                fname = self._apply(kind, fields)
                if fname is None:
                    continue
                lines[i] = _row(fields)
                done.append((i, fname, kind))
                got += 1
        # insert duplicates right after their originals; renumber rows
        dset = sorted(set(dups))
        shift: dict[int, int] = {}
        out: list[str] = []
        k = 0
        for i, line in enumerate(lines):
            shift[i] = len(out)
            out.append(line)
            if k < len(dset) and dset[k] == i:
                out.append(line)
                k += 1
        for i, fname, kind in done:
            row = shift[i] + 1 + (1 if kind == "duplicate_row" else 0)
            self.items.append({"file": file, "row": row_offset + row, "field": fname, "kind": kind})
            self.counts[kind] += 1
        return out

    def _apply(self, kind: str, fields: list[str]) -> str | None:
        r, codes = self.r, self.codes
        if kind == "missing_start_date":
            fields[_COL["event_start_date"]] = ""
            return "event_start_date"
        if kind == "end_before_start":
            s, e = fields[_COL["event_start_date"]], fields[_COL["event_end_date"]]
            if not s or not e:
                return None
            d = date.fromisoformat(s) - timedelta(days=r.randint(1, 30))
            fields[_COL["event_end_date"]] = d.isoformat()
            return "event_end_date"
        present = [f for f in _CODE_FIELDS if fields[_COL[f]]]
        r.shuffle(present)
        for f in present:
            v = fields[_COL[f]]
            if kind == "r1_value":
                alts = codes.r1.get((f, v))
                if alts:
                    fields[_COL[f]] = r.choice(alts)
                    return f
            elif kind == "case_variant":
                fields[_COL[f]] = self._variant(v)
                return f
            elif kind == "unknown_code":
                junk = codes.junk.get(f)
                if junk:
                    fields[_COL[f]] = r.choice(junk)
                    return f
        return None


def _binomial(r: random.Random, n: int, p: float) -> int:
    if p <= 0:
        return 0
    mean = n * p
    if mean < 30:
        # Poisson approximation via inversion (small means)
        lim, k, prod = math.exp(-mean), 0, r.random()
        while prod > lim:
            k += 1
            prod *= r.random()
        return min(k, n)
    return max(0, min(n, int(round(r.gauss(mean, math.sqrt(mean * (1 - p)))))))


# ----------------------------------------------------------------------------------------------
# Payments


def _payments(shard: _Shard, w: _Window, g: np.random.Generator) -> list[tuple]:
    """Payment lines for a shard's costed service lines: (pay_day, ps, pe, amount, person, ref)."""
    if not shard.pay:
        return []
    kept = {int(i): j for j, i in enumerate(shard.idx.tolist())}
    rows = [t for t in shard.pay if t[0] in kept]
    if not rows:
        return []
    ev = np.array([t[0] for t in rows], dtype=np.int64)
    st = np.array([t[1] for t in rows], dtype=np.int64)
    en = np.array([shard.ends_at.get(t[0], t[2]) for t in rows], dtype=np.int64)
    en = np.minimum(en, w.data_end)
    cpw = np.array([t[3] for t in rows])
    one = np.array([t[4] for t in rows], dtype=bool)
    cyc = np.array([t[5] for t in rows], dtype=np.int64)
    first_day = w.fy_first
    # one-off payments
    out_pay, out_ps, out_pe, out_amt, out_ev = [], [], [], [], []
    o = np.nonzero(one)[0]
    out_pay.append(st[o] + g.integers(7, 31, len(o)))
    out_ps.append(st[o])
    out_pe.append(st[o])
    out_amt.append(cpw[o])
    out_ev.append(ev[o])
    # periodic: cycle 0 = calendar month, 1 = 4-weekly from a fixed Monday
    anchor = _day(date(2019, 4, 1))
    for cycle in (0, 1):
        sel = np.nonzero(~one & (cyc == cycle) & (en >= st))[0]
        if len(sel) == 0:
            continue
        s, e = st[sel], en[sel]
        if cycle == 0:
            ms = s.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
            me = e.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        else:
            ms = (s - anchor) // 28
            me = (e - anchor) // 28
        cnt = me - ms + 1
        rep = np.repeat(np.arange(len(sel)), cnt)
        k = ms[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        if cycle == 0:
            c_start = k.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
            c_end = (k + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
            pay = c_end + g.integers(5, 21, len(k))
        else:
            c_start = anchor + 28 * k
            c_end = c_start + 27
            pay = c_end + g.integers(3, 15, len(k))
        ps_ = np.maximum(c_start, s[rep])
        pe_ = np.minimum(c_end, e[rep])
        days = pe_ - ps_ + 1
        amt = cpw[sel][rep] / 7.0 * days * (1 + g.normal(0, 0.004, len(k)))
        out_pay.append(pay)
        out_ps.append(ps_)
        out_pe.append(pe_)
        out_amt.append(amt)
        out_ev.append(ev[sel][rep])
    pay = np.concatenate(out_pay)
    ps = np.concatenate(out_ps)
    pe = np.concatenate(out_pe)
    amt = np.round(np.concatenate(out_amt), 2)
    evs = np.concatenate(out_ev)
    # occasional credits (a refund for days not delivered)
    cr = np.nonzero(g.random(len(pay)) < 0.01)[0]
    pay = np.concatenate([pay, pay[cr] + 28])
    ps = np.concatenate([ps, ps[cr]])
    pe = np.concatenate([pe, pe[cr]])
    amt = np.concatenate([amt, -np.round(amt[cr] * g.uniform(0.1, 0.5, len(cr)), 2)])
    evs = np.concatenate([evs, evs[cr]])
    ok = (pay >= first_day) & (pay <= w.data_end) & (amt != 0)
    order = np.lexsort((evs[ok], ps[ok], pay[ok]))
    res = []
    bodies, persons = shard.e_body, shard.e_person
    i_ref = _B["event_reference"]
    for a, b_, c, d, e_ in zip(
        pay[ok][order].tolist(),
        ps[ok][order].tolist(),
        pe[ok][order].tolist(),
        amt[ok][order].tolist(),
        evs[ok][order].tolist(),
        strict=True,
    ):
        res.append((a, b_, c, d, shard.p_id[persons[e_]], bodies[e_][i_ref]))
    return res


def _fy_quarter(day: int) -> tuple[int, int]:
    d = _EPOCH + timedelta(days=day)
    fy = d.year if d.month >= 4 else d.year - 1
    q = ((d.month - 4) % 12) // 3 + 1
    return fy, q


# ----------------------------------------------------------------------------------------------
# Reference files


_MEASURES = (
    "contacts_count",
    "conversion_rate",
    "completed_on_time_share",
    "overdue_count",
    "reviewed_share",
    "avg_daily_spend_placements",
)


def _targets(la: _LA, scale: float, start_year: int, years: int) -> list[list[str]]:
    rows = []
    f = la.size * scale
    for fy in range(start_year, start_year + years):
        ps, pe = date(fy, 4, 1).isoformat(), date(fy + 1, 3, 31).isoformat()
        step = fy - start_year
        contacts = max(1, round(4000 * f / 10) * 10)
        rows.append(
            ["", "contacts_count", ps, pe, str(contacts), str(max(1, round(contacts * 0.1)))]
        )
        rows.append(
            [
                la.teams["ARC"],
                "contacts_count",
                ps,
                pe,
                str(contacts),
                str(max(1, round(contacts * 0.1))),
            ]
        )
        for t in ("", la.teams["ARC"]):
            rows.append([t, "conversion_rate", ps, pe, "0.30", "0.03"])
        work_teams = ("HD", "LT1", "LT2", "LT3", "LT4", "LD", "MH", "REV", "OT", "CAR")
        for s in ("",) + work_teams:
            t = la.teams[s] if s else ""
            rows.append([t, "completed_on_time_share", ps, pe, f"{0.70 + 0.05 * step:.2f}", "0.10"])
        total_overdue = 0
        for s in work_teams:
            n = max(1, round((60 if s == "REV" else 25) * f))
            total_overdue += n
            rows.append([la.teams[s], "overdue_count", ps, pe, str(n), str(max(1, n // 5))])
        rows.append(
            ["", "overdue_count", ps, pe, str(total_overdue), str(max(1, total_overdue // 5))]
        )
        for t in ("", la.teams["REV"]):
            rows.append([t, "reviewed_share", ps, pe, f"{0.65 + 0.05 * step:.2f}", "0.05"])
        spend = 900 * f * 1309 / 7 * (1 - 0.02 * step)
        rows.append(
            ["", "avg_daily_spend_placements", ps, pe, f"{spend:.2f}", f"{spend * 0.05:.2f}"]
        )
    rows = [[*r, ""] for r in rows]  # Worker ID: none, a team's or the service's target
    # Worker-level targets (by whom): no overdue work for each of one team's caseworkers.
    ps, pe = date(start_year + years - 1, 4, 1).isoformat(), date(start_year + years, 3, 31)
    for worker in la.workers[la.teams["LT1"]]:
        rows.append([la.teams["LT1"], "overdue_count", ps, pe.isoformat(), "0", "0", worker])
    return rows


_ACTIONS = (
    (
        "contacts_count",
        "ARC",
        "Front door huddle",
        "Review repeat contacts from existing clients and agree a call-back protocol",
    ),
    (
        "contacts_count",
        "ARC",
        "Monthly performance meeting",
        "Publish the online self-assessment and signposting pages",
    ),
    (
        "conversion_rate",
        "ARC",
        "Front door huddle",
        "Audit 20 referrals passed to specialist teams for appropriateness",
    ),
    (
        "conversion_rate",
        "ARC",
        "Monthly performance meeting",
        "Add a strengths-based conversation prompt to the contact form",
    ),
    (
        "completed_on_time_share",
        "LT1",
        "Team performance meeting",
        "Allocate assessments awaiting allocation for more than 14 days",
    ),
    (
        "completed_on_time_share",
        "HD",
        "Team performance meeting",
        "Agree same-week assessment slots with the discharge hub",
    ),
    (
        "overdue_count",
        "LT2",
        "Team performance meeting",
        "Clear overdue assessments older than 60 days",
    ),
    ("overdue_count", "REV", "Reviews board", "Prioritise overdue reviews of high-cost packages"),
    (
        "overdue_count",
        "LD",
        "Team performance meeting",
        "Schedule transition reviews for young people turning 18",
    ),
    (
        "reviewed_share",
        "REV",
        "Reviews board",
        "Book annual reviews two months ahead of the due date",
    ),
    (
        "reviewed_share",
        "MH",
        "Team performance meeting",
        "Review people not seen for more than 12 months",
    ),
    (
        "avg_daily_spend_placements",
        "",
        "Placements panel",
        "Check every new placement against the usual price before approval",
    ),
    (
        "avg_daily_spend_placements",
        "",
        "Monthly performance meeting",
        "Review interim placements longer than six weeks",
    ),
    (
        "avg_daily_spend_placements",
        "LT3",
        "Placements panel",
        "Look for community alternatives for people awaiting placement",
    ),
    (
        "completed_on_time_share",
        "OT",
        "Team performance meeting",
        "Reduce equipment assessment waits with a triage clinic",
    ),
)
_OWNERS = (
    "Team manager",
    "Head of service",
    "Service manager",
    "Principal social worker",
    "Performance analyst",
    "Finance business partner",
    "Senior practitioner",
)


def _actions(la: _LA, r: random.Random, w: _Window) -> list[list[str]]:
    rows = []
    first = w.fy_first
    span = w.data_end - first
    for k in range(30):
        measure, team, meeting, text = _ACTIONS[k % len(_ACTIONS)]
        raised = first + int(span * (k + r.random()) / 30)
        due = raised + r.choice((14, 21, 28, 42, 56))
        if due < w.data_end - 30:
            status = _pick(r, (("Done", 72), ("Open", 18), ("Dropped", 10)))
        else:
            status = "Open" if r.random() < 0.8 else "Done"
        done = ""
        if status == "Done":
            done = _ds(min(raised + r.randint(3, due - raised + 20), w.data_end))
        rows.append(
            [
                f"{la.prefix}-A{k + 1:03d}",
                la.teams[team] if team else "",
                _ds(raised),
                meeting,
                text,
                r.choice(_OWNERS),
                _ds(due),
                status,
                done,
                measure,
            ]
        )
    return rows


# ----------------------------------------------------------------------------------------------
# Public API


def generate(
    out_dir: Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    las: int = 1,
    fault_rate: float = 0.002,
    start_year: int = 2022,
    years: int = 3,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write a synthetic landing folder into out_dir and return a summary.

    ``scale`` multiplies people and events (1 = a borough sized like Ealing); ``las`` is the
    number of local authorities (Ealing first, then other London boroughs); ``fault_rate`` is
    the share of CLD rows given each kind of fault (0 = clean). Returns the files written, rows
    per file type and faults by kind; the same plus every fault is written to
    ``out_dir/.primed-generator.json``.
    """
    if not 1 <= las <= len(_LAS):
        raise ValueError(f"las must be between 1 and {len(_LAS)}")
    if scale <= 0 or years < 1:
        raise ValueError("scale must be > 0 and years >= 1")
    out_dir = Path(out_dir)
    (out_dir / "reference").mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    g = np.random.default_rng(seed)
    r = random.Random(seed)
    codes = _load_codes()
    faults = _Faults(fault_rate, codes, r)

    ends = _quarter_ends(start_year, years)
    periods = [(_period_start(e), e) for e in ends]
    fy_first = _day(date(start_year, 4, 1))
    data_end = _day(ends[-1])
    first_pstart = _day(periods[0][0])
    w = _Window(
        sim_start=first_pstart - 365,
        first_pstart=first_pstart,
        data_end=data_end,
        horizon=data_end + 90,
        fy_first=fy_first,
        periods=periods,
    )

    cld_header = [c.header for c in CLD_COLUMNS]
    pay_header = [c.header for c in PAYMENT_COLUMNS]
    files: list[str] = []
    rows = {"cld": 0, "payments": 0}
    events = dict.fromkeys(_EV_NAMES, 0)
    nhs_state = {"next": 0}
    la_objs: list[_LA] = []
    for li in range(las):
        la = _make_la(li, r)
        la_objs.append(la)
        la_scale = scale * la.size
        n_shards = max(1, math.ceil(la_scale - 1e-9))
        cld_paths = [out_dir / f"cld_{la.code}_{pe.isoformat()}.csv" for _ps, pe in periods]
        cld_rows = [0] * len(periods)
        quarters = [(fy, q) for fy in range(start_year, start_year + years) for q in (1, 2, 3, 4)]
        pay_paths = {fq: out_dir / f"payments_{la.code}_{fq[0]}Q{fq[1]}.csv" for fq in quarters}
        for path in cld_paths:
            path.write_text(_row(cld_header) + "\n", encoding="utf-8")
        for path in pay_paths.values():
            path.write_text(_row(pay_header) + "\n", encoding="utf-8")
        for sh in range(n_shards):
            shard = _Shard(la, w, la_scale / n_shards, g, r, nhs_state)
            shard.simulate()
            shard.finish(ref_blank_rate=0.01)
            for t in range(4):
                events[_EV_NAMES[t]] += int((shard.type == t).sum())
            for k, (ps, pe) in enumerate(periods):
                prefix = f"{la.code},{ps.isoformat()},{pe.isoformat()},"
                lines = shard.lines_for(_day(ps), _day(pe), prefix)
                lines = faults.inject(lines, cld_paths[k].name, cld_rows[k])
                with cld_paths[k].open("a", encoding="utf-8", newline="") as fh:
                    fh.write("\n".join(lines))
                    if lines:
                        fh.write("\n")
                cld_rows[k] += len(lines)
            say(
                f"{la.code}: shard {sh + 1}/{n_shards} simulated and written "
                f"({len(shard.idx)} events)"
            )
            # payments for this shard
            by_q: dict[tuple[int, int], list[str]] = {fq: [] for fq in quarters}
            for pay, ps, pe, amt, pid, ref in _payments(shard, w, g):
                fq = _fy_quarter(pay)
                if fq not in by_q:
                    continue
                la.next_payment += 1
                by_q[fq].append(
                    f"{la.prefix}-PAY{la.next_payment:09d},{la.code},{pid},{ref},"
                    f"{_ds(ps)},{_ds(pe)},{amt:.2f},{_ds(pay)}"
                )
            for fq, lines in by_q.items():
                if lines:
                    with pay_paths[fq].open("a", encoding="utf-8", newline="") as fh:
                        fh.write("\n".join(lines) + "\n")
                rows["payments"] += len(lines)
            del shard
        for path in cld_paths:
            files.append(path.name)
            say(f"wrote {path.name}")
        for path in pay_paths.values():
            files.append(path.name)
            say(f"wrote {path.name}")
        rows["cld"] += sum(cld_rows)

    # reference files
    ref_rows: dict[str, list[list[str]]] = {k: [] for k in REFERENCE_COLUMNS}
    for li, la in enumerate(la_objs):
        for suffix, tname, ttype, area, _n, _role in _TEAMS:
            ref_rows["teams"].append([la.teams[suffix], f"{la.name} {tname}", ttype, area])
        ref_rows["workers"] += la.worker_rows
        ref_rows["targets"] += _targets(la, scale, start_year, years)
        for year in range(start_year - 1, start_year + years):
            d = 2024 - year
            y1 = round(la.pop_18_64 * (1 - 0.003) ** d)
            y2 = round(la.pop_65 * (1 - 0.015) ** d)
            ref_rows["population"].append([la.code, str(year), "18-64", str(y1)])
            ref_rows["population"].append([la.code, str(year), "65+", str(y2)])
        ref_rows["actions"] += _actions(la, random.Random(seed * 1000 + li), w)
    for name, cols in REFERENCE_COLUMNS.items():
        path = out_dir / "reference" / f"{name}.csv"
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow([c.header for c in cols])
        wr.writerows(ref_rows[name])
        path.write_text(buf.getvalue(), encoding="utf-8")
        files.append(f"reference/{name}.csv")
        rows[name] = len(ref_rows[name])
        say(f"wrote reference/{name}.csv")

    summary = {
        "seed": seed,
        "scale": scale,
        "las": [la.code for la in la_objs],
        "fault_rate": fault_rate,
        "start_year": start_year,
        "years": years,
        "period_ends": [e.isoformat() for e in ends],
        "files": files,
        "rows": rows,
        "unique_events": events,
        "faults": dict(faults.counts),
    }
    manifest = dict(summary)
    manifest["fault_list"] = faults.items
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    say(f"wrote {MANIFEST_NAME}")
    return summary
