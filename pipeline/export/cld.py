"""The CLD submission file: the national format, for a rolling 12 months, from the warehouse.

`export_cld` writes the events a council submits to the national Client Level Data collection
for the 12 months ending ``period_end`` (cld.md §1.1 inclusion rules):

* requests, assessments and reviews completed in the period (Event Status ``Completed``, end
  date inside it);
* services active at any point in it (started by its end, not ended before its start);
* never a cancelled event;
* the carers known by association (person and carer fields, no event) that the latest loaded
  file covering the period end lists (of the files that count: ``int_cld_files``), once each.

Each event is the deduplicated row (``intermediate.int_events_deduplicated``: one row per event,
latest state) joined back to the row that was loaded (``raw.cld_events``) through its lineage
(file id + row number). The submission carries person fields the national format requires and
the warehouse does not keep as sent (NHS number, LA person id, date of birth, postcode, linked
person ids: ``contract.Column.kept``): those are read from the file as it was loaded (the
archive), its rows numbered as ingestion numbered them. The work database is opened read-only;
the file written is its owner's alone (it holds personal data).

What is written follows the Release 2 specification as the peers read it (DHSC's GetDQValues
field list, the header names of saj42saj-beep/ASC-CLD-ASCOF's CLD_R1_Raw view):

* exactly the submitted columns of ``pipeline.core.contract.CLD_COLUMNS`` (``submitted``), under
  their specification headers: no name, GP practice name or CQC location name (Release 2 dropped
  them), no local column;
* NHS Number as its 10 digits when the modulus-11 check digit holds, else blank (the person is
  then known by the LA identifier); postcodes in capitals with one space before the inward code,
  blank when not a UK postcode;
* coded fields in their Release 2 value (R1 spellings and case variants are converted). A value
  the mapping marks ``Invalid and not mapped`` is written as the list's "not known" value where
  it has one (``Unknown``; ethnicity ``No data: Undeclared or not known``), else left blank;
* Total Hrs Caring per week, a defined list of bands in Release 2, as its band (a number of
  hours from a Release 1 style extract is banded);
* when ``period_end`` is before the data date, anything after it (a service's end and outcome,
  a death) is left out, so the file shows what was known at the period end.
"""

from __future__ import annotations

import csv
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from pipeline import ingest, quality
from pipeline.core.contract import CLD_COLUMNS
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, private_dir
from pipeline.core.sql import literal as _q

EXPORT_COLUMNS = tuple(c for c in CLD_COLUMNS if c.submitted)
# Submitted fields raw does not keep as sent: read from the archived files.
SENT = tuple(c for c in EXPORT_COLUMNS if c.kept != "value")
INVALID = "Invalid and not mapped"
CARER_BY_ASSOCIATION = "Unpaid carer known by association"
EVENT_ORDER = ("Request", "Assessment", "Service", "Review")
# The "not known" value of a defined list: an invalid value is written as it.
UNKNOWN_VALUE = {
    "gender": "Unknown",
    "ethnicity": "No data: Undeclared or not known",
    "primary_support_reason": "Unknown",
    "accommodation_status": "Unknown",
    "employment_status": "Unknown",
    "has_unpaid_carer": "Unknown",
    "autism_spectrum_disorder": "Unknown",
    "visual_impairment": "Unknown",
    "hearing_impairment": "Unknown",
    "dementia": "Unknown",
    "client_funding_status": "Unknown",
}
# Release 2 bands of Total Hrs Caring per week (seeds/code_mappings.csv), with the number of
# hours each starts below; the labels are [unverified] against AGEM's workbook.
CARING_HOURS_BANDS = ((20, "19 hours or less"), (50, "20 to 49 hours"), (None, "50 or more hours"))
POSTCODE = "upper(regexp_replace(postcode, '\\s', '', 'g'))"
POSTCODE_SHAPE = "[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}"


def period_start_for(period_end: date) -> date:
    """First day of the rolling 12 months ending ``period_end`` (both days included)."""
    after = period_end + timedelta(days=1)
    try:
        return after.replace(year=after.year - 1)
    except ValueError:  # 29 February: the year before has none
        return date(after.year - 1, 3, 1)


def _hours_sql() -> str:
    """Total Hrs Caring per week as its Release 2 band: a band (case and punctuation ignored)
    as the list spells it, a number of hours banded, anything else blank."""
    column = "total_hrs_caring_per_week"
    label = f"regexp_replace(lower({column}), '[^a-z0-9]', '', 'g')"
    hours = f"try_cast(trim({column}) AS DOUBLE)"
    whens = [
        f"WHEN {label} = {_q(quality.code_key(band))} THEN {_q(band)}"
        for band in quality.r2_values(column)
    ]
    whens += [
        f"WHEN {hours} < {upper} THEN {_q(band)}"
        if upper is not None
        else f"WHEN {hours} >= 0 THEN {_q(band)}"
        for upper, band in CARING_HOURS_BANDS
    ]
    return f"CASE {' '.join(whens)} END"


def _select_sql(coded: set[str]) -> str:
    """The submission's rows, from `_chosen` (CHOSEN_SQL) and `_sent` (read_sent)."""
    fields = []
    for col in EXPORT_COLUMNS:
        name = col.name
        if name == "reporting_period_start_date":
            fields.append("$start AS reporting_period_start_date")
        elif name == "reporting_period_end_date":
            fields.append("$end AS reporting_period_end_date")
        elif name == "nhs_number":
            fields.append(f"{ingest.NHS_NUMBER} AS nhs_number")
        elif name == "postcode":
            fields.append(
                f"CASE WHEN regexp_full_match({POSTCODE}, '{POSTCODE_SHAPE}') "
                f"THEN left({POSTCODE}, length({POSTCODE}) - 3) || ' ' || right({POSTCODE}, 3) "
                "END AS postcode"
            )
        elif name == "total_hrs_caring_per_week":
            fields.append(f"{_hours_sql()} AS total_hrs_caring_per_week")
        elif name == "event_end_date":
            # A service that ended after the period end was still open at it.
            fields.append(
                "CASE WHEN event_end_date <= $end THEN event_end_date END AS event_end_date"
            )
        elif name == "event_outcome":
            fields.append(
                f"CASE WHEN event_end_date <= $end THEN nullif(s_event_outcome, '{INVALID}') END "
                "AS event_outcome"
            )
        elif name == "date_of_death":
            fields.append("CASE WHEN date_of_death <= $end THEN date_of_death END AS date_of_death")
        elif name in coded:
            unknown = _q(UNKNOWN_VALUE[name]) if name in UNKNOWN_VALUE else "NULL"
            fields.append(
                f"CASE WHEN s_{name} = '{INVALID}' THEN {unknown} ELSE s_{name} END AS {name}"
            )
        else:
            fields.append(name)
    order = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(EVENT_ORDER))
    staged = ", ".join(f"stg.{c} AS s_{c}" for c in sorted(coded))
    sent = ", ".join(f"sent.{c.name} AS {c.name}" for c in SENT)
    return f"""
        WITH rows AS (
            SELECT raw.* REPLACE ({sent}), {staged},
                   chosen.person_id AS _person_id, chosen.event_id AS _event_id
            FROM _chosen AS chosen
            JOIN raw.cld_events AS raw
              ON raw._file_id = chosen.file_id AND raw._row_number = chosen.row_number
            JOIN staging.stg_cld__events AS stg
              ON stg.file_id = chosen.file_id AND stg.row_number = chosen.row_number
            JOIN _sent AS sent
              ON sent.file_id = chosen.file_id AND sent.row_number = chosen.row_number
        )
        SELECT {", ".join(fields)}, _person_id
        FROM rows
        ORDER BY CASE s_event_type {order} ELSE {len(EVENT_ORDER)} END, event_start_date,
                 event_reference, _event_id, _person_id
    """


# The rows a submission holds (file id and row number of each, with its person and event).
CHOSEN_SQL = f"""
        WITH events AS (
            SELECT ev.file_id, ev.row_number, ev.person_id, ev.event_id
            FROM intermediate.int_events_deduplicated AS ev
            JOIN raw.cld_events AS raw
              ON raw._file_id = ev.file_id AND raw._row_number = ev.row_number
            WHERE ev.la_code = $la
              AND ev.event_status <> 'Cancelled'
              AND (
                (ev.event_type IN ('Request', 'Assessment', 'Review')
                 AND ev.event_status = 'Completed'
                 AND raw.event_end_date BETWEEN $start AND $end)
                OR (ev.event_type = 'Service'
                    AND raw.event_start_date <= $end
                    AND (raw.event_end_date IS NULL OR raw.event_end_date >= $start))
              )
              AND (raw.date_of_death IS NULL OR raw.date_of_death >= raw.event_start_date)
        ),
        carer_file AS (
            -- The file that counts (int_cld_files), loaded last, whose stated period covers
            -- the period end.
            SELECT max(file_id) AS file_id
            FROM intermediate.int_cld_files
            WHERE la_code = $la AND is_current AND period_start <= $end AND period_end >= $end
        ),
        carers AS (
            SELECT file_id, row_number, person_id, NULL AS event_id
            FROM (
                SELECT stg.file_id, stg.row_number, stg.person_id,
                       row_number() OVER (
                           PARTITION BY stg.person_id ORDER BY stg.row_number DESC
                       ) AS latest
                FROM staging.stg_cld__events AS stg
                JOIN carer_file ON stg.file_id = carer_file.file_id
                WHERE stg.client_type = '{CARER_BY_ASSOCIATION}' AND stg.person_id IS NOT NULL
            ) AS listed
            WHERE latest = 1
        ),
        chosen AS (
            SELECT * FROM events
            UNION ALL
            SELECT * FROM carers
        )
        SELECT * FROM chosen
"""


def read_sent(con: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> None:
    """`_sent`: the SENT fields of every `_chosen` row, typed as ingestion types them, read
    from its file as loaded (the archive, checked against its SHA-256), the rows numbered as
    ingestion numbered them."""
    columns = ", ".join(f"{c.name} {ingest.SQL_TYPE.get(c.kind, 'VARCHAR')}" for c in SENT)
    con.execute(f"CREATE TEMP TABLE _sent (file_id INTEGER, row_number BIGINT, {columns})")
    files = con.execute(
        "SELECT file_id, file_name, sha256, archived_as FROM raw._files "
        "WHERE file_id IN (SELECT file_id FROM _chosen) ORDER BY file_id"
    ).fetchall()
    gone = [(n, a) for _, n, _, a in files if not (paths.archive_dir / Path(a).name).exists()]
    if gone:
        raise PrimedError(
            f"{len(gone)} loaded file(s) whose rows the submission holds are no longer in the "
            f"archive, e.g. {gone[0][0]} ({paths.archive_dir / Path(gone[0][1]).name}): "
            "purged after PRIMED_RETAIN_MONTHS (`primed purge`), or lost. The CLD file carries "
            "person fields primed keeps only in the archived files, so a period whose rows come "
            "from purged files cannot be exported"
        )
    tmp = private_dir(paths.tmp_dir)
    for file_id, name, sha, archived_as in files:
        path = paths.archive_dir / Path(archived_as).name
        if ingest.sha256_of(path) != sha:
            raise PrimedError(f"{path} is not the file loaded as {name}: its SHA-256 differs")
        source, _facts, _warnings = ingest.readable_source(path, tmp, name)
        try:
            cells, delim = ingest.read_header(source, "utf-8", CLD_COLUMNS)
            mapped, _unknown = ingest.map_headers(name, cells, "cld")
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _file AS SELECT *, row_number() OVER () AS _seq "
                f"FROM {ingest.csv_sql(source, len(cells), delim)}"
            )
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _bad AS "
                "SELECT DISTINCT line - 1 AS row_number FROM _rejects"
            )
            where = {c.name: f"c{pos}" for pos, c in mapped.items()}
            values = ", ".join(
                ingest.typed_expr(c, where[c.name]) if c.name in where else "NULL" for c in SENT
            )
            con.execute(
                f"""INSERT INTO _sent
                    SELECT $file_id, _row, {values}
                    FROM (SELECT _file.*, _seq + coalesce(steps.skipped, 0) AS _row
                          FROM _file ASOF LEFT JOIN ({ingest.row_steps_sql("_bad")}) AS steps
                            ON _file._seq > steps.good_before)
                    WHERE _row IN (SELECT row_number FROM _chosen WHERE file_id = $file_id)""",
                {"file_id": file_id},
            )
        finally:
            if source != path:
                source.unlink(missing_ok=True)
    lost = con.execute(
        "SELECT count(*) FROM _chosen ANTI JOIN _sent USING (file_id, row_number)"
    ).fetchall()[0][0]
    if lost:
        raise PrimedError(f"{lost} row(s) of the submission were not found in their archived file")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def export_cld(
    warehouse_dir: str | Path,
    period_end: date,
    out_file: str | Path,
    la_code: str | None = None,
) -> dict:
    """Write the CLD submission for the 12 months ending ``period_end``; return its counts."""
    paths = WarehousePaths.at(warehouse_dir)
    if not paths.work_db.exists():
        raise PrimedError(f"no warehouse at {paths.root}: run `primed run` first")
    start = period_start_for(period_end)
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        _require_built(con)
        la_code = _council(con, la_code, period_end)
        period = {"la": la_code, "start": start, "end": period_end}
        con.execute(f"CREATE TEMP TABLE _chosen AS {CHOSEN_SQL}", period)
        read_sent(con, paths)
        cursor = con.execute(
            _select_sql(_coded_columns(con)), {k: period[k] for k in ("start", "end")}
        )
        rows, people, by_type = _write_rows(cursor, Path(out_file))
    finally:
        con.close()
    return {
        "la_code": la_code,
        "period_start": start.isoformat(),
        "period_end": period_end.isoformat(),
        "rows": rows,
        "people": people,
        "requests": by_type["Request"],
        "assessments": by_type["Assessment"],
        "services": by_type["Service"],
        "reviews": by_type["Review"],
        "carers_known_by_association": by_type[None],
    }


def _require_built(con: duckdb.DuckDBPyConnection) -> None:
    tables = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
        ).fetchall()
    }
    needed = {
        "raw.cld_events",
        "staging.stg_cld__events",
        "intermediate.int_events_deduplicated",
        "intermediate.int_cld_files",
    }
    if not needed <= tables:
        raise PrimedError("the warehouse has not been built yet: run `primed run` first")


def _council(con: duckdb.DuckDBPyConnection, la_code: str | None, period_end: date) -> str:
    """The council to export (the only one, when not named), whose data reaches `period_end`."""
    las = dict(
        con.execute(
            "SELECT la_code, max(reporting_period_end_date) FROM raw.cld_events "
            "GROUP BY la_code ORDER BY la_code"
        ).fetchall()
    )
    if la_code is None:
        if len(las) != 1:
            raise PrimedError(
                f"the warehouse holds {len(las)} councils ({', '.join(las) or 'none'}): "
                "name the one to export"
            )
        la_code = next(iter(las))
    if la_code not in las:
        raise PrimedError(f"the warehouse holds no CLD data for {la_code}")
    if period_end > las[la_code]:
        raise PrimedError(
            f"the period cannot end on {period_end.isoformat()}: the data for {la_code} "
            f"runs to {las[la_code].isoformat()}"
        )
    return la_code


def _coded_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    stg_columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE schema_name = 'staging' AND table_name = 'stg_cld__events'"
        ).fetchall()
    }
    return {c.name for c in EXPORT_COLUMNS if c.kind == "code"} & stg_columns


def _write_rows(cursor: duckdb.DuckDBPyConnection, out: Path) -> tuple[int, int, dict]:
    """The submission's rows written to `out` (whole or not at all, readable by the owner
    alone: it holds personal data); returns (rows, people, rows per event type)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    type_at = [c.name for c in EXPORT_COLUMNS].index("event_type")
    by_type = dict.fromkeys((*EVENT_ORDER, None), 0)
    people: set[str] = set()
    rows = 0
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data
    with open(fd, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([c.header for c in EXPORT_COLUMNS])
        while batch := cursor.fetchmany(10_000):
            for record in batch:
                writer.writerow([_text(v) for v in record[:-1]])
                by_type[record[type_at]] += 1
                people.add(record[-1])
            rows += len(batch)
    tmp.replace(out)
    return rows, len(people), by_type
