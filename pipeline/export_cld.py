"""The CLD submission file: the national format, for a rolling 12 months, from the warehouse.

`export_cld` writes the events a council submits to the national Client Level Data collection
for the 12 months ending ``period_end`` (cld.md §1.1 inclusion rules):

* requests, assessments and reviews completed in the period (Event Status ``Completed``, end
  date inside it);
* services active at any point in it (started by its end, not ended before its start);
* never a cancelled event.

Each event is the deduplicated row (``intermediate.int_events_deduplicated``: one row per event,
latest state) joined back to the row that was loaded (``raw.cld_events``) through its lineage
(file id + row number), because the submission carries the person fields the national format
requires and the published warehouse holds none. The work database is opened read-only.

Coded fields carry their Release 2 value (R1 spellings and case variants are converted; values
the mapping marks ``Invalid and not mapped`` are left blank). Headers are the specification
headers of ``pipeline.contract.CLD_COLUMNS`` without the local columns. When ``period_end`` is
before the data date, anything that happened after it (a service's end, a death) is left out, so
the file shows what was known at the period end.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from pipeline.contract import CLD_COLUMNS
from pipeline.errors import PrimedError
from pipeline.paths import WarehousePaths

LOCAL_COLUMNS = ("event_status", "team_code", "worker_id", "allocated_date", "due_date")
EXPORT_COLUMNS = tuple(c for c in CLD_COLUMNS if c.name not in LOCAL_COLUMNS)
INVALID = "Invalid and not mapped"
EVENT_ORDER = ("Request", "Assessment", "Service", "Review")


def period_start_for(period_end: date) -> date:
    """First day of the rolling 12 months ending ``period_end`` (both days included)."""
    after = period_end + timedelta(days=1)
    try:
        return after.replace(year=after.year - 1)
    except ValueError:  # 29 February: the year before has none
        return date(after.year - 1, 3, 1)


def _select_sql(coded: set[str]) -> str:
    fields = []
    for col in EXPORT_COLUMNS:
        if col.name == "reporting_period_start_date":
            fields.append("$start AS reporting_period_start_date")
        elif col.name == "reporting_period_end_date":
            fields.append("$end AS reporting_period_end_date")
        elif col.name == "event_end_date":
            # A service that ended after the period end was still open at it.
            fields.append(
                "CASE WHEN raw.event_end_date <= $end THEN raw.event_end_date END AS event_end_date"
            )
        elif col.name == "event_outcome":
            fields.append(
                "CASE WHEN raw.event_end_date <= $end "
                f"THEN nullif(stg.event_outcome, '{INVALID}') END AS event_outcome"
            )
        elif col.name == "date_of_death":
            fields.append(
                "CASE WHEN raw.date_of_death <= $end THEN raw.date_of_death END AS date_of_death"
            )
        elif col.name in coded:
            fields.append(f"nullif(stg.{col.name}, '{INVALID}') AS {col.name}")
        else:
            fields.append(f"raw.{col.name}")
    order = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(EVENT_ORDER))
    return f"""
        SELECT {", ".join(fields)}, ev.person_id AS _person_id
        FROM intermediate.int_events_deduplicated AS ev
        JOIN raw.cld_events AS raw
          ON raw._file_id = ev.file_id AND raw._row_number = ev.row_number
        JOIN staging.stg_cld__events AS stg
          ON stg.file_id = ev.file_id AND stg.row_number = ev.row_number
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
        ORDER BY CASE ev.event_type {order} END, raw.event_start_date, raw.event_reference,
                 ev.event_id
    """


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
        }
        if not needed <= tables:
            raise PrimedError("the warehouse has not been built yet: run `primed run` first")
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
        stg_columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() "
                "WHERE schema_name = 'staging' AND table_name = 'stg_cld__events'"
            ).fetchall()
        }
        coded = {c.name for c in EXPORT_COLUMNS if c.kind == "code"} & stg_columns
        cursor = con.execute(
            _select_sql(coded),
            {"la": la_code, "start": start, "end": period_end},
        )
        out = Path(out_file)
        out.parent.mkdir(parents=True, exist_ok=True)
        type_at = [c.name for c in EXPORT_COLUMNS].index("event_type")
        by_type = dict.fromkeys(EVENT_ORDER, 0)
        people: set[str] = set()
        rows = 0
        tmp = out.with_name(out.name + ".part")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([c.header for c in EXPORT_COLUMNS])
            while batch := cursor.fetchmany(10_000):
                for record in batch:
                    writer.writerow([_text(v) for v in record[:-1]])
                    by_type[record[type_at]] += 1
                    people.add(record[-1])
                rows += len(batch)
        tmp.replace(out)
    finally:
        con.close()
    return {
        "la_code": la_code,
        "period_start": start.isoformat(),
        "period_end": period_end.isoformat(),
        "rows": rows,
        "people": len(people),
        "requests": by_type["Request"],
        "assessments": by_type["Assessment"],
        "services": by_type["Service"],
        "reviews": by_type["Review"],
    }
