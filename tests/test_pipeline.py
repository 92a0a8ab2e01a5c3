"""The whole pipeline as users run it: the Dagster job in process, on generated demo data."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main, run_pipeline
from pipeline.paths import WarehousePaths
from tests.conftest import cld_row, write_csv


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
    # The original files are archived; every landing file was loaded once.
    archived = len(list(paths.archive_dir.iterdir()))
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


def test_rerun_loads_nothing_twice_and_a_reader_never_blocks_it(demo):
    landing, paths = demo
    con = duckdb.connect(str(paths.work_db), read_only=True)
    before = con.execute("SELECT count(*) FROM raw.cld_events").fetchall()[0][0]
    con.close()
    old_release = os.readlink(paths.published)
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


def test_unmapped_code_stops_the_run_and_leaves_published_as_it_was(tmp_path, demo, capfd):
    _, demo_paths = demo
    paths = WarehousePaths.at(tmp_path / "warehouse")
    shutil.copytree(demo_paths.root, paths.root, symlinks=True)
    landing = tmp_path / "landing"
    write_csv(
        landing / "cld_new_code.csv",
        [cld_row(event_outcome="Sent to panel", reporting_period_end_date="2025-06-30")],
    )
    before = published_state(paths)
    assert run_pipeline(landing, paths.root) == 1
    out = capfd.readouterr().out
    assert "New unmapped value(s): event_outcome 'Sent to panel'" in out
    assert "cld_new_code.csv row 1" in out
    assert "nothing was published" in out
    assert published_state(paths) == before


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
        con.execute("CREATE TEMP TABLE pii AS SELECT unnest(?::VARCHAR[]) AS v", [sorted(values)])
        leaks = []
        for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'pub'"
        ).fetchall():
            hits = con.execute(
                f'SELECT count(*) FROM pub.marts."{table}" t JOIN pii ON CAST(t."{column}" AS '
                "VARCHAR) = pii.v"
            ).fetchall()[0][0]
            if hits:
                leaks.append(f"{table}.{column}")
    finally:
        con.close()
    assert leaks == []
