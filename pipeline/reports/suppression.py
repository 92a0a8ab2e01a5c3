"""Small-number suppression, for pages and CSVs that leave the service.

Counts of 1 to 4 are shown as `<5`; a rate or amount computed from such a count is withheld
(`[c]`); zero is shown; amounts that add up (a bridge: the spec's `together`) are withheld all
together when one is, or subtraction would find it. Which columns are counts, and what each
derived column is computed from, is in the report's spec (`specs.py`). Charts leave withheld
values out (`builder.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.reports.data import Row
from pipeline.reports.specs import COUNT_MEASURES, ReportSpec

SUPPRESSED = "<5"
WITHHELD = "[c]"
SUPPRESS_BELOW = 5


def is_small(value: Any) -> bool:
    return isinstance(value, int | float) and 0 < value < SUPPRESS_BELOW


def suppress_rows(rows: Iterable[Row], spec: ReportSpec) -> list[Row]:
    """Counts of 1-4 become `<5`; values computed from them are withheld (`[c]`)."""
    out = []
    for row in rows:
        new = dict(row)
        small = {c for c in spec.counts if c in row and is_small(row[c])}
        for column in small:
            new[column] = SUPPRESSED
        for column, sources in spec.dependents.items():
            if column in row and row[column] is not None and small.intersection(sources):
                new[column] = WITHHELD
        if any(new.get(c) == WITHHELD for c in spec.together):
            new.update({c: WITHHELD for c in spec.together if row.get(c) is not None})
        counted = spec.key == "scorecard" and row.get("measure") in COUNT_MEASURES
        if counted and is_small(row.get("actual")):
            new["actual"] = SUPPRESSED
            new["difference"] = WITHHELD
        out.append(new)
    return out
