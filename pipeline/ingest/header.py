"""A landing file's header row: its delimiter, and which contract column each header names
(by the specification's header, the warehouse name or a synonym); a file without the headers
that place a row is refused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from pipeline.core import contract
from pipeline.core.contract import Column, header_key
from pipeline.core.errors import FileRefused
from pipeline.ingest.encoding import open_bytes

# Headers a CLD file must have: without them no row could be placed.
CLD_REQUIRED_HEADERS = ("la_code", "reporting_period_end_date", "event_type", "event_start_date")


def read_header(path: Path, encoding: str, columns: Iterable[Column]) -> tuple[list[str], str]:
    """The header cells and delimiter: the delimiter that names the most contract columns."""
    with io.TextIOWrapper(open_bytes(path), encoding=encoding, newline="") as f:
        first = f.readline().lstrip("\ufeff")
    if not first.strip():
        raise FileRefused(path.name, "the first line is empty; expected a header row")
    known = synonym_index(columns)
    best: tuple[int, list[str], str] | None = None
    for delim in (",", ";", "\t", "|"):
        cells = next(csv.reader(io.StringIO(first), delimiter=delim))
        hits = sum(header_key(c) in known for c in cells)
        if best is None or hits > best[0]:
            best = (hits, cells, delim)
    assert best is not None
    if best[0] == 0:
        raise FileRefused(path.name, "no header names from the contract were found in row 1")
    return best[1], best[2]


def synonym_index(columns: Iterable[Column]) -> dict[str, Column]:
    """Every name a header may give a column (header, warehouse name, synonyms) -> column."""
    index: dict[str, Column] = {}
    for col in columns:
        for name in (col.header, col.name, *col.synonyms):
            index.setdefault(header_key(name), col)
    return index


def map_headers(file_name: str, cells: list[str], kind: str) -> tuple[dict[int, Column], list]:
    """Position -> contract column, and the unknown extra headers (kept in raw as JSON)."""
    columns = contract.KIND_COLUMNS[kind]
    index = synonym_index(columns)
    mapped: dict[int, Column] = {}
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    for pos, cell in enumerate(cells):
        col = index.get(header_key(cell))
        if col is None:
            unknown.append((pos, cell.strip() or f"column {pos + 1}"))
            continue
        if col.name in seen:
            raise FileRefused(
                file_name,
                f"headers '{seen[col.name]}' and '{cell.strip()}' both name field '{col.header}'",
            )
        seen[col.name] = cell.strip()
        mapped[pos] = col
    names = {c.name for c in mapped.values()}
    required = CLD_REQUIRED_HEADERS if kind == "cld" else ()
    required = (*required, *(c.name for c in columns if c.required))
    missing = [c.header for c in columns if c.name in required and c.name not in names]
    if kind == "cld" and not {"nhs_number", "la_person_unique_identifier"} & names:
        missing.append("NHS Number or LA Person Unique Identifier")
    if missing:
        raise FileRefused(file_name, "missing required column(s): " + ", ".join(missing))
    return mapped, unknown
