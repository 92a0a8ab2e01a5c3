"""Reading one landing file into DuckDB, and finding each row's problems.

The file goes once through DuckDB's own CSV reader into the temporary table `_in` (every cell
as text, `c0`, `c1`...; each typed field parsed once into its `_t_<name>` column); lines the
reader rejects (too many or too few fields...) go to `_bad`. The row rules give each row its
problems in the same pass; `_status` and `_checked` add its row number (rejected lines still
count), and the load reads them; the file-level warnings (dates with a time of day, every row
failing on one field) are read from them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core import contract
from pipeline.core.contract import Column
from pipeline.core.errors import FileRefused
from pipeline.ingest.encoding import ByteFacts
from pipeline.ingest.rules import (
    Cols,
    listed,
    nul_rules,
    problems_sql,
    q,
    row_problems,
    typed_expr,
    typed_ref,
)
from pipeline.ingest.schema import SQL_TYPE

MAX_LINE_BYTES = 16 << 20


@dataclass
class LandingFile:
    """A landing file that passed the file-level checks, ready to read and load."""

    path: Path  # as found in the landing folder (or unpacked from a zip)
    name: str  # as recorded
    source: Path  # what DuckDB reads: the file, or its UTF-8 copy
    kind: str
    digest: str
    facts: ByteFacts
    delim: str
    cells: list[str]  # header cells as sent
    mapped: dict[int, Column]  # header position -> contract column
    unknown: list[tuple[int, str]]  # extra headers, kept in raw as JSON
    archived: Path

    @property
    def cols(self) -> Cols:
        """Contract column name -> (column, the cell `cN` it is read from)."""
        return {c.name: (c, f"c{pos}") for pos, c in self.mapped.items()}

    @property
    def headers(self) -> dict[int, str]:
        """Position -> the header as the contract names it (an unknown one: as sent)."""
        return {pos: c.header for pos, c in self.mapped.items()} | dict(self.unknown)


def csv_sql(source: Path, columns: int, delim: str) -> str:
    """DuckDB's reader of a landing CSV as ingestion reads it: `columns` cells as VARCHAR (c0,
    c1...), the rejected lines in `_rejects` (line numbers counting the header as line 1)."""
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(columns)) + "}"
    return f"""read_csv({q(str(source))}, header = true, auto_detect = false,
                        columns = {spec}, delim = {q(delim)}, quote = '"', escape = '"',
                        store_rejects = true, rejects_table = '_rejects',
                        rejects_scan = '_rejects_scan',
                        ignore_errors = true, max_line_size = {MAX_LINE_BYTES},
                        strict_mode = true)"""


def row_steps_sql(bad: str) -> str:
    """Good rows are numbered in reading order (`_seq`) but rejected lines still count as data
    rows. From `bad` (one `row_number` per rejected row), a step per run of good rows:
    a good row's number is `_seq` + `skipped` of the last step with `good_before` < `_seq`."""
    return f"""WITH gaps AS (
                   SELECT row_number - row_number() OVER (ORDER BY row_number) AS good_before,
                          row_number() OVER (ORDER BY row_number) AS skipped
                   FROM {bad})
               SELECT good_before, max(skipped) AS skipped FROM gaps GROUP BY 1"""


def duckdb_reason(exc: duckdb.Error) -> str:
    text = str(exc).split("\n")[0]
    text = re.sub(r"^[A-Za-z ]+Error: ", "", text)
    return f"the file could not be read as CSV ({text[:300]})"


def read_staging(con: duckdb.DuckDBPyConnection, f: LandingFile) -> None:
    """The file read into the temporary table `_in` in one pass: every cell as text (`c0`,
    `c1`...), each typed field parsed once (`_t_<name>`), and each row's verdict (`_problems`,
    the `_fields` they are in, the date fields sent with a time of day `_timed`); its rejected
    lines in `_bad`. Outside the load's transaction, so that a row's rowid + 1 is its place
    among the good rows."""
    cols = f.cols
    # Each typed field parsed once, as the file is read; the checks and the load read it.
    parsed = "".join(
        f", {typed_expr(col, src)} AS {typed_ref(name)}"
        for name, (col, src) in cols.items()
        if col.kind in SQL_TYPE
    )
    try:
        # Kept in reading order: a row's rowid + 1 is its place among the good rows.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _in AS
                SELECT *, {_verdicts_sql(f)}
                FROM (SELECT *{parsed} FROM {csv_sql(f.source, len(f.cells), f.delim)})"""
        )
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        # What DuckDB's reader refuses (rejected lines aside); any other error is a bug.
        raise FileRefused(f.name, duckdb_reason(exc)) from None
    # Rejected records (too many or too few fields...): DuckDB gives their line number,
    # counting the header as line 1. Good rows' row numbers skip over them.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _bad AS
           SELECT line - 1 AS row_number, any_value(csv_line) AS csv_line,
                  string_agg(DISTINCT error_type || coalesce(' in ' || column_name, '') || ': '
                             || error_message, '; ') AS problem
           FROM _rejects GROUP BY line"""
    )


def _verdicts_sql(f: LandingFile) -> str:
    """A row's problems, the fields they are in, and its dates sent with a time of day."""
    cols = f.cols
    rules = row_problems(f.kind, cols)
    if f.facts.nul_bytes:
        # Only a file with NUL bytes pays for looking for them, in every column.
        rules += nul_rules(f.headers)
    fields = listed([q(h) for h, _expr in rules], rules)
    # Dates sent with a time of day other than midnight: still the date, counted.
    timed = [
        (col.header, contract.time_of_day_sql(f"nullif(trim({src}), '')"))
        for col, src in cols.values()
        if col.kind == "date"
    ]
    times = listed([q(h) for h, _expr in timed], timed, when_true=True)
    return f"{problems_sql(rules)} AS _problems, {fields} AS _fields, {times} AS _timed"


def check_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Each row of `_in` with its row number (rejected lines still count), in the views
    `_status` (row number and verdict) and `_checked` (`_in` with its row number)."""
    if con.execute("SELECT count(*) FROM _bad").fetchall()[0][0] == 0:
        # No rejected line: a row's number is its place in the file.
        con.execute("CREATE OR REPLACE TEMP VIEW _numbered AS SELECT *, rowid + 1 AS _row FROM _in")
    else:
        # The row numbers from the row ids alone, joined back once.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _row_numbers AS
                WITH steps AS ({row_steps_sql("_bad")})
                SELECT ids._id, ids._id + 1 + coalesce(steps.skipped, 0) AS _row
                FROM (SELECT rowid AS _id FROM _in) AS ids
                ASOF LEFT JOIN steps ON ids._id + 1 > steps.good_before"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _numbered AS
               SELECT _in.*, _row_numbers._row
               FROM _in JOIN _row_numbers ON _in.rowid = _row_numbers._id"""
        )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _status AS SELECT _row, _problems, _fields, _timed "
        "FROM _numbered"
    )
    con.execute("CREATE OR REPLACE TEMP VIEW _checked AS SELECT * EXCLUDE (_timed) FROM _numbered")


def time_of_day_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT t, count(*), min(_row) FROM (SELECT unnest(_timed) AS t, _row FROM _status) "
        "GROUP BY t ORDER BY t"
    ).fetchall()
    return [
        f"{header}: {n:,} date(s) with a time of day other than midnight (first in row "
        f"{first}): the date was kept, the time dropped"
        for header, n, first in rows
    ]


def whole_file_failures(con: duckdb.DuckDBPyConnection, f: LandingFile, rows: int) -> list[str]:
    """When every row (`rows` of them) fails on the same field, one sentence for the file,
    with how the values are written: their shape, and an example where a row's reason would
    show the value."""
    positions = {h: p for p, h in f.headers.items()}
    pii = {c.header for c in f.mapped.values() if c.pii}
    kinds = {c.header: c.kind for c in f.mapped.values()}
    out = []
    failing = con.execute(
        "SELECT f FROM (SELECT unnest(list_distinct(_fields)) AS f FROM _status) "
        "GROUP BY f HAVING count(*) = ? ORDER BY min(f)",
        [rows],
    ).fetchall()
    for (header,) in failing[:3]:
        problem = con.execute(
            "SELECT regexp_replace(p, ' \\(.*$', '') AS p FROM "
            "(SELECT unnest(_problems) AS p FROM _status) WHERE starts_with(p, ?) "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [header + ": "],
        ).fetchall()[0][0]
        text = f"every row ({rows:,}) fails on {problem}"
        pos = positions.get(header)
        if pos is not None:
            v = f"nullif(trim(c{pos}), '')"
            shape, n, example = con.execute(
                f"SELECT {contract.shape_sql('v')} AS shape, count(*), min(v) "
                f"FROM (SELECT {v} AS v FROM _in) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            ).fetchall()[0]
            if shape is None:
                text += " (the column is empty in every row)"
            else:
                text += f", written as {shape} in {n:,} rows"
                # A value is shown only where a row's reason would show it: never for a
                # personal field, nor free text (where anything may have been typed).
                if header not in pii and kinds.get(header) in ("date", "number", "integer"):
                    shown = re.sub(r"[\x00-\x1f]", "?", str(example))[:40]
                    text += f" (e.g. '{shown}')"
        if kinds.get(header) == "date":
            text += f", where primed reads dates as {contract.DATE_FORMATS_TEXT}"
        elif kinds.get(header) in ("number", "integer"):
            text += ", where primed reads numbers with a '.' decimal point (optional £ and ',')"
        out.append(text)
    return out
