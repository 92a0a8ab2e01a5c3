"""Loading one read file into raw, in one transaction: every data row either loaded (typed,
pseudonymised, with its lineage) or quarantined with its reasons, the rows accounted for, and
the file's registry row (and its manifest line); or nothing at all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.core import contract, settings
from pipeline.ingest import registry
from pipeline.ingest.archive import append_manifest
from pipeline.ingest.pseudonyms import PSEUDONYMS, hashed_sql
from pipeline.ingest.read import (
    LandingFile,
    check_rows,
    read_staging,
    time_of_day_warnings,
    whole_file_failures,
)
from pipeline.ingest.results import FileResult
from pipeline.ingest.rules import q, record_cell, typed_expr, typed_ref
from pipeline.ingest.schema import SQL_TYPE


def load_file(
    con: duckdb.DuckDBPyConnection,
    f: LandingFile,
    result: FileResult,
    key: str,
    archive_dir: Path | None,
) -> None:
    """Load one file in one transaction: all of its rows and its registry row, or nothing.
    With `archive_dir`, its line is added to the archive's manifest (a rebuild adds none)."""
    loaded_at = registry.now()
    read_staging(con, f)
    con.execute("BEGIN TRANSACTION")
    try:
        file_id = _load_rows(con, f, result, loaded_at, key)
        if archive_dir is not None:
            # Before the commit: a crash in between repeats the line, which a rebuild skips.
            append_manifest(archive_dir, file_id, f, loaded_at, settings.key_fingerprint(key))
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    for v in ("_checked", "_status", "_numbered"):
        con.execute(f"DROP VIEW IF EXISTS {v}")
    for t in ("_in", "_row_numbers", "_bad"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    result.status = "loaded"


def _load_rows(
    con: duckdb.DuckDBPyConnection,
    f: LandingFile,
    result: FileResult,
    loaded_at: datetime,
    key: str,
) -> int:
    """The file's rows checked, loaded and quarantined, and its registry row; its load id."""
    file_id = registry.next_file_id(con)
    check_rows(con)
    _insert_rows(con, f, file_id, loaded_at, key)
    _insert_quarantine(con, f, file_id, loaded_at)
    good = _account(con, f, result)
    registry.record_read(
        con,
        f.name,
        f.kind,
        f.digest,
        f.path.stat(),
        "loaded",
        "; ".join(result.warnings) or None,
        file_id=file_id,
        encoding=f.facts.encoding,
        delimiter=f.delim,
        rows_read=result.rows_read,
        rows_loaded=good,
        rows_quarantined=result.rows_quarantined,
        unknown_columns=[u for _, u in f.unknown],
        archived_as=str(f.archived),
        loaded_at=loaded_at,
    )
    return file_id


def _insert_rows(
    con: duckdb.DuckDBPyConnection, f: LandingFile, file_id: int, loaded_at: datetime, key: str
) -> None:
    """The rows without a problem into the kind's raw table: each field typed (from its
    `_t_<name>` column) and kept as raw keeps it, the pseudonyms, the unknown columns as JSON,
    and the lineage."""
    cols = f.cols
    extra = (
        "json_object(" + ", ".join(f"{q(h)}, c{p}" for p, h in f.unknown) + ")"
        if f.unknown
        else "NULL::JSON"
    )
    columns = contract.KIND_COLUMNS[f.kind]
    target = [c.name for c in columns]
    typed = [
        f"{typed_ref(t) if cols[t][0].kind in SQL_TYPE else typed_expr(*cols[t])} AS {t}"
        if t in cols
        else f"NULL AS {t}"
        for t in target
    ]
    kept = [contract.kept_sql(c, c.name) for c in columns]
    pseudonyms = PSEUDONYMS.get(f.kind, {})
    con.execute(
        f"""INSERT INTO {contract.RAW_SCHEMA}.{contract.RAW_TABLE[f.kind]}
            ({", ".join([*target, *pseudonyms])}, _extra, _file_id, _file_name, _file_hash,
             _row_number, _loaded_at)
            SELECT {", ".join([*kept, *hashed_sql(f.kind)])}, _extra, $file_id, $file_name,
                   $digest, _row, $loaded_at
            FROM (SELECT {", ".join(typed)}, {extra} AS _extra, _row
                  FROM _checked WHERE len(_problems) = 0)""",
        {
            "file_id": file_id,
            "file_name": f.name,
            "digest": f.digest,
            "loaded_at": loaded_at,
            **({"key": key} if pseudonyms else {}),
        },
    )


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection, f: LandingFile, file_id: int, loaded_at: datetime
) -> None:
    """The rows with a problem, and the lines the reader rejected, into raw._quarantine.

    The row as sent, for someone to look at, but for its personal fields: kept as raw keeps
    them (contract.Column.kept), and a field raw does not keep left out. A malformed line is
    kept as its shape: where its quotes and delimiters went wrong, and no value (the archived
    file has the line as sent)."""
    cells, mapped, cols = f.cells, f.mapped, f.cols
    record = (
        "json_object("
        + ", ".join(
            f"{q(cells[i] or f'column {i + 1}')}, {record_cell(mapped.get(i), f'c{i}')}"
            for i in range(len(cells))
            if i not in mapped or mapped[i].kept != "none"
        )
        + ")"
    )
    # The event type as sent, so that quarantined rows can be accounted per event type.
    event_type = f"nullif(trim({cols['event_type'][1]}), '')" if "event_type" in cols else "NULL"
    con.execute(
        f"""INSERT INTO {contract.RAW_SCHEMA}._quarantine
            SELECT ?, ?, ?, _row, _fields, _problems, {record}, ?, {event_type}
            FROM _checked WHERE len(_problems) > 0
            UNION ALL
            SELECT ?, ?, ?, row_number, [], ['malformed row: ' || problem],
                   json_object('line', {contract.shape_sql("csv_line", None)}), ?, NULL
            FROM _bad""",
        [file_id, f.name, f.kind, loaded_at, file_id, f.name, f.kind, loaded_at],
    )


def _account(con: duckdb.DuckDBPyConnection, f: LandingFile, result: FileResult) -> int:
    """Every data row read is loaded or quarantined: the counts, and the file's warnings. The
    rows loaded."""
    good, quarantined = con.execute(
        "SELECT count(*) FILTER (WHERE len(_problems) = 0), "
        "count(*) FILTER (WHERE len(_problems) > 0) FROM _status"
    ).fetchall()[0]
    malformed = con.execute("SELECT count(*) FROM _bad").fetchall()[0][0]
    result.rows_read = good + quarantined + malformed
    result.rows_loaded = good
    result.rows_quarantined = quarantined + malformed
    if result.rows_read == 0:
        result.warnings.append("the file has a header but no data rows")
    if any(col.kind == "date" for col in f.mapped.values()):
        result.warnings += time_of_day_warnings(con)
    if good == 0 and quarantined >= 2:
        result.warnings[:0] = whole_file_failures(con, f, quarantined)
    return good
