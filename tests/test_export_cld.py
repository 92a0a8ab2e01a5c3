"""The CLD submission export (issues 6 and 12): a small generated borough, with a few rows a
real extract holds (spaced NHS numbers, lower-case postcodes, invalid codes, hours as numbers,
carers known by association), ingested and built once."""

from __future__ import annotations

import csv
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.core import contract
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.demo import generate
from pipeline.export.cld import EXPORT_COLUMNS, export_cld
from pipeline.ingest import ingest
from pipeline.quality import validate_file
from pipeline.transform.dbt_project import PROJECT_DIR
from tests.conftest import dbt_build

pytestmark = pytest.mark.slow  # generates, ingests and builds a borough with dbt

PERIOD_END = date(2025, 3, 31)
LOCAL_HEADERS = {"Event Status", "Team Code", "Worker ID", "Allocated Date", "Due Date"}
# The Release 2 field list, in order and spelt as the specification's headers (DHSC's
# GetDQValues fields; headers as saj42saj-beep/ASC-CLD-ASCOF's CLD_R1_Raw view reads them).
RELEASE_2_HEADERS = [
    "LA Code", "Reporting Period Start Date", "Reporting Period End Date", "NHS Number",
    "LA Person Unique Identifier", "GP Practice Code", "Gender", "Ethnicity", "Date of Birth",
    "Date of Death", "Client Type", "Primary Support Reason", "Postcode", "Accommodation Status",
    "Employment Status", "Has Unpaid Carer", "Autism Spectrum Disorder (ASD)",
    "Visual Impairment", "Hearing Impairment", "Dementia", "Client Funding Status", "Event Type",
    "Event Reference", "Event Start Date", "Event End Date", "Event Description",
    "Event Outcome", "Request: Route of Access", "Assessment Type", "Eligible Needs Identified",
    "Method of Assessment", "Total Hrs Caring per week", "No. of adults being cared for",
    "Adult 1 Linked Person_ID", "Adult 2 Linked Person_ID", "Adult 3 Linked Person_ID",
    "Service Type", "Service Component", "Delivery Mechanism", "Provider CQC Location ID",
    "Review Reason", "Review Outcomes Achieved", "Method of Review", "Unit Cost",
    "Cost Frequency (Unit Type)", "Planned units per week",
]  # fmt: skip
# Rows added to the generated extract (keyed by canonical column): what the export must mend.
SPACED_NHS = "943 476 5919"  # valid check digit, written with spaces
MESSY_ROWS = [
    # A request: spaced NHS number, lower-case postcode without a space, an invalid gender.
    {"la_person_unique_identifier": "X-1", "nhs_number": SPACED_NHS, "postcode": "w52dz",
     "gender": "TBC", "date_of_birth": "1950-02-03", "client_type": "Service user",
     "event_type": "Request", "event_reference": "X-R1", "event_start_date": "2025-01-10",
     "event_end_date": "2025-01-12", "event_outcome": "NFA: Information and advice or signposting",
     "request_route_of_access": "Community / Other route", "event_status": "Completed"},
    # A carer's assessment: an NHS number with a wrong check digit, no postcode that could be
    # one, hours as a number (Release 1), naming the cared-for person.
    {"la_person_unique_identifier": "X-2", "nhs_number": "9434765910", "postcode": "NOT KNOWN",
     "gender": "Female", "date_of_birth": "1960-05-01", "client_type": "Unpaid carer",
     "event_type": "Assessment", "event_reference": "X-A1", "event_start_date": "2025-02-01",
     "event_end_date": "2025-02-10", "event_outcome": "NFA: Information and advice or signposting",
     "assessment_type": "Long term assessment", "method_of_assessment": "Carer only",
     "total_hrs_caring_per_week": "35", "adult_1_linked_person_id": "X-1",
     "event_status": "Completed"},
    # A carer known by association, listed twice: person and carer fields, no event.
    *[{"la_person_unique_identifier": "X-3", "postcode": "W5 2DZ", "gender": "Male",
       "date_of_birth": "1955-07-01", "client_type": "Unpaid carer known by association",
       "total_hrs_caring_per_week": "50 or more hours", "no_of_adults_being_cared_for": "1",
       "adult_1_linked_person_id": "X-1"}] * 2,
]  # fmt: skip


def _add_messy_rows(landing: Path) -> None:
    """Append MESSY_ROWS to the latest generated CLD file, in its own header order."""
    latest = max(landing.glob("cld_*.csv"))
    with latest.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        first = next(reader)
    by_header = {c.header: c.name for c in contract.CLD_COLUMNS}
    names = [by_header[h] for h in header]
    period = {n: first[names.index(n)] for n in ("la_code", "reporting_period_start_date",
                                                 "reporting_period_end_date")}  # fmt: skip
    with latest.open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for row in MESSY_ROWS:
            writer.writerow([{**period, **row}.get(n, "") for n in names])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, dbt_manifest) -> WarehousePaths:
    """Generate (scale 0.02), ingest, and build the models the export reads, in process."""
    base = tmp_path_factory.mktemp("export")
    generate(base / "landing", seed=5, scale=0.02)
    _add_messy_rows(base / "landing")
    paths = WarehousePaths.at(base / "warehouse")
    report = ingest(base / "landing", paths.root)
    assert not report.refused
    dbt_build(paths, "+int_events_deduplicated", base)
    return paths


@pytest.fixture(scope="module")
def exported(warehouse, tmp_path_factory) -> tuple[dict, Path, list[dict]]:
    out = tmp_path_factory.mktemp("submission") / "cld_submission_2025-03-31.csv"
    counts = export_cld(warehouse.root, PERIOD_END, out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return counts, out, rows


def test_headers_are_exactly_the_release_2_fields(exported):
    _, out, _ = exported
    with out.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == RELEASE_2_HEADERS == [c.header for c in EXPORT_COLUMNS]
    assert not LOCAL_HEADERS & set(header)
    # Release 2 dropped the names (personal data it no longer asks for) and two free-text names.
    for dropped in ("First Name", "Last Name", "GP Practice Name", "Provider CQC Location Name"):
        assert dropped not in header


def test_the_export_holds_no_personal_value_the_specification_does_not_ask_for(exported, warehouse):
    _, out, _ = exported
    text = out.read_text(encoding="utf-8")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds personal data
    # The names are in the landing files; raw never kept them, and the export has none.
    con = duckdb.connect()
    try:
        names = {
            v
            for (v,) in con.execute(
                'SELECT DISTINCT unnest(["First Name", "Last Name"]) FROM read_csv(?, '
                "all_varchar = true, union_by_name = true)",
                [str(warehouse.root.parent / "landing" / "cld_*.csv")],
            ).fetchall()
            if v
        }
    finally:
        con.close()
    assert names
    cells = {cell for line in csv.reader(text.splitlines()) for cell in line}
    assert not names & cells


def test_nhs_numbers_and_postcodes_are_normalised(exported):
    _, _, rows = exported
    by_ref = {r["Event Reference"]: r for r in rows if r["Event Reference"]}
    assert by_ref["X-R1"]["NHS Number"] == SPACED_NHS.replace(" ", "")
    assert by_ref["X-R1"]["Postcode"] == "W5 2DZ"
    # A wrong check digit is no NHS number: the person is known by the LA identifier.
    assert by_ref["X-A1"]["NHS Number"] == ""
    assert by_ref["X-A1"]["LA Person Unique Identifier"] == "X-2"
    assert by_ref["X-A1"]["Postcode"] == ""
    weights = range(10, 1, -1)
    for r in rows:
        nhs = r["NHS Number"]
        if nhs:
            assert len(nhs) == 10 and nhs.isdigit(), nhs
            check = (11 - sum(int(d) * w for d, w in zip(nhs, weights, strict=False)) % 11) % 11
            assert check == int(nhs[9]), nhs
        if r["Postcode"]:
            outward, inward = r["Postcode"].split(" ")
            assert r["Postcode"] == r["Postcode"].upper() and len(inward) == 3


def test_invalid_values_and_release_2_lists_are_written_as_the_specification_says(exported):
    _, _, rows = exported
    by_ref = {r["Event Reference"]: r for r in rows if r["Event Reference"]}
    assert by_ref["X-R1"]["Gender"] == "Unknown"  # 'TBC' is invalid: the list's not-known value
    assert by_ref["X-A1"]["Total Hrs Caring per week"] == "20 to 49 hours"  # 35 hours, banded
    bands = {"19 hours or less", "20 to 49 hours", "50 or more hours"}  # Release 2's list
    hours = {r["Total Hrs Caring per week"] for r in rows} - {""}
    assert hours and hours <= bands


def test_carers_known_by_association_are_written_once(exported):
    counts, _, rows = exported
    carers = [r for r in rows if r["Client Type"] == "Unpaid carer known by association"]
    assert len(carers) == counts["carers_known_by_association"] == 1
    (carer,) = carers
    assert carer["LA Person Unique Identifier"] == "X-3"
    assert carer["Adult 1 Linked Person_ID"] == "X-1"
    assert carer["Total Hrs Caring per week"] == "50 or more hours"
    event_headers = ("Event Type", "Event Start Date", "Event End Date", "Event Outcome")
    assert all(carer[h] == "" for h in event_headers)


def test_validate_finds_no_invalid_value_in_any_field(exported, tmp_path):
    _, out, _ = exported
    report = validate_file(out, tmp_path / "dq")
    assert report.status == "checked" and report.rows > 500
    submitted = {c.name for c in EXPORT_COLUMNS}
    checked = [f for f in report.fields if f.field in submitted]
    assert len(checked) == len(EXPORT_COLUMNS)
    for f in checked:
        assert (f.field, f.invalid, f.release_1) == (f.field, 0, 0)
    assert not [v for v in report.values if v.field in submitted]


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
        if not r["Event Type"]:  # a carer known by association: no event
            assert r["Client Type"] == "Unpaid carer known by association"
        elif r["Event Type"] == "Service":  # active at some point in the period
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
