"""Raw keeps of each personal field only what is needed (contract.Column.kept), also in a
warehouse loaded before it did so.

Ingestion keeps a field as `contract.kept_sql` says as it loads each row. A warehouse loaded
before that holds the values as sent in its raw tables and quarantined rows: `minimise_loaded`
turns them, once, into what raw keeps now (in one transaction, then noted in `raw._settings`).
Nothing a model reads changes: the pseudonyms were made at load, and the date of birth is read
to its month. The archived files keep the values as sent, for the CLD export and rebuilds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from pipeline.core import contract
from pipeline.ingest.header import synonym_index
from pipeline.ingest.rules import q

DONE = "raw_minimised"  # raw._settings: when the rows loaded before were minimised
TABLES = {
    "cld": ("cld_events", contract.CLD_COLUMNS),
    "payments": ("payments", contract.PAYMENT_COLUMNS),
}


def minimise_loaded(con: duckdb.DuckDBPyConnection) -> int:
    """Once per warehouse (raw._settings must exist): every loaded row's personal fields as raw
    keeps them now. The number of raw rows it changed."""
    if con.execute("SELECT 1 FROM raw._settings WHERE name = ?", [DONE]).fetchall():
        return 0
    changed = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for table, columns in TABLES.values():
            minimised = [c for c in columns if c.kept != "value"]
            sets = ", ".join(f"{c.name} = {contract.kept_sql(c, c.name)}" for c in minimised)
            given = " OR ".join(f"{c.name} IS NOT NULL" for c in minimised)
            changed += con.execute(f"UPDATE raw.{table} SET {sets} WHERE {given}").fetchall()[0][0]
        _minimise_quarantine(con)
        con.execute(
            "INSERT INTO raw._settings VALUES (?, ?)",
            [DONE, datetime.now(UTC).isoformat(timespec="seconds")],
        )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return changed


def _minimise_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    """Quarantined rows' records: each personal field as raw keeps it (a field raw does not
    keep removed), a malformed line as its shape. Headers are the file's own, so they are
    matched to the contract file by file."""
    line = contract.shape_sql("json_extract_string(record, '$.line')", None)
    con.execute(
        f"UPDATE raw._quarantine SET record = json_object('line', {line}) "
        "WHERE json_exists(record, '$.line')"
    )
    files = con.execute(
        "SELECT file_id, kind, any_value(json_keys(record)) FROM raw._quarantine "
        "WHERE NOT json_exists(record, '$.line') AND kind IN ('cld', 'payments') GROUP BY ALL"
    ).fetchall()
    for file_id, kind, headers in files:
        index = synonym_index(TABLES[kind][1])
        patch = []
        for header in headers:
            col = index.get(contract.header_key(header))
            if col is None or col.kept == "value":
                continue
            cell = f"nullif(trim(json_extract_string(record, {q('$.' + json.dumps(header))})), '')"
            patch += [q(header), contract.kept_sql(col, cell, typed=False)]
        if patch:
            con.execute(
                f"UPDATE raw._quarantine SET record = json_merge_patch(record, "
                f"json_object({', '.join(patch)})) WHERE file_id = ? "
                "AND NOT json_exists(record, '$.line')",
                [file_id],
            )
