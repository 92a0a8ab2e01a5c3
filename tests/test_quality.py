"""Data quality (issue 4, items 1, 2, 6): GX suites as checks, the per-file DQ report, the
mart checks with reconciliation, and no personal data in any output."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline import quality
from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.ingest import ingest
from pipeline.quality import dq_page, raw_checks, rules_sql
from pipeline.quality.reconciliation import reconciliation
from pipeline.quality.results import run_dir
from tests.conftest import cld_row, write_csv
from tests.personal_data import assert_no_personal_data, file_texts, personal_values


@pytest.fixture(scope="module")
def demo(demo_build) -> dict:
    """The shared demo's generated extracts and its raw layer (read only)."""
    landing, paths = demo_build
    return {"landing": landing, "work_db": paths.work_db}


def _assert_no_personal_data(folder: Path, personal: set[str]) -> int:
    return assert_no_personal_data(file_texts(folder), personal)


# --------------------------------------------------------------------------- handmade file


def _faulty_file(folder: Path) -> Path:
    service = {
        "event_type": "Service",
        "event_outcome": "Continuation of support or services",
        "service_type": "Long term support: Community",
        "service_component": "Home support or domiciliary care",
        "delivery_mechanism": "Direct payment",
        "unit_cost": "100.00",
        "cost_frequency": "Weekly",
        "event_end_date": "",
        "event_status": "Open",
    }
    base = {"gender": "Female", "ethnicity": "White: Irish", "postcode": "W5 6WW",
            "accommodation_status": "Owner occupier or shared ownership scheme",
            "has_unpaid_carer": "No", "primary_support_reason": "Unknown",
            "request_route_of_access": "Community / Other route",
            "first_name": "Zebediah", "last_name": "Quaxworth"}  # fmt: skip
    rows = [
        cld_row(**base),  # 1 valid request
        cld_row(**{**base, "gender": "male"}),  # 2 case variant: invalid
        cld_row(**{**base, "client_type": "Carer"}),  # 3 Release 1 client type
        cld_row(**{**base, **service, "service_type": ""}),  # 4 service without a type
        cld_row(**{**base, "event_start_date": "2024-02-30"}),  # 5 impossible date
        cld_row(**{**base, "event_end_date": "2024-01-01"}),  # 6 ends before it starts
        cld_row(**{**base, **service, "unit_cost": "-5"}),  # 7 negative cost
        cld_row(**{**base, "gender": "Robot"}),  # 8 unmapped value
        cld_row(**{**base, **service, "unit_cost": ""}),  # 9 cost missing, mandatory
        cld_row(**{**base, "event_end_date": "", "event_status": "Completed"}),  # 10
    ]
    headers = list(dict.fromkeys(k for r in rows for k in r))
    return write_csv(folder / "cld_E09000009_2024-03-31.csv", rows, headers)


def test_the_councils_own_code_mappings_win_in_the_checks_and_the_dq_report(tmp_path):
    """Local mappings (reference/code_mappings.csv, as read from the warehouse) merged over the
    shipped ones: a new value maps, a local row replaces a shipped one, the DQ report says
    which row decided and the index lists them; the suite's digest changes with them, so no
    cached result made without them is reused."""
    path = _faulty_file(tmp_path / "in")
    shipped_digest = quality.suite_for_kind("cld").digest
    where = "reference/code_mappings.csv"
    local = [
        quality.LocalMapping("gender", "ROBOT", "Unknown", "local", where, 1),
        quality.LocalMapping("client_type", "carer", "Invalid and not mapped", "invalid", where, 2),
    ]
    quality.use_local_mappings(local)
    try:
        assert quality.suite_for_kind("cld").digest != shipped_digest
        report = quality.validate_file(path, tmp_path / "out")
        index = dq_page.write_index([report], [], tmp_path / "out", quality.local_mappings())
    finally:
        quality.use_local_mappings(())
    assert quality.suite_for_kind("cld").digest == shipped_digest
    values = {(v.field, v.value): v.status for v in report.values}
    assert values[("gender", "Robot")] == f"local value (mapped to Unknown by {where} row 1)"
    assert values[("client_type", "Carer")] == (  # the shipped Release 1 row is replaced
        f"invalid (maps to Invalid and not mapped) (mapped to Invalid and not mapped by {where} "
        "row 2)"
    )
    text = index.read_text()
    assert "own code mappings (2)" in text
    assert "no: a new value" in text and "yes: it mapped to Unpaid carer" in text


def test_validate_maps_codes_through_the_councils_own_file_beside_the_extract(tmp_path):
    path = _faulty_file(tmp_path / "in")
    local = tmp_path / "in" / "reference" / "code_mappings.csv"
    local.parent.mkdir()
    local.write_text("Field,Raw Value,R2 Value\ngender,robot,Unknown\n", encoding="utf-8")
    (report,) = quality.validate_path(path, tmp_path / "out")
    values = {(v.field, v.value): v.status for v in report.values}
    assert values[("gender", "Robot")] == (
        "local value (mapped to Unknown by reference/code_mappings.csv row 1)"
    )
    assert quality.local_mappings() == ()  # only for that check


def test_validate_file_counts_each_fault_exactly(tmp_path):
    path = _faulty_file(tmp_path / "in")
    report = quality.validate_file(path, tmp_path / "out")
    assert report.status == "checked" and report.rows == 10
    f = {s.field: s for s in report.fields}
    assert (f["gender"].valid, f["gender"].invalid) == (8, 2)
    assert f["gender"].examples["invalid"] == [2, 8]
    assert (f["client_type"].release_1, f["client_type"].valid) == (1, 9)
    assert f["client_type"].examples["release_1"] == [3]
    assert f["service_type"].blank_mandatory == 1 and f["service_type"].examples[
        "blank_mandatory"
    ] == [4]
    assert f["service_type"].blank_allowed == 7  # not a Service: blank is allowed
    assert f["event_start_date"].invalid == 1 and f["event_start_date"].examples["invalid"] == [5]
    # Row 6 ends before it starts; row 5's start does not parse, so its order is unknown.
    assert f["event_end_date"].invalid == 1 and f["event_end_date"].examples["invalid"] == [6]
    assert f["event_end_date"].blank_mandatory == 1  # row 10: a completed request, no end
    assert f["unit_cost"].invalid == 1 and f["unit_cost"].examples["invalid"] == [7]
    assert f["unit_cost"].blank_mandatory == 1 and f["unit_cost"].examples["blank_mandatory"] == [9]
    for s in f.values():  # every row is counted once per field
        assert s.valid + s.blank_allowed + s.blank_mandatory + s.invalid + s.release_1 == 10
    values = {(v.field, v.value): v for v in report.values}
    assert values[("gender", "Robot")].status == "unmapped"
    assert values[("gender", "male")].status.startswith("invalid (case")
    assert values[("client_type", "Carer")].status == "release_1"
    assert f["team_code"].present is not False  # local column given
    assert not f["date_of_death"].present
    # HTML is self-contained; CSV has one row per field; no personal values anywhere.
    html_text = report.html_path.read_text()
    assert "<link" not in html_text and "<script" not in html_text and "http" not in html_text
    with report.csv_path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert sum(r["section"] == "field" for r in rows) == len(report.fields)
    personal = personal_values(path.parent) | {"Zebediah", "Quaxworth", "Zebediah Quaxworth"}
    _assert_no_personal_data(tmp_path / "out", personal)


def test_validate_file_refuses_what_it_cannot_read(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    report = quality.validate_file(empty, tmp_path / "out")
    assert report.status == "refused" and "empty" in report.reason
    assert "File refused" in report.html_path.read_text()
    bad = tmp_path / "noheaders.csv"
    bad.write_text("a,b\n1,2\n")
    assert quality.validate_file(bad, tmp_path / "out").status == "refused"


def test_field_rules_match_in_sql_and_in_gx(tmp_path):
    """The same suite gives the same counts through GX (pandas) and through DuckDB."""
    path = _faulty_file(tmp_path / "in")
    report = quality.validate_file(path, tmp_path / "out")
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW src AS SELECT * FROM read_csv('{path}', all_varchar = true, "
        "normalize_names = true)"
    )
    suite = quality.suite_for_kind("cld")
    names = {r[0] for r in con.execute("DESCRIBE src").fetchall()}
    sources = {c: c for c in names if c in {x.name for x in contract.KIND_COLUMNS["cld"]}}
    canonical = rules_sql.canonical_select("cld", sources)
    rel = f"(SELECT row_number() OVER () AS _row, {canonical} FROM src)"
    results, raw = raw_checks.validate_relation(con, suite, rel)
    by = {(r.expectation["kwargs"]["column"], r.expectation["type"]): r for r in results}
    f = {s.field: s for s in report.fields}
    nn = "expect_column_values_to_not_be_null"
    assert by[("service_type", nn)].unexpected_count == f["service_type"].blank_mandatory == 1
    assert by[("unit_cost", nn)].unexpected_count == 1
    assert by[("unit_cost__parse", "expect_column_values_to_be_in_set")].examples == [7]
    gender = by[("gender", "expect_column_values_to_be_in_set")]
    assert gender.unexpected_count == 2 and gender.values == {"male": 1, "Robot": 1}
    unmapped = by[("_unmapped_fields", "expect_column_values_to_be_null")]
    assert unmapped.unexpected_count == 1 and not unmapped.success
    assert raw and raw[0]["results"]  # the GX validation output itself


# --------------------------------------------------------------------------- generated data


def test_raw_checks_on_generated_extracts(demo, tmp_path):
    out = tmp_path / "q"
    outcomes = quality.check_raw_extracts(demo["work_db"], "run-1", out_root=out)
    by = {(o.asset, o.name): o for o in outcomes}
    # A blocking and a warnings outcome for each of the eight raw tables (CLD, payments and the
    # six reference files).
    assert len(outcomes) == 2 * 8
    cld_block = by[("raw/cld_events", "raw_cld_events_blocking")]
    assert cld_block.blocking and cld_block.passed, cld_block.metadata["failures"]
    warn = by[("raw/cld_events", "raw_cld_events_warnings")]
    assert not warn.blocking and not warn.passed  # the generator injects faults
    assert warn.metadata["files_checked"] == 12
    for path in warn.metadata["gx_results"]:
        js = json.loads(Path(path).read_text())
        assert js["gx_validation_results"][0]["meta"]["great_expectations_version"]
    # Cached: a second run reads nothing again, and reports the same.
    again = quality.check_raw_extracts(demo["work_db"], "run-2", out_root=out)
    assert [(o.name, o.passed) for o in again] == [(o.name, o.passed) for o in outcomes]
    personal = personal_values(demo["landing"])
    assert _assert_no_personal_data(out, personal) > 10


def test_files_of_combinations_seen_before_are_judged_by_the_saved_verdicts(demo, tmp_path):
    """A new file whose combinations of values were all validated before takes their saved
    verdicts (GX validates none of its rows' combinations again) and finds what a run that
    validates every combination finds, failures included."""
    first, second = tmp_path / "first", tmp_path / "second"
    quality.check_raw_extracts(demo["work_db"], "run-1", out_root=first)
    cache = first / "_cache"
    summaries = [p for p in sorted(cache.glob("cld_*.json")) if "_combinations_" not in p.name]
    assert len(summaries) == 12
    cold = {p.name: json.loads(p.read_text())["results"] for p in summaries}
    assert any(not r["success"] for results in cold.values() for r in results)
    # The same files as new to a warehouse that has only the verdicts: summaries gone.
    shutil.copytree(first / "_cache", second / "_cache")
    for p in summaries:
        (second / "_cache" / p.name).unlink()
    verdicts = next((second / "_cache").glob("cld_combinations_*.json"))
    saved = verdicts.read_text()
    outcomes = quality.check_raw_extracts(demo["work_db"], "run-2", out_root=second)
    warm = {
        p.name: json.loads((second / "_cache" / p.name).read_text())["results"] for p in summaries
    }
    assert warm == cold
    assert verdicts.read_text() == saved  # nothing new to save
    warnings = {o.name: o for o in outcomes}["raw_cld_events_warnings"]
    assert not warnings.passed
    row_runs = [
        json.loads(Path(path).read_text())["gx_validation_results"][0]
        for path in warnings.metadata["gx_results"]
    ]
    assert len(row_runs) == 12 and all(run["results"] == [] for run in row_runs)
    # Half the combinations new again: GX validates those, the rest keep their verdicts.
    known = json.loads(saved)
    verdicts.write_text(json.dumps(dict(list(known.items())[::2])))
    for p in summaries:
        (second / "_cache" / p.name).unlink()
    quality.check_raw_extracts(demo["work_db"], "run-3", out_root=second)
    mixed = {
        p.name: json.loads((second / "_cache" / p.name).read_text())["results"] for p in summaries
    }
    assert mixed == cold
    assert json.loads(verdicts.read_text()) == known


def test_dq_report_for_loaded_files_counts_quarantined_rows(demo, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    reports = quality.dq_report_for_loaded_files(demo["work_db"], tmp_path / "dq", 0.05, cache)
    assert len(reports) == 12 and len(list(cache.glob("*.json"))) == 12
    # A loaded file is analysed once: the second report comes from the cache, the same.
    again = quality.dq_report_for_loaded_files(demo["work_db"], tmp_path / "dq2", 0.05, cache)
    assert [(r.file_name, r.rows, r.fields, r.values) for r in again] == [
        (r.file_name, r.rows, r.fields, r.values) for r in reports
    ]
    index = (tmp_path / "dq" / "index.csv").read_text().splitlines()
    assert len(index) == 13 and index[0].startswith("file,rows,malformed_rows,blank_mandatory")
    con = duckdb.connect(str(demo["work_db"]), read_only=True)
    read = dict(
        con.execute("SELECT file_name, rows_read FROM raw._files WHERE kind = 'cld'").fetchall()
    )
    for r in reports:
        assert r.rows + len(r.malformed_rows) == read[r.file_name]
        assert r.html_path.exists() and r.csv_path.exists()
    start = {s.field: s for s in reports[0].fields}["event_start_date"]
    assert start.blank_mandatory > 0  # quarantined rows are in the report
    _assert_no_personal_data(tmp_path / "dq", personal_values(demo["landing"]))


def test_packed_and_combined_sets_count_as_one_column_each_would(demo, monkeypatch):
    """The sets packed as digits before the UNPIVOT, and the sets of several columns
    counted as one combined text, give the groups (counts and example rows) a column each
    gives; a value the packing does not know stops the check."""
    from pipeline.core.errors import PrimedError
    from pipeline.quality import dq_loaded, profile
    from pipeline.quality.suites import suite_for_kind

    suite = suite_for_kind("cld")
    con = duckdb.connect(str(demo["work_db"]), read_only=True)
    try:
        files = con.execute(
            "SELECT file_id, file_name FROM raw._files WHERE kind = 'cld' ORDER BY file_id"
        ).fetchall()
        relation, _present, _malformed = dq_loaded.loaded_relation(con, "", files)
        packed = profile.profile(con, "cld", relation, suite, suite)
        sql, *_, packed_columns = profile.profile_sql("cld", relation, suite, suite)
        assert len(packed_columns) > 1 and f"AS {profile.COMBINED}" in sql
        monkeypatch.setattr(profile, "PACKED_VALUES", {})
        monkeypatch.setattr(profile, "COMBINED", None)
        sql, sets, *_, packed_columns = profile.profile_sql("cld", relation, suite, suite)
        assert packed_columns == {}
        assert "counted" not in sql and sum(len(k) > 1 for k in sets) > 10
        one_each = profile.profile(con, "cld", relation, suite, suite)
    finally:
        con.close()
    assert packed.groups == one_each.groups and len(packed.groups) > 1000
    several = {i for i, k in enumerate(packed.sets) if len(k) > 1}
    assert sum(g["_set"] in several for g in packed.groups) > 100
    sets = [("dqs_gender",), ("dqt_event_end_date",), ("gender__given",), ("due_date__parse",)]
    monkeypatch.undo()
    assert profile._unpacked(str(5 + 1 * 8 + 1 * 64 + 3 * 512), [0, 1, 2, 3], sets) == [
        (0, 1),
        (1, 1),
        (2, "*"),
        (3, "not a date"),
    ]
    # A coded field's release may be 'unmapped' or a local mapping's own: never packed.
    assert profile.packed_values("ethnicity__release") is None
    with pytest.raises(PrimedError, match="unexpected value of dqs_gender"):
        profile._unpacked(str(profile.UNKNOWN_DIGIT), [0], sets)


# --------------------------------------------------------------------------- marts


def _marts_db(path: Path, *, share: float, jump: float, gap: bool, paid_factor: float) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        f"""CREATE TABLE marts.rpt_front_door_monthly AS
            SELECT 'ARC' AS team_code, DATE '2024-01-01' + INTERVAL (i) MONTH AS month,
                   CASE WHEN i = 2 THEN {share} ELSE 0.5 END AS conversion_rate
            FROM range(6) t(i)"""
    )
    con.execute(
        f"""CREATE TABLE marts.rpt_spend_committed_vs_paid_monthly AS
            SELECT (DATE '2024-01-01' + INTERVAL (i) MONTH)::DATE AS month, s AS service_type,
                   CASE WHEN i = 3 THEN 1000 * {jump} ELSE 1000 END AS committed_spend,
                   CASE WHEN i = 1 AND s = 'Long term support' THEN 1000 * {paid_factor}
                        WHEN i = 3 THEN 1000 * {jump} ELSE 1000 END AS paid_spend
            FROM range(6) t(i), (VALUES ('Long term support'), ('Short term support')) v(s)"""
    )
    months = "range(6) t(i)" + (" WHERE NOT (team = 'LD' AND i = 2)" if gap else "")
    con.execute(
        f"""CREATE TABLE marts.rpt_team_workload_monthly AS
            SELECT team, DATE '2024-01-01' + INTERVAL (i) MONTH AS month, 3 AS open_count
            FROM (VALUES ('ARC'), ('LD')) v(team), {months}"""
    )
    con.execute("ALTER TABLE marts.rpt_team_workload_monthly RENAME team TO team_code")
    con.execute(
        """CREATE TABLE marts.rpt_team_completed_monthly AS
           SELECT team_code, month, 0 AS completed_count FROM marts.rpt_team_workload_monthly"""
    )
    con.close()
    return path


def test_mart_checks_pass_on_good_marts(tmp_path):
    prev = _marts_db(tmp_path / "prev.duckdb", share=0.4, jump=1, gap=False, paid_factor=1)
    cand = _marts_db(tmp_path / "cand.duckdb", share=0.4, jump=1, gap=False, paid_factor=1)
    outcomes = quality.check_published_marts(cand, prev, "r1", out_dir=tmp_path / "q")
    assert outcomes and all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]


def test_mart_checks_catch_each_fault(tmp_path):
    prev = _marts_db(tmp_path / "prev.duckdb", share=0.4, jump=1, gap=False, paid_factor=1)
    cand = _marts_db(tmp_path / "cand.duckdb", share=1.3, jump=3, gap=True, paid_factor=1.2)
    con = duckdb.connect(str(prev))
    con.execute(
        "INSERT INTO marts.rpt_front_door_monthly SELECT * FROM marts.rpt_front_door_monthly"
    )
    con.execute(
        "INSERT INTO marts.rpt_front_door_monthly SELECT * FROM marts.rpt_front_door_monthly"
    )
    con.close()
    outcomes = quality.check_published_marts(cand, prev, "r1", out_dir=tmp_path / "q")
    by = {(o.asset, o.name): o for o in outcomes}
    rows = by[("marts/rpt_front_door_monthly", "row_count_vs_previous_publish")]
    assert not rows.passed and rows.blocking
    assert (rows.metadata["candidate_rows"], rows.metadata["previous_rows"]) == (6, 24)
    share = by[("marts/rpt_front_door_monthly", "shares_between_0_and_1")]
    assert not share.passed and share.metadata["out_of_range"] == 1
    team = by[("marts/rpt_team_workload_monthly", "no_team_missing_from_active_month")]
    assert not team.passed and team.metadata["missing_team_months"] == [
        {"team_code": "LD", "month": "2024-03"}
    ]
    spend = by[("marts/rpt_spend_committed_vs_paid_monthly", "spend_month_on_month_within_factor")]
    assert not spend.passed and not spend.blocking  # a warning: small teams and councils jump
    recon = by[
        ("marts/rpt_spend_committed_vs_paid_monthly", "payments_reconcile_with_committed_cost")
    ]
    assert not recon.passed and not recon.blocking
    assert recon.metadata["beyond_tolerance"] == 1
    assert recon.metadata["examples"][0]["month"] == "2024-02"
    # The tolerance is configurable: at 25% the 20% difference passes.
    loose = quality.check_published_marts(
        cand, prev, "r2", out_dir=tmp_path / "q", parameters={"tolerance": 0.25}
    )
    assert all(o.passed for o in loose if o.name == "payments_reconcile_with_committed_cost")
    # ... and so is it through the settings (PRIMED_DQ_TOLERANCE), which win over `parameters`.
    settings = Settings.from_env({"PRIMED_DQ_TOLERANCE": "0.25"})
    env_loose = quality.check_published_marts(
        cand, prev, "r3", out_dir=tmp_path / "q", parameters={"tolerance": 0.01}, settings=settings
    )
    (env_recon,) = [o for o in env_loose if o.name == "payments_reconcile_with_committed_cost"]
    assert env_recon.passed and env_recon.metadata["parameters"]["tolerance"] == 0.25
    assert Path(recon.metadata["gx_results_path"]).exists()
    # The same reconciliation rows go into the DQ report (reconciliation.reconciliation).
    con = duckdb.connect()
    con.execute(f"ATTACH '{cand}' AS w (READ_ONLY)")
    rows = reconciliation(con, 0.05)
    assert [(r["month"], r["service_type"]) for r in rows if r["beyond_tolerance"]] == [
        ("2024-02", "Long term support")
    ]


def test_only_the_newest_runs_gx_results_are_kept(tmp_path):
    keep = Settings.from_env({"PRIMED_KEEP_QUALITY_RUNS": "3"}).keep_quality_runs
    (tmp_path / "_cache").mkdir()
    for i in range(5):
        run = tmp_path / f"run-{i}"
        run.mkdir()
        os.utime(run, (1_000_000 + i, 1_000_000 + i))
    run_dir(tmp_path, "run-new", keep)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_cache", "run-3", "run-4", "run-new"]


def test_validate_numbers_rows_as_ingestion_does_after_a_malformed_line(tmp_path):
    """Row numbers in the report are rows of the file: a malformed line still counts."""
    rows = [cld_row(event_reference=f"R{i}") for i in range(1, 6)]
    rows[3]["gender"] = "Robot"  # row 4: unmapped value
    path = write_csv(tmp_path / "in" / "cld_E09000009_2024-03-31.csv", rows)
    lines = path.read_text().splitlines()
    lines[2] += ",one too many"  # row 2: malformed
    path.write_text("\n".join(lines) + "\n")
    report = quality.validate_file(path, tmp_path / "out")
    assert report.malformed_rows == [2] and report.rows == 4
    gender = {s.field: s for s in report.fields}["gender"]
    assert gender.examples["invalid"] == [4]
    assert [(v.value, v.examples) for v in report.values if v.field == "gender"] == [("Robot", [4])]
    # Ingestion gives the same rows the same numbers.
    con = duckdb.connect()
    try:
        ingest(tmp_path / "in", tmp_path / "wh")
        con.execute(f"ATTACH '{tmp_path / 'wh' / 'work' / 'primed.duckdb'}' AS w (READ_ONLY)")
        assert con.execute("SELECT row_number FROM w.raw._quarantine").fetchall() == [(2,)]
        robot = "SELECT _row_number FROM w.raw.cld_events WHERE gender = 'Robot'"
        assert con.execute(robot).fetchall() == [(4,)]
    finally:
        con.close()


def test_raw_checks_read_many_quarantined_rows_in_little_memory(tmp_path, monkeypatch):
    """The raw checks read each quarantined row's record once (issue 10): at ten times Ealing's
    size a quarter's 3,000 quarantined rows, with a JSON path per field, held gigabytes and
    stopped the run at DuckDB's memory limit. Here 6,000 of them, every field present, are
    checked under a 300 MB limit, and each is counted in its file's DQ report."""
    monkeypatch.setenv("PRIMED_MEMORY_LIMIT", "300MB")
    headers = [c.name for c in contract.CLD_COLUMNS]
    rows = [
        cld_row(event_reference=f"R{i}", event_start_date="not a date", gender="Male",
                ethnicity="White: English", event_description="x" * 200)
        for i in range(6000)
    ]  # fmt: skip
    write_csv(tmp_path / "landing" / "cld_E09000009_2024-03-31.csv", rows, headers)
    write_csv(tmp_path / "landing" / "cld_E09000009_2023-12-31.csv", [cld_row()], headers)
    ingest(tmp_path / "landing", tmp_path / "wh")
    db = tmp_path / "wh" / "work" / "primed.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw._quarantine").fetchall() == [(6000,)]
    outcomes = quality.check_raw_extracts(db, "run-1")
    assert {o.name for o in outcomes} >= {"raw_cld_events_blocking", "raw_cld_events_warnings"}
    reports = [
        json.loads(p.read_text()) for p in (tmp_path / "wh" / "quality" / "_dq_reports").iterdir()
    ]
    (report,) = [r for r in reports if r["file_name"] == "cld_E09000009_2024-03-31.csv"]
    start = next(f for f in report["fields"] if f["field"] == "event_start_date")
    assert (report["rows"], start["invalid"], start["valid"]) == (6000, 6000, 0)
    gender = next(f for f in report["fields"] if f["field"] == "gender")
    assert gender["valid"] == 6000  # read from each quarantined record
