"""Fault injection: the mistakes real extracts carry, put into the CLD rows on purpose so the
pipeline's checks have something to find, and listed (file, row, field, kind) in the manifest.

Each kind is given to about ``rate`` of the rows of every chunk written: a Release 1 code
(`r1_value`), a code in other case or spacing (`case_variant`), a row sent twice
(`duplicate_row`), a blank start date (`missing_start_date`), an end date before the start
(`end_before_start`), and a value no code list knows (`unknown_code`). The codes come from
seeds/code_mappings.csv.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pipeline.core.config import PROJECT_DIR
from pipeline.demo.draws import binomial
from pipeline.demo.formats import CODE_FIELDS, COL, csv_row, norm

SEED_PATH = PROJECT_DIR / "seeds" / "code_mappings.csv"

FAULT_KINDS = (
    "r1_value",
    "case_variant",
    "duplicate_row",
    "missing_start_date",
    "end_before_start",
    "unknown_code",
)


@dataclass
class Codes:
    """From the seed: Release 1 values by (field, Release 2 value), invalid values by field,
    and every known value (normalised) by field."""

    r1: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    junk: dict[str, list[str]] = field(default_factory=dict)
    valid: dict[str, set[str]] = field(default_factory=dict)


def load_codes(path: Path = SEED_PATH) -> Codes:
    codes = Codes()
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            f = rec["field"]
            codes.valid.setdefault(f, set()).add(norm(rec["raw_value"]))
            if rec["release"] == "R1" and rec["r2_value"] != "Invalid and not mapped":
                codes.r1.setdefault((f, rec["r2_value"]), []).append(rec["raw_value"])
            elif rec["release"] == "invalid":
                codes.junk.setdefault(f, []).append(rec["raw_value"])
    return codes


class Faults:
    """Injects faults chunk by chunk and keeps the list and the counts by kind."""

    def __init__(self, rate: float, codes: Codes, r: random.Random) -> None:
        self.rate, self.codes, self.r = rate, codes, r
        self.items: list[dict] = []
        self.counts = dict.fromkeys(FAULT_KINDS, 0)

    def inject(self, lines: list[str], file: str, row_offset: int) -> list[str]:
        """Apply faults to one chunk of data lines; row numbers continue from row_offset."""
        n = len(lines)
        if self.rate <= 0 or n == 0:
            return lines
        r = self.r
        want = {k: binomial(r, n, self.rate) for k in FAULT_KINDS}
        total = sum(want.values())
        picks = r.sample(list(range(n)), min(n, total * 4 + 10))
        pi = 0
        done: list[tuple[int, str, str]] = []  # (index, field, kind)
        for kind in FAULT_KINDS:
            got, tries = 0, 0
            while got < want[kind] and pi < len(picks) and tries < want[kind] * 4 + 10:
                tries += 1
                i = picks[pi]
                pi += 1
                if kind == "duplicate_row":
                    done.append((i, "", kind))
                    got += 1
                    continue
                fields = next(csv.reader([lines[i]]))
                fname = self._apply(kind, fields)
                if fname is None:
                    continue
                lines[i] = csv_row(fields)
                done.append((i, fname, kind))
                got += 1
        dups = [i for i, _f, kind in done if kind == "duplicate_row"]
        out, shift = _with_duplicates(lines, sorted(set(dups)))
        for i, fname, kind in done:
            row = shift[i] + 1 + (1 if kind == "duplicate_row" else 0)
            self.items.append({"file": file, "row": row_offset + row, "field": fname, "kind": kind})
            self.counts[kind] += 1
        return out

    def _apply(self, kind: str, fields: list[str]) -> str | None:
        """Give one row (its fields, changed in place) a fault of a kind; the field changed, or
        None when the row cannot have it."""
        r, codes = self.r, self.codes
        if kind == "missing_start_date":
            fields[COL["event_start_date"]] = ""
            return "event_start_date"
        if kind == "end_before_start":
            s, e = fields[COL["event_start_date"]], fields[COL["event_end_date"]]
            if not s or not e:
                return None
            d = date.fromisoformat(s) - timedelta(days=r.randint(1, 30))
            fields[COL["event_end_date"]] = d.isoformat()
            return "event_end_date"
        present = [f for f in CODE_FIELDS if fields[COL[f]]]
        r.shuffle(present)
        for f in present:
            v = fields[COL[f]]
            if kind == "r1_value":
                alts = codes.r1.get((f, v))
                if alts:
                    fields[COL[f]] = r.choice(alts)
                    return f
            elif kind == "case_variant":
                fields[COL[f]] = self._variant(v)
                return f
            elif kind == "unknown_code":
                junk = codes.junk.get(f)
                if junk:
                    fields[COL[f]] = r.choice(junk)
                    return f
        return None

    def _variant(self, value: str) -> str:
        """The value in other case or spacing (never the value itself)."""
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


def _with_duplicates(lines: list[str], dset: list[int]) -> tuple[list[str], dict[int, int]]:
    """The lines with each of dset (sorted indexes) written twice, and where each line went."""
    shift: dict[int, int] = {}
    out: list[str] = []
    k = 0
    for i, line in enumerate(lines):
        shift[i] = len(out)
        out.append(line)
        if k < len(dset) and dset[k] == i:
            out.append(line)
            k += 1
    return out, shift
