"""One DuckDB pass over several files' rows: the counts the raw GX suites and the DQ reports read.

A raw table's rows, of every file checked at once (`_file`), go through one query: the derived
columns are computed once (`rules_sql.derived_layers`), personal fields masked, and the rows
counted by one UNPIVOT aggregate into sets of columns, each of them per file:
* one per GX row rule (its column and its condition's columns, and `_loaded`: only loaded rows
  go to GX): the grouped frame GX validates (`gx_run.run_grouped`);
* with `dq` (CLD): each field's national check code (`dqs_<field>`), each date's time of day
  (`dqt_<field>`), each coded field's value (`dqv_<field>`) and the reporting period and LA
  code (`dqp_*`), over loaded and quarantined rows: the DQ report (`dq_report.from_profile`).
Every group has its row count `_n` and up to MAX_EXAMPLES example row numbers `_rows`.
A 5 GB extract becomes a frame of a few thousand rows, and the planner sees one query, not one
per file (planning the suites' SQL costs as much as scanning a quarter's extract).

The UNPIVOT's rows are most of the query's cost. The sets whose values are a few known codes
(each field's check code, each date's time-of-day flag, a rule's derived columns: 91 of the
CLD's 164 sets) are packed, PACKED_DIGITS to a column, as one digit each, before it; the
groups of a packed column are split back into each set's groups as they are read. The sets of
several columns (a rule's column and its condition's, the reporting period) are few values
each, so their columns go through the UNPIVOT as one JSON text (COMBINED), split into each
set's groups in the same query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.core import contract
from pipeline.core.errors import PrimedError
from pipeline.core.sql import literal
from pipeline.quality.codes import CODED_FIELDS
from pipeline.quality.frames import (
    MAX_EXAMPLES,
    PII,
    expectation_columns,
)
from pipeline.quality.rules_sql import FIELD_STATUS_CODES, derived_layers, field_status_sql
from pipeline.quality.suites import Suite

CLD_FIELDS = [c.name for c in contract.CLD_COLUMNS]
DATES = [c.name for c in contract.CLD_COLUMNS if c.kind == "date"]
PERIOD = ("dqp_start", "dqp_end", "dqp_la")
# The values a packed set can take, by how its column starts (`dqs_`) or ends (`__given`)
# (NULL is digit 0, the values digits 1, 2...; digit 7 is a value the list does not have,
# which stops the check): each field's check code and time-of-day flag, and the derived
# columns of a rule (rules_sql: blank or given, parses, ends after the start...).
PACKED_VALUES: dict[str, tuple] = {
    "dqs_": FIELD_STATUS_CODES,
    "dqt_": (1,),
    "__given": ("*",),
    "__parse": ("ok", "invalid", "not a date", "not a number", "negative"),
    "__order": ("ok", "before start"),
    # Not every `__release`: a coded field's is also 'unmapped' or a local mapping's release.
    "total_hrs_caring_per_week__release": ("R2", "R1", "invalid"),
}
PACKED_DIGITS = 16  # octal digits: 48 bits
UNKNOWN_DIGIT = 7
# The UNPIVOT's column of the sets of several columns, as one JSON text (None: one each).
COMBINED: str | None = "_m"


@dataclass
class Profile:
    groups: list[dict]  # one per group: _file, _loaded, _set, the set's columns, _n, _rows
    sets: list[tuple]  # each set's columns (`_file` and `_loaded` left out)
    gx_columns: list[str]  # the GX rules' columns
    gx_sets: int  # sets[:gx_sets] are the GX rules' sets
    numbers: list[str] = field(default_factory=list)  # GX columns that are numbers
    _by_file: dict | None = None

    def gx_frame(self):
        """The loaded rows' groups of the GX rules' sets (the frame GX validates)."""
        import pandas as pd

        mine = [g for g in self.groups if g["_set"] < self.gx_sets and g["_loaded"]]
        df = pd.DataFrame(mine, columns=["_file", "_set", *self.gx_columns, "_n", "_rows"])
        for c in self.numbers:
            df[c] = pd.to_numeric(df[c], errors="coerce")
        return df

    def file_groups(self, file_key: Any) -> dict[str, list[dict]]:
        """One file's groups of each DQ set, by the set's first column (`dqs_gender`...)."""
        if self._by_file is None:
            self._by_file = {}
            for g in self.groups:
                if g["_set"] >= self.gx_sets:
                    mine = self._by_file.setdefault(g["_file"], {})
                    mine.setdefault(self.sets[g["_set"]][0], []).append(g)
        return self._by_file.get(file_key, {})


def _gx_column_sql(kind: str, c: str) -> str:
    """A GX rule's column over the derived layers: personal fields masked, numbers cast."""
    kinds = {col.name: col.kind for col in contract.KIND_COLUMNS[kind]}
    if c.endswith("__given"):
        return f"CASE WHEN {c[:-7]} IS NOT NULL THEN '*' END"
    if c in PII:
        return f"CASE WHEN {c} IS NOT NULL THEN '*' END"
    if kinds.get(c) in ("number", "integer"):
        return f"try_cast({contract.number_sql(c)} AS DOUBLE)"
    return c


def _gx_sets(suite: Suite | None) -> tuple[list[tuple], list[str]]:
    sets: list[tuple] = []
    for _i, e in suite.scoped("row") if suite else []:
        key = tuple(expectation_columns(e))
        if key not in sets:
            sets.append(key)
    cols: list[str] = []
    for key in sets:
        cols += [c for c in key if c not in cols]
    return sets, cols


def _dq_columns(suite: Suite) -> dict[str, str]:
    """The DQ report's columns (over the derived layers) -> SQL."""
    d = {f"dqs_{f}": field_status_sql(suite, f) for f in CLD_FIELDS}
    d.update({f"dqt_{f}": f"CASE WHEN {contract.time_of_day_sql(f)} THEN 1 END" for f in DATES})
    d.update({f"dqv_{f}": f for f in CODED_FIELDS})
    period = ("reporting_period_start_date", "reporting_period_end_date", "la_code")
    d.update(zip(PERIOD, period, strict=True))
    return d


def packed_values(column: str) -> tuple | None:
    """The values of a set of this one column when it is packed (PACKED_VALUES), else None."""
    for affix, values in PACKED_VALUES.items():
        if column.startswith(affix) or column.endswith(affix):
            return values
    return None


def _packed_digit(column: str, values: tuple) -> str:
    whens = " ".join(
        f"WHEN {column} = {literal(v) if isinstance(v, str) else v} THEN {d}"
        for d, v in enumerate(values, 1)
    )
    return f"CASE WHEN {column} IS NULL THEN 0 {whens} ELSE {UNKNOWN_DIGIT} END"


def _unpacked(number: str, packed: list[int], sets: list[tuple]) -> list[tuple[int, Any]]:
    """(set, value) of each set packed into `number` (the text of a packed column's value)."""
    n, out = int(number), []
    for k in packed:
        digit = n % 8
        n //= 8
        values = packed_values(sets[k][0]) or ()
        if digit == UNKNOWN_DIGIT or digit > len(values):
            raise PrimedError(f"the DQ counts found an unexpected value of {sets[k][0]}")
        out.append((k, values[digit - 1] if digit else None))
    return out


def profile_sql(
    kind: str, relation: str, suite: Suite | None, dq_suite: Suite | None = None
) -> tuple[str, list[tuple], list[str], dict[str, type], dict[int, int], dict[str, list[int]]]:
    """The query over `relation` (`_file`, `_loaded`, `_row` and every contract column as
    VARCHAR); its sets (GX rules' first), its GX columns, the columns that are numbers, the
    DQ sets that a GX rule's set counts (set -> GX set) and the packed columns' sets (column
    -> sets, lowest digit first).

    Each set becomes one text column (`_s<k>`: a single column's value as text, several
    columns' values as a JSON object), or a digit of a packed column (`_p<j>`), and UNPIVOT
    makes one aggregate of them all, per file, loaded or not, set and value: far cheaper in
    time and memory than a GROUPING SET each."""
    gx_sets, gx_cols = _gx_sets(suite)
    dq = _dq_columns(dq_suite) if dq_suite else {}
    sets = [*gx_sets, *((c,) for c in dq if not c.startswith("dqp_")), *([PERIOD] if dq else [])]
    types = {c: int for c in dq if c.startswith(("dqs_", "dqt_"))}
    kinds = {col.name: col.kind for col in contract.KIND_COLUMNS[kind]}
    types.update(
        {c: float for c in gx_cols if c not in PII and kinds.get(c) in ("number", "integer")}
    )
    # A coded field's value is often a GX rule's column too: that set counts for both.
    gx_single = {k[0]: i for i, k in enumerate(gx_sets) if len(k) == 1}
    shared = {
        j: gx_single[k[0][4:]]
        for j, k in enumerate(sets)
        if k[0].startswith("dqv_")
        and k[0][4:] in gx_single
        and _gx_column_sql(kind, k[0][4:]) == k[0][4:]
    }
    first, second = derived_layers(kind)
    select = ", ".join([f"{_gx_column_sql(kind, c)} AS {c}" for c in gx_cols] + list(dq))

    def text(k: tuple) -> str:
        if len(k) == 1:
            return f"CAST({k[0]} AS VARCHAR)"
        return f"CAST(to_json(struct_pack({', '.join(f'{c} := {c}' for c in k)})) AS VARCHAR)"

    to_pack = [
        i for i, k in enumerate(sets) if len(k) == 1 and packed_values(k[0]) and i not in shared
    ]
    packed = {
        f"_p{j}": to_pack[at : at + PACKED_DIGITS]
        for j, at in enumerate(range(0, len(to_pack), PACKED_DIGITS))
    }
    # A JSON text per set of several columns and row was 40% of the query: their columns go
    # through the UNPIVOT as one (COMBINED), whose groups (a few thousand a file) are split
    # into each set's groups after it.
    multi = [i for i, k in enumerate(sets) if len(k) > 1] if COMBINED else []
    combined = list(dict.fromkeys(c for i in multi for c in sets[i]))
    columns = {
        f"_s{i}": text(k)
        for i, k in enumerate(sets)
        if i not in shared and i not in to_pack and i not in multi
    }
    if multi:
        columns[COMBINED] = text(tuple(combined))
    for name, members in packed.items():
        digits = " + ".join(
            f"CAST({_packed_digit(sets[k][0], packed_values(sets[k][0]))} AS BIGINT) * {8**d}"
            for d, k in enumerate(members)
        )
        columns[name] = f"CAST({digits} AS VARCHAR)"
    layers = [
        f"l1 AS (SELECT *{''.join(f', {s} AS {n}' for n, s in first.items())} FROM {relation})",
        f"l2 AS (SELECT *{''.join(f', {s} AS {n}' for n, s in second.items())} FROM l1)",
        f"l3 AS (SELECT *{''.join(f', {s} AS {n}' for n, s in dq.items())} FROM l2)",
        f"f AS (SELECT _file, _row, _loaded, {select} FROM l3)",
        "g AS (SELECT _file, _row, _loaded, "
        + ", ".join(f"{sql} AS {name}" for name, sql in columns.items())
        + " FROM f)",
    ]
    counted = (
        f"SELECT _file, _loaded, _name, _value, count(*) AS _n, "
        f"min(_row, {MAX_EXAMPLES}) AS _rows "
        f"FROM g UNPIVOT INCLUDE NULLS (_value FOR _name IN ({', '.join(columns)})) GROUP BY ALL"
    )
    if not multi:
        return f"WITH {', '.join(layers)} {counted}", sets, gx_cols, types, shared, packed
    # Each combined group's values, as each set of several columns has them (the same JSON
    # text as `text` makes), counted again: the rows and the smallest example rows of a set's
    # group are those of the combined groups it is made of.
    picked = ", ".join(
        "CAST(to_json(struct_pack("
        + ", ".join(f"{c} := _v -> {literal(c)}" for c in sets[i])
        + f")) AS VARCHAR) AS _s{i}"
        for i in multi
    )
    split = (
        f"SELECT _file, _loaded, _name, _value, CAST(sum(_n) AS BIGINT) AS _n, "
        f"list_sort(flatten(list(_rows)))[1:{MAX_EXAMPLES}] AS _rows "
        f"FROM (SELECT _file, _loaded, _n, _rows, {picked} FROM "
        f"(SELECT *, CAST(_value AS JSON) AS _v FROM counted WHERE _name = '{COMBINED}')) "
        f"UNPIVOT INCLUDE NULLS (_value FOR _name IN ({', '.join(f'_s{i}' for i in multi)})) "
        "GROUP BY ALL"
    )
    sql = (
        f"WITH {', '.join(layers)}, counted AS ({counted}) "
        f"SELECT * FROM counted WHERE _name <> '{COMBINED}' UNION ALL {split}"
    )
    return sql, sets, gx_cols, types, shared, packed


def profile(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    relation: str,
    suite: Suite | None,
    dq_suite: Suite | None = None,
) -> Profile:
    """Run `profile_sql`: one row per group (`_file`, `_loaded`, `_set`, the set's columns,
    `_n`, `_rows`). The DQ sets' groups count loaded and quarantined rows together."""
    sql, sets, gx_cols, types, shared, packed = profile_sql(kind, relation, suite, dq_suite)
    n_gx = len(_gx_sets(suite)[0])
    also = {k: [j for j, g in shared.items() if g == k] for k in set(shared.values())}
    merged: dict[tuple, dict] = {}

    def add(file, loaded, k: int, values: list, n: int, rows) -> None:
        key = (file, k, loaded if k < n_gx else None, *values)
        group = merged.setdefault(
            key,
            {"_file": file, "_loaded": key[2], "_set": k,
             **dict(zip(sets[k], values, strict=True)), "_n": 0, "_rows": []},
        )  # fmt: skip
        group["_n"] += n
        group["_rows"] = sorted(group["_rows"] + list(rows or []))[:MAX_EXAMPLES]

    for file, loaded, name, value, n, rows in con.execute(sql).fetchall():
        if name in packed:
            for k, code in _unpacked(value, packed[name], sets):
                add(file, loaded, k, [code], n, rows)
            continue
        k = int(name[2:])
        cols = sets[k]
        if len(cols) == 1:
            values = [None if value is None else types.get(cols[0], str)(value)]
        else:
            obj = json.loads(value)
            values = [obj[c] for c in cols]
        add(file, loaded, k, values, n, rows)
        for j in also.get(k, []):
            add(file, loaded, j, values, n, rows)
    # In a stable order (DuckDB's is not): groups of a set hold different rows.
    groups = sorted(merged.values(), key=lambda g: (g["_file"], g["_set"], g["_rows"][:1]))
    numbers = [c for c in gx_cols if types.get(c) is float]
    return Profile(groups, sets, gx_cols, n_gx, numbers)
