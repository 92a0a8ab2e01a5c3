"""Are two published warehouses' marts identical? EXCEPT ALL both ways, table by table.

    python bench/compare_marts.py BEFORE.duckdb AFTER.duckdb [--schema marts]

Run-dependent columns (load times, run ids, file ids assigned in load order) are left out
with --ignore COLUMN (repeatable). Floating-point columns are compared rounded to --digits
decimal places (default 4): DuckDB sums doubles in parallel, so two builds of the same code
can differ in their last bits. Exits 1 when any table differs or exists on one side only.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

RUN_COLUMNS = ("published_at", "built_at", "loaded_at", "run_id", "_loaded_at", "dbt_run_at")


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_schema = ?",
        [catalog, schema],
    ).fetchall()
    return {r[0] for r in rows}


def _columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [catalog, schema, table],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _select(name: str, data_type: str, digits: int) -> str:
    if data_type in ("DOUBLE", "FLOAT", "REAL"):
        return f'round("{name}", {digits}) AS "{name}"'
    return f'"{name}"'


def compare(before: str, after: str, schema: str, ignore: set[str], digits: int = 4) -> list[str]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS b (READ_ONLY)")
    problems = []
    ta, tb = _tables(con, "a", schema), _tables(con, "b", schema)
    for t in sorted(ta ^ tb):
        problems.append(f"{schema}.{t}: only in {'before' if t in ta else 'after'}")
    for t in sorted((ta & tb) - {"_release"}):  # each publish writes its own
        ca, cb = _columns(con, "a", schema, t), _columns(con, "b", schema, t)
        if ca != cb:
            problems.append(f"{schema}.{t}: columns differ: {ca} vs {cb}")
            continue
        cols = ", ".join(_select(c, t, digits) for c, t in ca if c not in ignore)
        one = f'SELECT {cols} FROM a."{schema}"."{t}"'
        two = f'SELECT {cols} FROM b."{schema}"."{t}"'
        only_a = con.execute(f"SELECT count(*) FROM ({one} EXCEPT ALL {two})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM ({two} EXCEPT ALL {one})").fetchone()[0]
        rows = con.execute(f"SELECT count(*) FROM ({one})").fetchone()[0]
        status = "same" if only_a == only_b == 0 else "DIFFERENT"
        print(f"{status:9} {schema}.{t}: {rows} rows; only before {only_a}, only after {only_b}")
        if status != "same":
            problems.append(f"{schema}.{t}: {only_a} rows only before, {only_b} only after")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--schema", default="marts")
    ap.add_argument("--ignore", action="append", default=list(RUN_COLUMNS))
    ap.add_argument("--digits", type=int, default=4)
    args = ap.parse_args()
    problems = compare(args.before, args.after, args.schema, set(args.ignore), args.digits)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
