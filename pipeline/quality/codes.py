"""Code lists: the shipped code mappings and the council's own, merged as dbt merges them.

`seeds/code_mappings.csv` maps every raw value primed knows of a coded CLD field to its
Release 2 value and release (`R2`, `R1`, `invalid`). A council may add or replace rows with
its own `reference/code_mappings.csv` in the landing folder (stg_reference__code_mappings
merges them in dbt). The checks and the DQ report match values the same way: exact first,
then with case and punctuation ignored (`code_key`, `code_key_sql`).

The council's mappings in force for the checks and the DQ reports of this process are set by
`use_local_mappings` (from the warehouse, or from the file beside an extract `primed validate`
checks); `code_table()` is the merged table.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.sql import table_exists

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
CODED_FIELDS = [c.name for c in contract.CLD_COLUMNS if c.kind == "code"]


def code_key(text: str) -> str:
    """A code value as matched: case and punctuation ignored (as the dbt models match)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def code_key_sql(expr: str) -> str:
    """`code_key` in DuckDB SQL."""
    return f"regexp_replace(lower({expr}), '[^a-z0-9]', '', 'g')"


@dataclass(frozen=True)
class LocalMapping:
    """A row of the council's own code mappings (reference/code_mappings.csv), in force."""

    field: str
    raw_value: str
    r2_value: str
    release: str  # as given, else `invalid` for Invalid and not mapped, else `local`
    file_name: str
    row_number: int


# The council's own mappings in force for the checks and DQ reports of this process, read from
# the warehouse by `use_local_mappings` (as stg_reference__code_mappings merges them in dbt).
_local_mappings: tuple[LocalMapping, ...] = ()

LOCAL_MAPPINGS_TABLE = "ref_code_mappings"
LOCAL_MAPPINGS_SQL = """
    SELECT trim(field), trim(raw_value), trim(r2_value),
        coalesce(nullif(trim(release), ''), CASE WHEN trim(r2_value) = 'Invalid and not mapped'
            THEN 'invalid' ELSE 'local' END), _file_name, _row_number
    FROM {db}raw.ref_code_mappings
    WHERE _file_id = (SELECT max(_file_id) FROM {db}raw.ref_code_mappings)
    ORDER BY _row_number"""


def read_local_mappings(con: duckdb.DuckDBPyConnection, db: str = "") -> list[LocalMapping]:
    """The rows of the latest reference/code_mappings.csv loaded (none when never loaded)."""
    if not table_exists(con, "raw", LOCAL_MAPPINGS_TABLE, db):  # a warehouse made before
        return []  # local mappings existed
    rows = con.execute(LOCAL_MAPPINGS_SQL.format(db=f"{db}." if db else "")).fetchall()
    # Named as the council knows the file: below its landing folder (apart from the seed's).
    return [LocalMapping(*r[:4], r[4] if "/" in r[4] else f"reference/{r[4]}", r[5]) for r in rows]


def local_mappings_beside(path: Path) -> list[LocalMapping]:
    """The council's own code mappings a run would load with this file: the landing folder's
    reference/code_mappings.csv (the file's folder taken as the landing folder)."""
    local = path.parent / contract.LOCAL_CODE_MAPPINGS
    if not local.is_file():
        return []
    with local.open(newline="", encoding="utf-8-sig") as f:
        rows = [
            {contract.header_key(k or ""): (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(f)
        ]
    out = []
    for number, r in enumerate(rows, start=1):
        if not (r.get("field") and r.get("rawvalue") and r.get("r2value")):
            continue  # a run quarantines it (a mandatory field is blank)
        release = r.get("release") or (
            "invalid" if r["r2value"] == "Invalid and not mapped" else "local"
        )
        out.append(
            LocalMapping(
                r["field"],
                r["rawvalue"],
                r["r2value"],
                release,
                contract.LOCAL_CODE_MAPPINGS,
                number,
            )
        )
    return out


def use_local_mappings(rows: Iterable[LocalMapping]) -> None:
    """Merge these local mappings over the shipped ones in every code lookup that follows."""
    global _local_mappings
    _local_mappings = tuple(rows)
    code_table.cache_clear()


def local_mappings() -> tuple[LocalMapping, ...]:
    return _local_mappings


@functools.cache
def shipped_code_table() -> dict[str, list[tuple[str, str, str]]]:
    """field -> [(raw value, Release 2 value, release)] from seeds/code_mappings.csv."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with (SEEDS_DIR / "code_mappings.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["field"], []).append(
                (row["raw_value"], row["r2_value"], row["release"])
            )
    return out


@functools.cache
def code_table() -> dict[str, list[tuple[str, str, str]]]:
    """The mappings in force: the local rows (use_local_mappings), then the shipped rows that
    no local row replaces (same field and raw value, case and punctuation ignored)."""
    replaced = {(m.field, code_key(m.raw_value)) for m in _local_mappings}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for m in _local_mappings:
        out.setdefault(m.field, []).append((m.raw_value, m.r2_value, m.release))
    for name, rows in shipped_code_table().items():
        out.setdefault(name, []).extend(r for r in rows if (name, code_key(r[0])) not in replaced)
    return out


def r2_values(field_name: str) -> list[str]:
    """The field's Release 2 values (the shipped list: a local row maps to one of them)."""
    return [raw for raw, _r2, rel in shipped_code_table().get(field_name, []) if rel == "R2"]
