"""How the generator writes values: CSV quoting, day numbers as ISO dates, money, and where each
CLD column sits in a row (taken from the input contract, so a reordering there cannot silently
break the generator).

Days are whole numbers counted from 1970-01-01 (numpy's ``datetime64[D]``); `NEVER` stands for
"no end date", far beyond any date written.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np

from pipeline.core.contract import CLD_COLUMNS

EPOCH = date(1970, 1, 1)
_DMIN = (date(1900, 1, 1) - EPOCH).days
_DMAX = (date(2100, 1, 1) - EPOCH).days
NEVER = 10**6  # "no end date": far beyond any date written
_NON_ALNUM = re.compile(r"[^a-z0-9]")

# ----------------------------------------------------------------------------------------------
# Column positions. A CLD row is written as the person's columns, then the event's "body" (from
# Event Type to the last column), one list of strings per event.

CLD_NAMES = [c.name for c in CLD_COLUMNS]
_BODY_FIRST = CLD_NAMES.index("event_type")
BODY_NAMES = CLD_NAMES[_BODY_FIRST:]
BODY = {n: i for i, n in enumerate(BODY_NAMES)}  # body column -> position in an event's body
NB = len(BODY_NAMES)
CODE_FIELDS = [c.name for c in CLD_COLUMNS if c.kind == "code"]
COL = {n: i for i, n in enumerate(CLD_NAMES)}  # column -> position in a whole row

# Event types: index, the CLD value, the letter in an event reference.
EV_REQUEST, EV_ASSESSMENT, EV_SERVICE, EV_REVIEW = 0, 1, 2, 3
EV_NAMES = ("Request", "Assessment", "Service", "Review")
EV_LETTER = ("R", "A", "S", "V")


def norm(text: str) -> str:
    """Lower case, letters and digits only: how code values are matched."""
    return _NON_ALNUM.sub("", text.lower())


_QCACHE: dict[str, str] = {}


def q(text: str) -> str:
    """CSV-quote a value if it needs it (memoised: code strings repeat millions of times)."""
    out = _QCACHE.get(text)
    if out is None:
        out = '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n\r') else text
        if len(_QCACHE) < 50_000:
            _QCACHE[text] = out
    return out


def csv_row(fields: list[str]) -> str:
    return ",".join(q(f) for f in fields)


_DS: list[str] = np.arange(_DMIN, _DMAX).astype("datetime64[D]").astype(str).tolist()


def ds(day: int) -> str:
    """A day number as an ISO date."""
    return _DS[day - _DMIN]


def day(d: date) -> int:
    """A date as a day number."""
    return (d - EPOCH).days


def money(x: float) -> str:
    return f"{x:.2f}"
