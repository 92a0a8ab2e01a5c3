"""The whole pipeline as users run it: the Dagster job in process, on generated demo data."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import execute_job, main, run_pipeline
from pipeline.core.paths import WarehousePaths
from pipeline.ingest import MANIFEST
from pipeline.transform.dbt_project import PROJECT_DIR
from tests.conftest import assert_staged_as_if_rebuilt, dbt_build
from tests.personal_data import (
    assert_no_personal_data,
    columns_holding,
    file_texts,
    leaks,
    personal_values,
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_state(paths: WarehousePaths) -> tuple[str, str]:
    return os.readlink(paths.published), digest(paths.published_db)


@pytest.fixture(scope="module")
def demo(demo_build):
    return demo_build


def test_run_publishes_marts_as_duckdb_and_parquet(demo):
    landing, paths = demo
    assert paths.published.is_symlink()
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            ).fetchall()
        }
        assert "rpt_front_door_monthly" in tables
        contacts = con.execute(
            "SELECT sum(contacts_count) FROM marts.rpt_front_door_monthly"
        ).fetchall()[0][0]
        assert contacts > 1000
        data_date = con.execute("SELECT data_date FROM marts._release").fetchall()[0][0]
        assert str(data_date) == "2025-03-31"
        # No personal identifier reaches the published warehouse.
        columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns()").fetchall()}
    finally:
        con.close()
    assert not columns & {"nhs_number", "first_name", "last_name", "postcode", "date_of_birth"}
    parquet = {p.stem for p in (paths.published / "parquet").glob("*.parquet")}
    assert parquet == tables - {"_release"}
    # The release holds a data-quality report per loaded CLD file, and the site links to it.
    quality = paths.published / "quality"
    with (quality / "index.csv").open(newline="", encoding="utf-8") as f:
        index = list(csv.DictReader(f))
    assert len(index) == 12 and all((quality / r["report"]).exists() for r in index)
    assert sum(int(r["blank_mandatory"]) for r in index) > 0  # the generator's faults
    assert "../quality/index.html" in (paths.published / "reports" / "index.html").read_text()
    # The original files are archived; every landing file was loaded once.
    archived = len([p for p in paths.archive_dir.iterdir() if p.name != MANIFEST])
    assert archived == len([p for p in landing.rglob("*.csv")])


def test_every_input_row_is_loaded_or_quarantined(demo):
    landing, paths = demo
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        files = con.execute(
            "SELECT file_name, rows_read, rows_loaded, rows_quarantined FROM raw._files "
            "WHERE kind = 'cld'"
        ).fetchall()
        loaded = dict(
            con.execute("SELECT _file_name, count(*) FROM raw.cld_events GROUP BY 1").fetchall()
        )
        quarantined = dict(
            con.execute("SELECT file_name, count(*) FROM raw._quarantine GROUP BY 1").fetchall()
        )
    finally:
        con.close()
    assert len(files) == 12
    for name, read, n_loaded, n_quarantined in files:
        data_lines = sum(1 for _ in (landing / name).open(encoding="utf-8")) - 1
        assert read == data_lines == n_loaded + n_quarantined
        assert loaded.get(name, 0) == n_loaded
        assert quarantined.get(name, 0) == n_quarantined


def test_a_run_with_nothing_new_says_so_and_publishes_nothing(demo_copy, capsys):
    landing, paths = demo_copy
    release = os.readlink(paths.published)
    assert run_pipeline(landing, paths.root) == 0
    out = capsys.readouterr().out
    assert "found nothing new" in out and "nothing new since run" in out
    assert "Skipping step" not in out and "Blocking asset check" not in out
    assert os.readlink(paths.published) == release


def test_rerun_loads_nothing_twice_and_a_reader_never_blocks_it(demo_copy, monkeypatch):
    landing, paths = demo_copy
    con = duckdb.connect(str(paths.work_db), read_only=True)
    before = con.execute("SELECT count(*) FROM raw.cld_events").fetchall()[0][0]
    con.close()
    old_release = os.readlink(paths.published)
    # A setting the release is built with changed: everything is rebuilt and published again.
    monkeypatch.setenv("PRIMED_DQ_TOLERANCE", "0.06")
    reader = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        old_rows = reader.execute("SELECT count(*) FROM marts.rpt_front_door_monthly").fetchall()
        assert run_pipeline(landing, paths.root) == 0
        # The reader still sees its whole release, untouched.
        again = reader.execute("SELECT count(*) FROM marts.rpt_front_door_monthly").fetchall()
        assert again == old_rows
    finally:
        reader.close()
    assert os.readlink(paths.published) != old_release
    con = duckdb.connect(str(paths.work_db), read_only=True)
    after = con.execute("SELECT count(*) FROM raw.cld_events").fetchall()[0][0]
    con.close()
    assert after == before


def test_a_run_keeps_the_last_runs_docs_when_code_and_dbt_settings_are_the_same(
    demo_copy, monkeypatch, capsys
):
    """The dbt docs depend on the code and dbt's settings, not on the data: a run made with the
    same keeps the docs the last run made, and publishes them as its own."""
    from pipeline.publish.docs_site import docs_key

    landing, paths = demo_copy
    monkeypatch.setenv("PRIMED_DOCS_SITE", "1")
    published = []
    for tolerance in ("0.06", "0.07"):  # a release setting that is not dbt's: a new release
        monkeypatch.setenv("PRIMED_DQ_TOLERANCE", tolerance)
        assert run_pipeline(landing, paths.root) == 0
        kept = "the last run's; its docs kept" in capsys.readouterr().out
        docs = paths.published.resolve() / "docs"
        manifest = json.loads((docs / "manifest.json").read_text())
        published.append((kept, manifest["metadata"]["invocation_id"], digest(docs / "index.html")))
    (made, *first), (kept, *second) = published
    assert not made and kept
    assert second == first
    environment = {"PRIMED_WORK_DB": str(paths.work_db), "PRIMED_MEMORY_LIMIT": "2GB"}
    assert docs_key(environment) != docs_key(environment | {"PRIMED_MEMORY_LIMIT": "3GB"})
    # How many models dbt builds at once changes how it runs, not what it makes.
    assert docs_key(environment) == docs_key(environment | {"PRIMED_DBT_THREADS": "1"})


def test_dbt_builds_two_models_at_once_until_the_warehouse_is_large(
    demo_copy, tmp_path, monkeypatch
):
    """Two dbt threads while two event models fit in DuckDB's memory limit together, else one:
    counted from the raw CLD rows, and given to dbt through profiles.yml."""
    from types import SimpleNamespace

    from pipeline.transform.dbt_project import (
        THREADS_VARIABLE,
        dbt_environment,
        dbt_threads,
        raw_cld_rows,
    )

    landing, paths = demo_copy
    on = {t: SimpleNamespace(dbt_target=t, memory_limit="2GB") for t in ("duckdb", "postgres")}
    assert dbt_environment(on["duckdb"], paths, landing)[THREADS_VARIABLE] == "2"
    assert THREADS_VARIABLE not in dbt_environment(on["postgres"], paths, landing)
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM raw.cld_events").fetchone()[0]
    assert raw_cld_rows(paths.work_db) == loaded > 0
    assert raw_cld_rows(paths.root / "none.duckdb") is None
    # 3 million rows a GB: the demo's rows are paired under 2GB, not under a limit a fifth of
    # theirs (in MB).
    assert dbt_threads(loaded, "2GB") == dbt_threads(None, "1MB") == 2
    assert dbt_threads(loaded, f"{loaded // 5000}MB") == 1
    assert dbt_threads(loaded, f"{loaded // 3000 + 1}MB") == 2

    def workers(results) -> set[str]:
        return {r.thread_id for r in results if r.thread_id.endswith("(worker)")}

    ran = json.loads((paths.work_dir / "dbt" / "run_results.json").read_text())["results"]
    assert len({r["thread_id"] for r in ran if r["thread_id"].endswith("(worker)")}) == 2
    monkeypatch.setenv(THREADS_VARIABLE, "1")
    one = dbt_build(paths, "dim_date dim_team dim_worker dim_person", tmp_path)
    assert len(workers(one.result.results)) == 1 and len(one.result.results) > 8


def test_unmapped_code_stops_the_run_until_the_council_maps_it_in_its_own_file(
    tmp_path, demo, capfd
):
    """A new code stops the run, naming the council's own mappings file and a line to paste;
    with the line in reference/code_mappings.csv (the Release 2 value put in) the run goes
    through, the code maps as the council said, and the DQ report says the local rows won."""
    demo_landing, demo_paths = demo
    paths = WarehousePaths.at(tmp_path / "warehouse")
    shutil.copytree(demo_paths.root, paths.root, symlinks=True)
    landing = tmp_path / "landing"
    landing.mkdir()
    # The latest extract exported again with one more request, of a new outcome: a corrected
    # re-export (as tests/test_dagster_ui.py lands), so that once the code is mapped the run
    # goes through with every figure but that request's as before.
    with (demo_landing / "cld_E09000009_2025-03-31.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        headers, rows = list(reader.fieldnames or []), list(reader)
    request = next(r for r in rows if r["Event Type"] == "Request" and r["Event End Date"])
    panel = request | {"Event Reference": "PANEL-1", "Event Outcome": "Sent to panel"}
    with (landing / "cld_new_code.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, headers, lineterminator="\n")
        writer.writeheader()
        writer.writerows([*rows, panel])
    before = published_state(paths)
    assert run_pipeline(landing, paths.root) == 1
    out = capfd.readouterr().out
    assert "New unmapped value(s): event_outcome 'Sent to panel'" in out
    assert f"cld_new_code.csv row {len(rows) + 1})" in out
    local_file = landing / "reference" / "code_mappings.csv"
    assert f"Add a line for each to {local_file} " in out
    line = "event_outcome,Sent to panel,Invalid and not mapped,,,"
    assert [t for t in out.splitlines() if t.startswith("event_outcome,Sent")] == [line], out
    assert '"Progress to assessment, review or reassessment"' in out  # quoted, ready to use
    assert "nothing was published" in out
    assert published_state(paths) == before

    # The council maps it in its own file (and replaces a shipped mapping too).
    chosen = line.replace(
        "Invalid and not mapped", '"Progress to assessment, review or reassessment"'
    )
    local_file.parent.mkdir()
    local_file.write_text(
        f"field,raw_value,r2_value,r2_group,release,sort_order\n{chosen}\ngender,tbc,Unknown,,,\n",
        encoding="utf-8",
    )
    assert run_pipeline(landing, paths.root) == 0, capfd.readouterr().out
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        (outcome,) = con.execute(
            "select event_outcome from marts.fct_requests where event_reference = 'PANEL-1'"
        ).fetchone()
    finally:
        con.close()
    assert outcome == "Progress to assessment, review or reassessment"
    # A mapping changed: every file was staged again, with the council's mappings.
    assert_staged_as_if_rebuilt(paths, tmp_path, incremental=False)
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        merged = con.execute(
            "select field, raw_value, mapping_source, local_row_number, shipped_r2_value "
            "from staging.stg_reference__code_mappings where mapping_source = 'local' "
            "or (field = 'gender' and raw_value = 'TBC')"
        ).fetchall()
    finally:
        con.close()
    assert sorted(merged) == [
        ("event_outcome", "Sent to panel", "local", 1, None),
        ("gender", "tbc", "local", 2, "Invalid and not mapped"),  # the shipped TBC row is gone
    ]
    quality_dir = paths.published.resolve() / "quality"
    index = (quality_dir / "index.html").read_text()
    assert "own code mappings (2)" in index
    assert "yes: it mapped to Invalid and not mapped" in index and "no: a new value" in index
    report = next(quality_dir.glob("*cld_new_code*.csv"))
    assert "by reference/code_mappings.csv row 1" in report.read_text()


def test_cli_errors_are_one_sentence(tmp_path, capsys):
    code = main(["run", "--landing", str(tmp_path / "missing"), "--warehouse", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("primed: error: the landing folder") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_no_personal_data_in_the_published_warehouse(demo):
    """NHS numbers, names, postcodes, dates of birth and LA person ids stay in raw."""
    landing, paths = demo
    con = duckdb.connect()
    try:
        pii = con.execute(
            f"""SELECT DISTINCT v FROM (
                  SELECT unnest([
                      "NHS Number", "First Name", "Last Name", "Postcode",
                      "LA Person Unique Identifier", "Date of Birth"]) AS v
                  FROM read_csv('{landing}/cld_*.csv', all_varchar = true))
                WHERE v IS NOT NULL AND length(v) >= 4"""
        ).fetchall()
        values = {r[0] for r in pii}
        assert len(values) > 1000
        con.execute(f"ATTACH '{paths.published_db}' AS pub (READ_ONLY)")
        found = columns_holding(con, values, "database_name = 'pub'")
    finally:
        con.close()
    assert found == []


# --------------------------------------------------------------------------- a faulty file


FAULTY_PERSON = {
    "NHS Number": "4010232137",
    "LA Person Unique Identifier": "QX-778812",
    "First Name": "Zebediah",
    "Last Name": "Quaxworth",
    "Date of Birth": "1941-07-19",
    "Postcode": "ZE9 9QX",
}


def _write_faulty_file(demo_landing: Path, landing: Path) -> Path:
    """Six rows about one made-up person, copied from a demo Service row: one good, four with a
    fault each (next to personal data), one with a field too many. The file states a nine-month
    period that later extracts cover whole, so it supplies no month to the statutory returns
    (a file stating the latest period would become the latest submission, and the row-count
    check would rightly stop it being published)."""
    source = demo_landing / "cld_E09000009_2024-12-31.csv"
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        headers = list(reader.fieldnames or [])
        base = next(
            r
            for r in reader
            if r["Event Type"] == "Service"
            and r["Unit Cost"]
            and r["Event Status"] != "Cancelled"
            and r["Event Start Date"] >= "2024-04-01"
            and (not r["Event End Date"] or r["Event End Date"] >= r["Event Start Date"])
        )
    base = {**base, **FAULTY_PERSON, "Reporting Period Start Date": "2024-04-01"}
    faults = [
        {},
        {"Date of Birth": "31/02/1941"},
        {"Event Start Date": "2024-13-45"},
        {"Event Start Date": ""},
        None,  # a field too many
        {"Unit Cost": "-12.50"},
    ]
    path = landing / "cld faulty extract.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for i, fault in enumerate(faults, start=1):
            row = {**base, "Event Reference": f"QX-{i}", **(fault or {})}
            writer.writerow([row[h] for h in headers] + ([] if fault is not None else ["extra"]))
    return path


LATEST_EXTRACT = "cld_E09000009_2025-03-31.csv"


def _write_corrected_reexport(demo_landing: Path, landing: Path) -> dict[str, str]:
    """The demo's latest extract exported again under the same name, corrected: one open
    review completed, one assessment left out (recorded in error). Their references."""
    with (demo_landing / LATEST_EXTRACT).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        headers = list(reader.fieldnames or [])
        rows = list(reader)
    review = next(
        r for r in rows if r["Event Type"] == "Review" and r["Event Status"] == "Open"
        and r["Event Reference"] and not r["Event End Date"]
    )  # fmt: skip
    # An assessment that no earlier extract holds: it started after their periods.
    dropped = next(
        r for r in rows if r["Event Type"] == "Assessment" and r["Event Status"] == "Completed"
        and r["Event Start Date"] > "2025-01-01"
    )  # fmt: skip
    review |= {"Event End Date": "2025-03-28", "Event Status": "Completed",
               "Event Outcome": "Continuation of support or services"}  # fmt: skip
    with (landing / LATEST_EXTRACT).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, headers)
        writer.writeheader()
        writer.writerows(r for r in rows if r is not dropped)
    return {"completed": review["Event Reference"], "dropped": dropped["Event Reference"]}


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory, demo):
    """The demo warehouse plus a file with faults next to personal data and a corrected
    re-export of the latest extract, run through the job with everything it prints captured."""
    demo_landing, demo_paths = demo
    base = tmp_path_factory.mktemp("faulty")
    paths = WarehousePaths.at(base / "warehouse")
    shutil.copytree(demo_paths.root, paths.root, symlinks=True)
    _write_faulty_file(demo_landing, base / "landing")
    corrected = _write_corrected_reexport(demo_landing, base / "landing")
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryFile("w+") as out:
        # Everything the run prints (its own lines, Dagster's, dbt's subprocess) goes to `out`.
        saved = [os.dup(1), os.dup(2)]
        mp.setattr(sys, "stdout", out)
        mp.setattr(sys, "stderr", out)
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            result = execute_job(base / "landing", paths)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
        out.seek(0)
        printed = out.read()
    return {
        "result": result,
        "paths": paths,
        "printed": printed,
        # dbt's target folder and logs of the runs on this warehouse (the job keeps them there).
        "dbt_targets": [paths.work_dir / "dbt"],
        "demo_landing": demo_landing,
        "corrected": corrected,
    }


def test_a_corrected_reexport_supersedes_the_file_it_corrects(faulty_run):
    """Issue 18: the re-export under the same name wins entirely, and the run says so."""
    assert faulty_run["result"].success
    refs = faulty_run["corrected"]
    con = duckdb.connect(str(faulty_run["paths"].published_db), read_only=True)
    try:
        files = con.execute(
            "SELECT file_id, file_status, superseded_by_file_id FROM marts.dq_cld_files "
            "WHERE file_name = ? ORDER BY file_id",
            [LATEST_EXTRACT],
        ).fetchall()
        review = con.execute(
            "SELECT event_status, source_rows FROM marts.fct_reviews WHERE event_reference = ?",
            [refs["completed"]],
        ).fetchall()
        dropped = con.execute(
            "SELECT count(*) FROM marts.fct_assessments WHERE event_reference = ?",
            [refs["dropped"]],
        ).fetchall()
        superseded = con.execute(
            "SELECT sum(rows_superseded) = sum(rows_loaded) FROM marts.dq_row_accounting "
            "WHERE file_id = ?",
            [files[0][0]],
        ).fetchall()
    finally:
        con.close()
    (old, _, by), (new, status, _) = files
    assert (by, status) == (new, "current")
    assert review[0][0] == "Completed"
    assert dropped == [(0,)]
    assert superseded == [(True,)]
    said = (
        f"{LATEST_EXTRACT} (id {old}, E09000009, 2024-04-01 to 2025-03-31) is superseded by "
        f"{LATEST_EXTRACT} (id {new}), loaded later"
    )
    assert said in faulty_run["printed"]


def test_a_run_stages_only_the_files_it_loaded(faulty_run, tmp_path):
    """The new files' rows were staged, the others' kept as they were: as a rebuild stages."""
    assert faulty_run["result"].success
    assert_staged_as_if_rebuilt(faulty_run["paths"], tmp_path, incremental=True)


def test_quarantined_rows_are_counted_by_reason(faulty_run):
    assert faulty_run["result"].success
    con = duckdb.connect(str(faulty_run["paths"].published_db), read_only=True)
    try:
        reasons = con.execute(
            """SELECT event_type, field, problem, rows_with_problem, rows_first_problem,
                      example_row_number
               FROM marts.dq_quarantine_reasons WHERE file_name = 'cld faulty extract.csv'
               ORDER BY example_row_number"""
        ).fetchall()
        accounting = con.execute(
            """SELECT event_type, rows_read, rows_loaded, rows_quarantined, rows_counted
               FROM marts.dq_row_accounting WHERE file_name = 'cld faulty extract.csv'
               ORDER BY event_type"""
        ).fetchall()
    finally:
        con.close()
    assert reasons == [
        ("Service", "Date of Birth", "not a date", 1, 1, 2),
        ("Service", "Event Start Date", "not a date", 1, 1, 3),
        ("Service", "Event Start Date", "missing (mandatory)", 1, 1, 4),
        ("(unreadable)", "(whole row)", "malformed row: too many columns", 1, 1, 5),
        ("Service", "Unit Cost", "negative", 1, 1, 6),
    ]
    assert accounting == [("(unreadable)", 1, 0, 1, 0), ("Service", 5, 1, 4, 1)]


def test_no_output_of_a_run_holds_personal_data(faulty_run):
    """Issue 4 item 7: what the run printed, every Dagster event (log lines, asset and check
    metadata), the quarantine reasons, DQ and GX outputs, the published release (marts as
    Parquet, pages, CSVs) and dbt's logs and artifacts: no NHS number, LA person id, name,
    date of birth or postcode of the demo's people or of the faulty file's one."""
    paths = faulty_run["paths"]
    values = personal_values(faulty_run["demo_landing"])
    values |= {" ".join(v.split()) for v in FAULTY_PERSON.values()}
    values.add("Zebediah Quaxworth")
    # Values the project's own code holds (a unit test's date of birth) are not from the data.
    code = "\n".join(
        p.read_text(errors="replace")
        for folder in ("models", "tests/dbt", "seeds", "macros")
        for p in (PROJECT_DIR / folder).rglob("*")
        if p.is_file()
    )
    values -= leaks(code, values)
    assert {"4010232137", "Zebediah Quaxworth", "ZE9 9QX"} <= values and len(values) > 1000
    # The values are there to be found: the archived input holds them.
    archived = next(p for p in paths.archive_dir.iterdir() if "faulty" in p.name)
    assert "Zebediah Quaxworth" in leaks(archived.read_text(), values)
    texts: list[tuple[str, str]] = [("the run's printed output", faulty_run["printed"])]
    assert "Zebediah" not in faulty_run["printed"] and "loaded" in faulty_run["printed"]
    texts += [
        (f"Dagster event {e.event_type_value}", repr(e)) for e in faulty_run["result"].all_events
    ]
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        reasons = con.execute(
            "SELECT file_name, row_number, reasons FROM raw._quarantine"
        ).fetchall()
    finally:
        con.close()
    texts += [(f"quarantine reason {r[0]} row {r[1]}", " | ".join(r[2])) for r in reasons]
    for folder in (paths.root / "quality", paths.published.resolve()):
        texts += list(file_texts(folder, skip_suffixes=(".duckdb",)))
    for target in faulty_run["dbt_targets"]:
        dbt_texts = list(file_texts(target))
        assert any(name.endswith("run_results.json") for name, _ in dbt_texts), target
        texts += dbt_texts
    scanned = assert_no_personal_data(texts, values)
    assert scanned > 100


def test_a_failed_blocking_check_is_the_last_thing_said(tmp_path, demo, capfd):
    """Issue 13: a worker id listed twice stops the run; the last line names the check, the
    file and rows, and the value; no cascade of steps that did not run."""
    _, demo_paths = demo
    paths = WarehousePaths.at(tmp_path / "warehouse")
    shutil.copytree(demo_paths.root, paths.root, symlinks=True)
    landing = tmp_path / "landing"
    (landing / "reference").mkdir(parents=True)
    (landing / "reference" / "workers.csv").write_text(
        "Worker ID,Team Code,Role,FTE\nEALW01001,EAL-ARC,Team manager,0.6\n"
        "EALW01002,EAL-ARC,Social worker,1\nEALW01001,EAL-ARC,Team manager,0.6\n"
    )
    before = published_state(paths)
    assert main(["run", "--landing", str(landing), "--warehouse", str(paths.root)]) == 1
    out = capfd.readouterr().out
    lines = out.strip().splitlines()
    assert lines[-1] == (
        "primed: blocking check raw_ref_workers_blocking on raw/ref_workers failed: Worker ID "
        "unique: workers.csv rows 1, 3 (2 rows, value 'EALW01001')"
    )
    assert lines[-2].startswith("primed: nothing was published")
    assert "Dependencies for step" not in out and "Execution of run" not in out
    assert out.count("raw_extract_quality") < 20  # the step's own lines, not a cascade
    assert published_state(paths) == before
