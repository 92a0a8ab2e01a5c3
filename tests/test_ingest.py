"""Ingestion against the contract: lineage, quarantine with reasons, refusals, idempotence."""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb
import pytest

from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.ingest import MANIFEST, Ingestor, ingest
from tests.conftest import cld_row, payment_row, write_csv


def q(wh: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(WarehousePaths.at(wh).work_db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_loads_rows_with_lineage_and_types(tmp_path):
    landing = tmp_path / "landing"
    write_csv(
        landing / "cld_q1.csv",
        [
            cld_row(),
            cld_row(
                event_reference="R2",
                unit_cost="£1,234.50",
                event_start_date="05/02/2024",
                event_end_date="",
            ),
        ],
    )
    report = ingest(landing, tmp_path / "wh")
    assert report.summary()["rows_loaded"] == 2
    rows = q(
        tmp_path / "wh",
        "SELECT event_reference, event_start_date, unit_cost, _file_name, _row_number, "
        "length(_file_hash), _loaded_at IS NOT NULL FROM raw.cld_events ORDER BY _row_number",
    )
    assert str(rows[0][1]) == "2024-01-10"
    assert str(rows[1][1]) == "2024-02-05"  # DD/MM/YYYY
    assert float(rows[1][2]) == 1234.50  # £ and thousands separator
    assert [r[3:] for r in rows] == [("cld_q1.csv", 1, 64, True), ("cld_q1.csv", 2, 64, True)]
    archived = [p for p in (tmp_path / "wh" / "archive").iterdir() if p.name != MANIFEST]
    assert len(archived) == 1 and archived[0].read_bytes() == (landing / "cld_q1.csv").read_bytes()


def test_same_file_twice_adds_nothing(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / "cld_q1.csv", [cld_row(), cld_row(event_reference="R2")])
    ingest(landing, tmp_path / "wh")
    # The same content under another name is the same file.
    (landing / "copy_of_q1.csv").write_bytes((landing / "cld_q1.csv").read_bytes())
    second = ingest(landing, tmp_path / "wh")
    assert {f.status for f in second.files} == {"skipped"}
    assert q(tmp_path / "wh", "SELECT count(*) FROM raw.cld_events")[0][0] == 2


def test_every_row_is_loaded_or_quarantined_with_reason(tmp_path):
    landing = tmp_path / "landing"
    path = write_csv(
        landing / "cld_bad.csv",
        [
            cld_row(),  # row 1: good
            cld_row(event_start_date="2024-02-30"),  # row 2: impossible date
            cld_row(event_end_date="2023-12-01"),  # row 3: ends before it starts
            cld_row(unit_cost="lots"),  # row 4: text cost
            cld_row(event_type=""),  # row 5: missing mandatory field
            cld_row(nhs_number="", la_person_unique_identifier=""),  # row 6: no identity
            cld_row(date_of_birth="1950-13-45"),  # row 7: bad date in a personal field
            cld_row(unit_cost="-10"),  # row 8: negative cost
            cld_row(),  # row 9: good
        ],
    )
    with path.open("a") as f:  # row 10: too many fields; row 11: too few
        f.write(",".join(["x"] * 40) + "\n")
        f.write("E09000009,2024-01-01\n")
    report = ingest(landing, tmp_path / "wh")
    (result,) = report.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (11, 2, 9)
    loaded = q(tmp_path / "wh", "SELECT _row_number FROM raw.cld_events ORDER BY 1")
    assert [r[0] for r in loaded] == [1, 9]
    reasons = dict(
        q(
            tmp_path / "wh",
            "SELECT row_number, array_to_string(reasons, ' | ') FROM raw._quarantine",
        )
    )
    assert reasons[2] == "Event Start Date: not a date (2024-02-30)"
    assert reasons[3] == "Event End Date: before Event Start Date"
    assert reasons[4] == "Unit Cost: not a number (lots)"
    assert reasons[5] == "Event Type: missing (mandatory)"
    assert "both missing" in reasons[6]
    assert reasons[7] == "Date of Birth: not a date"  # personal data never echoed
    assert reasons[8] == "Unit Cost: negative"
    assert "TOO MANY COLUMNS" in reasons[10]
    assert "MISSING COLUMNS" in reasons[11]


def test_row_numbers_survive_rejected_lines_in_a_large_file(tmp_path):
    """Row numbers of good rows stay exact after malformed rows (DuckDB reads in parallel)."""
    landing = tmp_path / "landing"
    n = 120_000
    rows = [cld_row(event_reference=f"E{i}") for i in range(1, n + 1)]
    path = write_csv(landing / "cld_big.csv", rows)
    lines = path.read_text().splitlines()
    bad = {500, 50_000, 50_001, 119_999}
    for r in bad:
        lines[r] = lines[r] + ",extra"
    path.write_text("\n".join(lines) + "\n")
    ingest(landing, tmp_path / "wh")
    mismatched = q(
        tmp_path / "wh",
        "SELECT count(*) FROM raw.cld_events WHERE 'E' || _row_number <> event_reference",
    )[0][0]
    assert mismatched == 0
    assert q(tmp_path / "wh", "SELECT count(*) FROM raw.cld_events")[0][0] == n - len(bad)
    assert sorted(r[0] for r in q(tmp_path / "wh", "SELECT row_number FROM raw._quarantine")) == (
        sorted(bad)
    )


def test_header_synonyms_case_spacing_and_unknown_columns(tmp_path):
    landing = tmp_path / "landing"
    row = cld_row()
    headers = {
        "la_code": "  la   CODE ",
        "reporting_period_start_date": "Reporting_Period_Start_Date",
        "reporting_period_end_date": "REPORTING PERIOD END DATE",
        "nhs_number": "NHS_Number",
        "la_person_unique_identifier": "LA_Person_Unique_Identifier",
        "event_type": "event_type",
        "event_start_date": "Event_Start_Date",
        "event_end_date": "Event End Date",
        "request_route_of_access": "Request_Route_of_Access",
    }
    row["request_route_of_access"] = "Community / other route"
    path = landing / "cld_odd_headers.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        ",".join([*headers.values(), "Local Flag"])
        + "\n"
        + ",".join([*(row[k] for k in headers), "yes"])
        + "\n"
    )
    (result,) = ingest(landing, tmp_path / "wh").files
    assert result.status == "loaded", result.reason
    assert any("Local Flag" in w for w in result.warnings)
    extra, route = q(tmp_path / "wh", "SELECT _extra, request_route_of_access FROM raw.cld_events")[
        0
    ]
    assert '"Local Flag"' in extra and route == "Community / other route"


def test_windows_1252_and_semicolons_are_read(tmp_path):
    landing = tmp_path / "landing"
    write_csv(
        landing / "cld_cp1252.csv",
        [cld_row(event_description="Review – “annual” £"), cld_row(event_reference="R2")],
        encoding="cp1252",
        delimiter=";",
    )
    (result,) = ingest(landing, tmp_path / "wh").files
    assert result.status == "loaded"
    text = q(
        tmp_path / "wh", "SELECT event_description FROM raw.cld_events WHERE event_reference='R1'"
    )
    assert text[0][0] == "Review – “annual” £"
    assert q(tmp_path / "wh", "SELECT encoding, delimiter FROM raw._files")[0] == ("cp1252", ";")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (codecs.BOM_UTF16_LE + "LA Code,Event Type\n".encode("utf-16-le"), "UTF-16"),
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"Name,Address\nA,B\n", "no header names from the contract"),
        (
            b"LA Code,Event Type,Event Start Date\nE09000009,Request,2024-01-01\n",
            "missing required",
        ),
    ],
)
def test_unreadable_files_are_refused_whole(tmp_path, content, message):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "cld_x.csv").write_bytes(content)
    write_csv(landing / "cld_good.csv", [cld_row()])
    report = ingest(landing, tmp_path / "wh")
    refused = {f.file_name: f.reason for f in report.refused}
    assert message in refused["cld_x.csv"]
    assert report.summary()["files_loaded"] == 1
    assert q(tmp_path / "wh", "SELECT DISTINCT _file_name FROM raw.cld_events") == [
        ("cld_good.csv",)
    ]
    assert q(tmp_path / "wh", "SELECT count(*) FROM raw._quarantine")[0][0] == 0


def test_reference_and_payment_files_are_classified(tmp_path):
    landing = tmp_path / "landing"
    write_csv(
        landing / "reference" / "teams.csv",
        [
            {
                "Team Code": "ARC",
                "Team Name": "Advice",
                "Team Type": "Front door",
                "Service Area": "A",
            }
        ],
    )
    write_csv(
        landing / "payments_2024Q1.csv",
        [
            payment_row(
                **{
                    "Event Reference": "S1",
                    "Period Start Date": "2024-04-01",
                    "Period End Date": "2024-04-28",
                    "Amount": "-12.50",
                    "Payment Date": "2024-05-01",
                }
            )
        ],
    )
    write_csv(landing / "notes" / "ignored.csv", [{"a": 1}])
    report = ingest(landing, tmp_path / "wh")
    assert sorted((f.file_name, f.kind, f.status) for f in report.files) == [
        ("notes/ignored.csv", "other", "ignored"),
        ("payments_2024Q1.csv", "payments", "loaded"),
        ("teams.csv", "ref_teams", "loaded"),
    ]
    (ignored,) = [f for f in report.files if f.status == "ignored"]
    assert ignored.reason.startswith("in the subfolder notes/: only files in the landing folder")
    amount, person = q(tmp_path / "wh", "SELECT amount, _la_person_pseudonym FROM raw.payments")[0]
    assert float(amount) == -12.5 and len(person) == 64


def test_pseudonym_key_cannot_change_under_a_loaded_warehouse(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / "cld_q1.csv", [cld_row()])
    paths = WarehousePaths.at(tmp_path / "wh")
    Ingestor(paths, Settings.from_env(pseudonym_key="first-key-0123456789")).run(landing)
    with pytest.raises(PrimedError, match="pseudonym key differs"):
        Ingestor(paths, Settings.from_env(pseudonym_key="other-key-0123456789")).run(landing)


def test_a_waiting_file_has_one_row_that_its_load_replaces(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / "cld_q1.csv", [cld_row()])
    (landing / "README.txt").write_text("see the email")
    for _ in range(2):  # seen twice while it is still being written: one row
        report = ingest(landing, tmp_path / "wh", settle_seconds=3600)
        assert [(f.file_name, f.status) for f in report.files] == [
            ("cld_q1.csv", "waiting"),
            ("README.txt", "ignored"),
        ]
    rows = "SELECT file_name, status FROM raw._files ORDER BY file_name"
    assert q(tmp_path / "wh", rows) == [("README.txt", "ignored"), ("cld_q1.csv", "waiting")]
    ingest(landing, tmp_path / "wh")
    assert q(tmp_path / "wh", rows) == [("README.txt", "ignored"), ("cld_q1.csv", "loaded")]


def test_each_loaded_file_is_written_as_parquet_once(tmp_path, monkeypatch):
    """With a raw Parquet root (PRIMED_RAW_PARQUET, or dbt on Spark), ingestion writes each
    loaded file's rows in its own folder, once; a file that leaves raw leaves the Parquet."""
    root = tmp_path / "raw_parquet"
    monkeypatch.setenv("PRIMED_RAW_PARQUET", str(root))
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    write_csv(landing / "cld_q1.csv", [cld_row(), cld_row(event_reference="R2")])
    ingest(landing, wh)
    first = root / "cld_events" / "_file_id=1" / "part-0.parquet"
    assert first.exists() and (root / "files" / "part-0.parquet").exists()
    written_at = first.stat().st_mtime_ns

    write_csv(landing / "cld_q2.csv", [cld_row(event_reference="R3")])
    ingest(landing, wh)
    assert first.stat().st_mtime_ns == written_at  # not written again
    parts = sorted(p.name for p in (root / "cld_events").iterdir())
    assert parts == ["_file_id=1", "_file_id=2"]
    con = duckdb.connect(str(WarehousePaths.at(wh).work_db))
    try:
        # The Parquet holds raw's rows, the file id as the folder says.
        raw = "SELECT * EXCLUDE (_file_id), _file_id FROM raw.cld_events"
        parquet = f"SELECT * FROM read_parquet('{root}/cld_events/*/*.parquet')"
        differ = con.execute(
            f"SELECT count(*) FROM (({raw} EXCEPT ALL {parquet}) "
            f"UNION ALL ({parquet} EXCEPT ALL {raw}))"
        ).fetchone()[0]
        assert differ == 0
        con.execute("DELETE FROM raw.cld_events WHERE _file_id = 1")  # as a purge does
    finally:
        con.close()
    ingest(landing, wh)
    assert sorted(p.name for p in (root / "cld_events").iterdir()) == ["_file_id=2"]


def test_the_byte_scan_counts_nuls_and_finds_mixed_line_endings_across_chunks(monkeypatch):
    """The scan looks for NULs and CRs before counting them, chunk by chunk: whatever the
    chunk size, it finds what counting the whole file finds (a CRLF split between two chunks
    included)."""
    import io
    import random

    from pipeline.ingest import encoding

    rng = random.Random(7)
    for _ in range(3000):
        data = bytes(rng.choice(b"a\r\n\x00") for _ in range(rng.randint(0, 30)))
        expected = (
            data.count(b"\x00"),
            data.count(b"\r\n") > 0 and data.count(b"\n") > data.count(b"\r\n"),
        )
        for size in (1, 2, 3, 64):
            monkeypatch.setattr(encoding, "CHUNK", size)
            facts = encoding._scan(io.BytesIO(data), "utf-8")
            assert (facts.nul_bytes, facts.mixed_line_endings) == expected, (data, size)
