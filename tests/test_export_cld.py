"""The CLD submission export (issue 6): a small generated borough, ingested and built once."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline import contract
from pipeline.dbt_project import PROJECT_DIR
from pipeline.errors import PrimedError
from pipeline.export_cld import EXPORT_COLUMNS, export_cld
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.paths import WarehousePaths

PERIOD_END = date(2025, 3, 31)
LOCAL_HEADERS = {"Event Status", "Team Code", "Worker ID", "Allocated Date", "Due Date"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, dbt_manifest) -> WarehousePaths:
    """Generate (scale 0.02), ingest, and build the models the export reads, in process."""
    from dbt.cli.main import dbtRunner

    base = tmp_path_factory.mktemp("export")
    generate(base / "landing", seed=5, scale=0.02)
    paths = WarehousePaths.at(base / "warehouse")
    report = ingest(base / "landing", paths.root)
    assert not report.refused
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIMED_WORK_DB", str(paths.work_db))
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(base / "target"),
                "--log-path",
                str(base / "logs"),
                "--select",
                "+int_events_deduplicated",
                "--quiet",
            ]
        )
    assert result.success, result.exception
    _release_dbt_duckdb()
    return paths


def _release_dbt_duckdb() -> None:
    """dbt-duckdb keeps its database open in this process after an in-process run; close it,
    so that the export can open the work database read-only as it would in production."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


@pytest.fixture(scope="module")
def exported(warehouse, tmp_path_factory) -> tuple[dict, Path, list[dict]]:
    out = tmp_path_factory.mktemp("submission") / "cld_submission_2025-03-31.csv"
    counts = export_cld(warehouse.root, PERIOD_END, out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return counts, out, rows


def test_headers_are_the_specification_without_local_columns(exported):
    _, out, _ = exported
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    spec = [c.header for c in contract.CLD_COLUMNS if c.header not in LOCAL_HEADERS]
    assert header == spec == [c.header for c in EXPORT_COLUMNS]
    assert not LOCAL_HEADERS & set(header)


def test_counts_match_the_file_and_the_inclusion_rules(exported, warehouse):
    counts, _, rows = exported
    assert counts["rows"] == len(rows) > 500
    assert counts["period_start"] == "2024-04-01" and counts["period_end"] == "2025-03-31"
    for kind, key in [("Request", "requests"), ("Assessment", "assessments")]:
        assert counts[key] == sum(r["Event Type"] == kind for r in rows) > 0
    assert counts["services"] == sum(r["Event Type"] == "Service" for r in rows) > 0
    assert counts["reviews"] == sum(r["Event Type"] == "Review" for r in rows) > 0
    assert {r["Reporting Period Start Date"] for r in rows} == {"2024-04-01"}
    assert {r["Reporting Period End Date"] for r in rows} == {"2025-03-31"}
    for r in rows:
        if r["Event Type"] == "Service":  # active at some point in the period
            assert r["Event Start Date"] <= "2025-03-31"
            assert r["Event End Date"] == "" or r["Event End Date"] >= "2024-04-01"
        else:  # completed in the period
            assert "2024-04-01" <= r["Event End Date"] <= "2025-03-31"
    # Independently: completed (not cancelled, not open) events of the management dedup.
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        expected = con.execute(
            """SELECT count(*) FROM intermediate.int_events_deduplicated
               WHERE event_type <> 'Service' AND event_status = 'Completed'
                 AND event_end_date BETWEEN DATE '2024-04-01' AND DATE '2025-03-31'
                 AND (date_of_death IS NULL OR date_of_death >= event_start_date)"""
        ).fetchall()[0][0]
        cancelled_refs = {
            r[0]
            for r in con.execute(
                "SELECT event_reference FROM intermediate.int_events_deduplicated "
                "WHERE event_status = 'Cancelled' AND event_reference IS NOT NULL"
            ).fetchall()
        }
    finally:
        con.close()
    assert counts["requests"] + counts["assessments"] + counts["reviews"] == expected
    assert cancelled_refs, "the demo should hold cancelled events"
    assert not cancelled_refs & {r["Event Reference"] for r in rows}


def test_coded_values_are_release_2(exported):
    _, _, rows = exported
    with (PROJECT_DIR / "seeds" / "code_mappings.csv").open(encoding="utf-8") as f:
        r2 = {(m["field"], m["r2_value"]) for m in csv.DictReader(f) if m["release"] == "R2"}
    coded = [c for c in EXPORT_COLUMNS if c.kind == "code"]
    checked = 0
    for r in rows:
        for c in coded:
            value = r[c.header]
            if value:
                assert (c.name, value) in r2, (c.header, value)
                checked += 1
    assert checked > len(rows)


def test_the_file_passes_the_ingestion_contract(exported, tmp_path):
    counts, out, _ = exported
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / out.name).write_bytes(out.read_bytes())
    report = ingest(landing, tmp_path / "fresh")
    summary = report.summary()
    assert summary["files_refused"] == 0
    assert summary["rows_quarantined"] == 0
    assert summary["rows_loaded"] == counts["rows"]


def test_an_earlier_period_shows_what_was_known_at_its_end(warehouse, tmp_path):
    out = tmp_path / "cld_2024-03-31.csv"
    counts = export_cld(warehouse.root, date(2024, 3, 31), out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert counts["rows"] == len(rows) > 0
    assert all(r["Event End Date"] <= "2024-03-31" for r in rows)
    assert all(r["Date of Death"] <= "2024-03-31" for r in rows)


def test_a_period_beyond_the_data_is_refused(warehouse, tmp_path):
    with pytest.raises(PrimedError, match="runs to 2025-03-31"):
        export_cld(warehouse.root, date(2025, 6, 30), tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
