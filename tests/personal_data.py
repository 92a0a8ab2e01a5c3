"""Finding personal data in outputs: the generator's (or a test file's) NHS numbers, LA person
ids, names, dates of birth and postcodes, searched for as whole words in any text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

PERSONAL_HEADERS = ("NHS Number", "LA Person Unique Identifier", "Date of Birth", "Postcode")
# A word: letters, digits and the ' - / . inside them, so that a timestamp's fraction
# (1795673555.1001122) or a file name is one word, not a 7-digit id.
_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9'\-/.]*[A-Za-z0-9])?")


def personal_values(landing: Path, pattern: str = "cld_*.csv") -> set[str]:
    """Every NHS number, LA person id, date of birth, postcode and full name in the CLD files
    of a landing folder (4 characters or more). First and last names alone are common words
    ('Page', 'Young'), so names are looked for whole."""
    columns = ", ".join(f'"{h}"' for h in PERSONAL_HEADERS)
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"""SELECT DISTINCT v FROM (
                  SELECT unnest([{columns}, "First Name" || ' ' || "Last Name"]) AS v
                  FROM read_csv('{landing}/{pattern}', all_varchar = true, union_by_name = true,
                                ignore_errors = true))
                WHERE v IS NOT NULL AND length(trim(v)) >= 4"""
        ).fetchall()
    finally:
        con.close()
    return {" ".join(r[0].split()) for r in rows}


def leaks(text: str, values: set[str]) -> set[str]:
    """Personal values found in text as whole words (runs of one to three words, so that
    'W5 6WW' or 'Jane Smith' are found inside a sentence)."""
    words = _WORD.findall(text)
    found = set(words) & values
    for n in (2, 3):
        found |= {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)} & values
    return found


def assert_no_personal_data(texts: Iterable[tuple[str, str]], values: set[str]) -> int:
    """texts: (where, text) pairs. Fails naming the first place holding personal data."""
    assert values, "no personal values to look for"
    scanned = 0
    for where, text in texts:
        found = leaks(text, values)
        assert not found, f"{where} holds personal data: {sorted(found)[:3]}"
        scanned += 1
    return scanned


def file_texts(folder: Path, skip_suffixes: tuple[str, ...] = ()) -> Iterable[tuple[str, str]]:
    """(path, text) of every file under folder; Parquet files as the text of their values."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in skip_suffixes:
            continue
        if path.suffix == ".parquet":
            con = duckdb.connect()
            try:
                rows = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
            finally:
                con.close()
            yield str(path), "\n".join("\t".join(map(str, r)) for r in rows)
        else:
            yield str(path), path.read_text(encoding="utf-8", errors="replace")


def columns_holding(con: duckdb.DuckDBPyConnection, values: set[str], where: str) -> list[str]:
    """`table.column` of each column (those of duckdb_columns() matching `where`) in which one
    of the values is a whole cell."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pii AS SELECT unnest(?::VARCHAR[]) AS v", [sorted(values)]
    )
    found = []
    for database, schema, table, column in con.execute(
        f"SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() "
        f"WHERE {where}"
    ).fetchall():
        relation = f'"{database}"."{schema}"."{table}"'
        hits = con.execute(
            f'SELECT count(*) FROM {relation} t JOIN _pii ON CAST(t."{column}" AS VARCHAR) = _pii.v'
        ).fetchall()[0][0]
        if hits:
            found.append(f"{table}.{column}")
    return found
