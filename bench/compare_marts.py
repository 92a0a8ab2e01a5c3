"""Are two published warehouses' marts identical? EXCEPT ALL both ways, table by table.

    python bench/compare_marts.py BEFORE.duckdb AFTER.duckdb [--schema marts]

Run-dependent columns (load times, run ids, file ids assigned in load order) are left out
with --ignore COLUMN (repeatable). Floating-point columns are compared rounded to --digits
decimal places (default 4): DuckDB sums doubles in parallel, so two builds of the same code
can differ in their last bits. Where rounding puts two such values either side of a boundary,
a second pass pairs the rows by their other columns and accepts doubles within --tolerance
(default 1e-9) of each other: relative, or absolute below 1 (a difference of two equal sums
is 0 or 1e-12). Exits 1 when any table differs or exists on one side only.
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


FLOATS = ("DOUBLE", "FLOAT", "REAL")


def _select(name: str, data_type: str, digits: int) -> str:
    if data_type in FLOATS:
        return f'round("{name}", {digits}) AS "{name}"'
    return f'"{name}"'


def _within_tolerance(
    con: duckdb.DuckDBPyConnection, one: str, two: str, columns: list[tuple[str, str]], rel: float
) -> bool:
    """Rows paired by their non-float columns (in float order where those repeat): the same
    count on each side, every row paired, every float within `rel` of its pair (relative, or
    absolute where both are under 1)."""
    keys = [f'"{c}"' for c, t in columns if t not in FLOATS]
    floats = [c for c, t in columns if t in FLOATS]
    if not floats:
        return False
    order = ", ".join(f'"{c}"' for c in floats)
    part = f"PARTITION BY {', '.join(keys)} " if keys else ""

    def numbered(select: str) -> str:
        return f"SELECT *, row_number() OVER ({part}ORDER BY {order}) AS _pair FROM ({select})"

    on = " AND ".join([f"x.{k} IS NOT DISTINCT FROM y.{k}" for k in keys] + ["x._pair = y._pair"])
    close = " AND ".join(
        f'(x."{c}" IS NOT DISTINCT FROM y."{c}" OR abs(x."{c}" - y."{c}") '
        f'<= {rel} * greatest(abs(x."{c}"), abs(y."{c}"), 1))'
        for c in floats
    )
    n_one, n_two, paired, ok = con.execute(
        f"SELECT (SELECT count(*) FROM ({one})), (SELECT count(*) FROM ({two})), count(*), "
        f"count(*) FILTER (WHERE {close}) "
        f"FROM ({numbered(one)}) AS x INNER JOIN ({numbered(two)}) AS y ON {on}"
    ).fetchone()
    return n_one == n_two == paired == ok


def compare(
    before: str, after: str, schema: str, ignore: set[str], digits: int = 4, rel: float = 1e-9
) -> list[str]:
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
        kept = [(c, ty) for c, ty in ca if c not in ignore]
        raw = ", ".join(f'"{c}"' for c, _ in kept)
        if status != "same" and _within_tolerance(
            con,
            f'SELECT {raw} FROM a."{schema}"."{t}"',
            f'SELECT {raw} FROM b."{schema}"."{t}"',
            kept,
            rel,
        ):
            status, only_a, only_b = "same", 0, 0
            print(f"same      {schema}.{t}: {rows} rows; doubles within {rel:g} of each other")
            continue
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
    ap.add_argument("--tolerance", type=float, default=1e-9, help="relative, for doubles")
    args = ap.parse_args()
    problems = compare(
        args.before, args.after, args.schema, set(args.ignore), args.digits, args.tolerance
    )
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
