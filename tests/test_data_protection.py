"""Personal data at rest (issue 17, docs/data-protection.md): what a warehouse keeps is private
to the service but for what it publishes; raw keeps no personal value as sent; and a loaded file
is purged from the archive beyond retention, while every row, figure, the row accounting and
the published releases stay as they were, and a rebuild still gives them all."""

from __future__ import annotations

import grp
import hashlib
import json
import os
import re
import shutil
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.core.errors import PrimedError
from pipeline.core.paths import PRIVATE, WarehousePaths, share
from pipeline.core.run_state import inputs_fingerprint
from pipeline.export.cld import export_cld
from pipeline.ingest import ingest, purge, purged_log, rebuild_raw, withdraw
from tests.conftest import cld_row, payment_row, write_csv
from tests.personal_data import columns_holding, leaks, personal_values


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def query(paths: WarehousePaths, sql: str) -> list:
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- private by default


def test_what_a_run_creates_is_private_but_what_it_publishes(demo_build):
    """The demo warehouse was built under umask 0 (tests/conftest.py), which would have made
    every file 666 and folder 777."""
    _landing, paths = demo_build
    assert mode(paths.root) == 0o711  # readers pass through to published/, list nothing
    # The private parts, as docs/data-protection.md lists them (and the code agrees).
    parts = ("work", "archive", "quality", "alerts", "secrets")
    assert set(PRIVATE) == set(parts)
    private = [paths.root / name for name in parts if (paths.root / name).exists()]
    assert {p.name for p in private} >= {"work", "archive", "quality"}
    checked = 0
    for part in private:
        for item in [part, *part.rglob("*")]:
            assert mode(item) == (0o700 if item.is_dir() else 0o600), item
            checked += 1
    assert checked > 50 and (paths.work_dir / "run.lock").exists()
    release = paths.published.resolve()
    assert release.parent == paths.releases_dir and mode(paths.releases_dir) == 0o755
    published = [release, *release.rglob("*")]
    assert (release / "reports" / "index.html").exists()
    assert any(p.suffix == ".parquet" for p in published)
    for item in published:
        assert mode(item) == (0o755 if item.is_dir() else 0o444), item
    assert paths.loose_modes() == []
    # dbt's target and logs of the run are the warehouse's own (work/dbt), checked above with
    # the rest of work/ (the project's parse cache too, which dagster-dbt copies with its mode).
    assert (paths.work_dir / "dbt" / "run_results.json").exists()
    assert (paths.work_dir / "dbt" / "partial_parse.msgpack").exists()


def test_status_warns_when_a_private_part_could_be_read_by_others(tmp_path, capsys):
    paths = WarehousePaths.at(tmp_path / "wh").ensure()
    assert main(["status", "--warehouse", str(paths.root)]) == 1  # nothing published yet
    assert "warning" not in capsys.readouterr().out
    copy = paths.archive_dir / "cld_2024Q1.csv"
    copy.write_text("as copied in by hand")
    copy.chmod(0o644)
    paths.releases_dir.chmod(0o777)
    assert main(["status", "--warehouse", str(paths.root)]) == 1
    out = capsys.readouterr().out
    assert (
        "warning: archive/: 1 item(s) others than primed's user may read, e.g. "
        f"archive/cld_2024Q1.csv (mode 644); fix: chmod -R go-rwx {paths.archive_dir}"
    ) in out
    assert f"warning: {paths.releases_dir} may be written by others" in out


def test_a_named_group_alone_reads_what_is_published(tmp_path, monkeypatch):
    # A group other than this user's own where it may give files to one (root may: any).
    others = [g.gr_gid for g in grp.getgrall()] if os.geteuid() == 0 else os.getgroups()
    gid = next((g for g in others if g != os.getgid()), os.getgid())
    monkeypatch.setenv("PRIMED_PUBLISH_GROUP", grp.getgrgid(gid).gr_name)
    paths = WarehousePaths.at(tmp_path / "wh").ensure()
    assert (mode(paths.root), paths.root.stat().st_gid) == (0o710, gid)
    assert (mode(paths.releases_dir), paths.releases_dir.stat().st_gid) == (0o750, gid)
    assert mode(paths.archive_dir) == 0o700
    release = paths.releases_dir / "20250101T000000_run"
    (release / "parquet").mkdir(parents=True)
    (release / "parquet" / "rpt.parquet").write_bytes(b"PAR1")
    share(release)
    items = (release, release / "parquet", release / "parquet" / "rpt.parquet")
    assert [(mode(p), p.stat().st_gid) for p in items] == [(0o750, gid), (0o750, gid), (0o440, gid)]
    monkeypatch.setenv("PRIMED_PUBLISH_GROUP", "no-such-group-for-primed")
    with pytest.raises(PrimedError, match="'no-such-group-for-primed', which does not exist"):
        paths.ensure()


# --------------------------------------------------------------------------- minimised

PERSON = {
    "nhs_number": "9434765919",
    "la_person_unique_identifier": "QX-778812",
    "first_name": "Zebediah",
    "last_name": "Quaxworth",
    "date_of_birth": "1941-07-19",
    "postcode": "ZE9 9QX",
    "adult_1_linked_person_id": "QX-445566",
}
AS_SENT = {"9434765919", "9434765910", "QX-778812", "Zebediah", "Quaxworth", "1941-07-19",
           "19.07.1941", "ZE9 9QX", "QX-445566"}  # fmt: skip


def _personal_landing(folder: Path) -> Path:
    rows = [
        cld_row(**PERSON),
        # A wrong check digit and no postcode: raw keeps that they were given, not well formed.
        cld_row(**{**PERSON, "nhs_number": "9434765910", "postcode": "not known"},
                event_reference="R2"),
        cld_row(**PERSON, event_reference="R3", event_start_date="2024-02-30"),  # quarantined
        cld_row(**{**PERSON, "date_of_birth": "19.07.1941"}, event_reference="R4"),  # quarantined
    ]  # fmt: skip
    path = write_csv(folder / "cld_person.csv", rows)
    with path.open("a", encoding="utf-8") as f:
        f.write('"E09000009,QX-778812 Zebediah Quaxworth,1941-07-19\n')  # a malformed line
    write_csv(
        folder / "payments_2024.csv", [payment_row(**{"LA Person Unique Identifier": "QX-778812"})]
    )
    return folder


def _raw_as_text(paths: WarehousePaths) -> str:
    tables = query(paths, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'")
    return "\n".join(repr(query(paths, f"SELECT * FROM raw.{t}")) for (t,) in tables)


def _records(paths: WarehousePaths) -> dict[int, dict]:
    rows = query(paths, "SELECT row_number, record FROM raw._quarantine ORDER BY 1")
    return {n: json.loads(r) for n, r in rows}


def test_raw_keeps_no_personal_value_as_sent(tmp_path):
    landing = _personal_landing(tmp_path / "landing")
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    kept = query(
        paths,
        "SELECT nhs_number, la_person_unique_identifier, first_name, last_name, date_of_birth, "
        "postcode, adult_1_linked_person_id, _nhs_number_pseudonym IS NOT NULL, "
        "_la_person_pseudonym IS NOT NULL, _adult_1_linked_person_pseudonym IS NOT NULL "
        "FROM raw.cld_events ORDER BY _row_number",
    )
    month = date(1941, 7, 1)
    assert kept == [
        ("*", "*", None, None, month, "*", "*", True, True, True),
        ("?", "*", None, None, month, "?", "*", False, True, True),
    ]
    assert query(paths, "SELECT la_person_unique_identifier FROM raw.payments") == [("*",)]
    records = _records(paths)
    assert records[3]["NHS Number"] == "*" and records[3]["Date of Birth"] == "1941-07-01"
    assert records[4]["Date of Birth"] == "99.99.9999"  # reported as not a date, from its shape
    assert "First Name" not in records[3] and "Last Name" not in records[4]
    assert records[5] == {"line": '"A99999999,AA-999999 AAAAAAAA AAAAAAAAA,9999-99-99\n'}
    assert not leaks(_raw_as_text(paths), AS_SENT)
    # The archive keeps the file as sent: it is what the CLD export reads them from.
    archived = next(paths.archive_dir.glob("*__cld_person.csv")).read_text()
    assert leaks(archived, AS_SENT) >= {"9434765919", "Zebediah", "ZE9 9QX"}


def test_a_warehouse_loaded_before_is_minimised_once(tmp_path):
    landing = _personal_landing(tmp_path / "landing")
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    rows_sql = "SELECT * EXCLUDE (_loaded_at) FROM raw.cld_events ORDER BY _row_number"
    expected = (query(paths, rows_sql), _records(paths))
    # As an earlier version left it: the values as sent in raw and in the quarantined records.
    con = duckdb.connect(str(paths.work_db))
    con.execute(
        "UPDATE raw.cld_events SET nhs_number = CASE WHEN _row_number = 1 THEN ' 943 476 5919' "
        "ELSE '9434765910' END, la_person_unique_identifier = 'QX-778812', first_name = "
        "'Zebediah', last_name = 'Quaxworth', date_of_birth = DATE '1941-07-19', postcode = "
        "CASE WHEN _row_number = 1 THEN 'ZE9 9QX' ELSE 'not known' END, "
        "adult_1_linked_person_id = 'QX-445566'"
    )
    con.execute(
        "UPDATE raw._quarantine SET record = json_merge_patch(record, json_object('NHS Number', "
        "'9434765919', 'First Name', 'Zebediah', 'Date of Birth', CASE WHEN row_number = 3 THEN "
        "'1941-07-19' ELSE '19.07.1941' END, 'Postcode', 'ZE9 9QX')) WHERE row_number IN (3, 4)"
    )
    con.execute(
        "UPDATE raw._quarantine SET record = json_object('line', 'QX-778812 Zebediah') "
        "WHERE row_number = 5"
    )
    con.execute("DELETE FROM raw._settings WHERE name = 'raw_minimised'")
    con.close()
    assert leaks(_raw_as_text(paths), AS_SENT)
    said: list[str] = []
    ingest(landing, paths.root, progress=said.append)
    assert said[0] == "minimised the personal fields of 3 loaded row(s)"  # 2 CLD, 1 payment
    records = _records(paths)
    assert records[5] == {"line": "AA-999999 AAAAAAAA"}
    records[5] = expected[1][5]
    assert (query(paths, rows_sql), records) == expected
    assert not leaks(_raw_as_text(paths), AS_SENT)
    said.clear()
    ingest(landing, paths.root, progress=said.append)  # once: never again
    assert not any(line.startswith("minimised") for line in said)


def test_the_demo_raw_layer_holds_none_of_its_peoples_values(demo_build):
    landing, paths = demo_build
    # A date of birth kept to its month is the date itself for those born on the 1st.
    values = {v for v in personal_values(landing) if not re.fullmatch(r"\d{4}-\d{2}-01", v)}
    assert len(values) > 1000
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        where = "schema_name = 'raw' AND data_type IN ('VARCHAR', 'DATE')"
        found = columns_holding(con, values, where)
        records = con.execute("SELECT record::VARCHAR FROM raw._quarantine").fetchall()
    finally:
        con.close()
    assert found == []
    assert records and not leaks("\n".join(r[0] for r in records), values)


# --------------------------------------------------------------------------- retention

TODAY = date(2026, 6, 30)  # 24 months on, files covering periods up to 2024-06-29 are due
RAW_TABLES = ("cld_events", "payments", "ref_teams", "ref_workers", "ref_targets",
              "ref_population", "ref_actions", "ref_code_mappings")  # fmt: skip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(paths: WarehousePaths) -> dict:
    """Everything a model, the row accounting and lineage read, and the live release."""
    state = {
        t: query(paths, f"SELECT * EXCLUDE (_extra) FROM raw.{t} ORDER BY ALL") for t in RAW_TABLES
    }
    state["files"] = query(paths, "SELECT * FROM raw._files ORDER BY file_id")
    state["quarantine"] = query(
        paths, "SELECT * EXCLUDE (record) FROM raw._quarantine ORDER BY ALL"
    )
    state["release"] = (os.readlink(paths.published), _digest(paths.published_db))
    # What decides whether a run has anything new to build (pipeline/core/run_state.py).
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        state["inputs"] = inputs_fingerprint(con)
    finally:
        con.close()
    return state


@pytest.fixture(scope="module")
def purged(demo_build, tmp_path_factory):
    _landing, demo = demo_build
    paths = WarehousePaths.at(tmp_path_factory.mktemp("purge") / "warehouse")
    shutil.copytree(demo.root, paths.root, symlinks=True)
    before = _state(paths)
    due = purge(paths, 24, TODAY)
    return paths, before, due


def test_purge_removes_the_files_beyond_retention(purged):
    paths, _before, due = purged
    cld = sorted(f.file_name for f in due if f.kind == "cld")
    assert cld == [f"cld_E09000009_{d}.csv" for d in (
        "2022-06-30", "2022-09-30", "2022-12-31", "2023-03-31", "2023-06-30", "2023-09-30",
        "2023-12-31", "2024-03-31")]  # fmt: skip
    assert {f.kind for f in due} == {"cld", "payments"}  # the current reference files stay
    assert all(f.covered_to < date(2024, 6, 30) for f in due)
    for f in due:
        assert not (paths.archive_dir / Path(f.archived_as).name).exists()
        assert (paths.archive_dir / "purged" / Path(f.archived_as).name / "rows.parquet").exists()
    assert set(purged_log(paths)) == {f.sha256 for f in due}
    kept = [p.name for p in paths.archive_dir.glob("*__cld_*.csv")]
    assert sorted(kept)[0].endswith("2024-06-30.csv") or len(kept) == 4
    ids = ", ".join(str(f.file_id) for f in due)
    assert query(paths, f"SELECT count(*) FROM raw._quarantine WHERE file_id IN ({ids}) "
                        "AND record IS NOT NULL") == [(0,)]  # fmt: skip
    assert query(paths, f"SELECT count(*) FROM raw._quarantine WHERE file_id NOT IN ({ids}) "
                        "AND record IS NULL") == [(0,)]  # fmt: skip
    assert purge(paths, 24, TODAY) == []  # done once


def test_a_purge_changes_no_row_figure_accounting_or_release(purged):
    """Nothing a model reads has changed (so no figure can), nor the inputs' fingerprint (so the
    next run has nothing new to publish), nor the registry, the accounting or the release."""
    paths, before, _due = purged
    assert _state(paths) == before


def test_what_a_purge_costs_the_export(purged, tmp_path):
    paths, _before, _due = purged
    counts = export_cld(paths.root, date(2025, 3, 31), tmp_path / "cld.csv")
    assert counts["rows"] > 100  # within retention: read from files still in the archive
    with pytest.raises(PrimedError, match="no longer in the archive.*purged after PRIMED_RETAIN"):
        export_cld(paths.root, date(2023, 3, 31), tmp_path / "old.csv")
    assert not (tmp_path / "old.csv").exists()


def test_a_purged_warehouse_rebuilds_every_row(purged, tmp_path, monkeypatch):
    paths, _before, due = purged
    restored = WarehousePaths.at(tmp_path / "restored")
    shutil.copytree(paths.archive_dir, restored.archive_dir)
    report = rebuild_raw(restored.root)
    assert len(report.loaded) == len(
        query(paths, "SELECT 1 FROM raw._files WHERE status = 'loaded'")
    )
    assert sum("purged on" in f.reason for f in report.files) == len(due)
    rows = {
        t: f"SELECT * EXCLUDE (_loaded_at, _extra) FROM raw.{t} ORDER BY ALL" for t in RAW_TABLES
    }
    rows["quarantine"] = "SELECT * EXCLUDE (loaded_at) FROM raw._quarantine ORDER BY ALL"
    rows["files"] = (
        "SELECT file_id, file_name, kind, sha256, rows_read, rows_loaded, rows_quarantined "
        "FROM raw._files WHERE status = 'loaded' ORDER BY file_id"
    )
    rows["purged"] = "SELECT file_id, covered_to FROM raw._purged ORDER BY ALL"
    assert {k: query(restored, q) for k, q in rows.items()} == {
        k: query(paths, q) for k, q in rows.items()
    }
    # A new key cannot pseudonymise again what is kept only as pseudonyms.
    rotated = WarehousePaths.at(tmp_path / "rotated")
    shutil.copytree(paths.archive_dir, rotated.archive_dir)
    monkeypatch.setenv("PRIMED_PSEUDONYM_KEY", "a-new-key-0123456789abcdef")
    with pytest.raises(PrimedError, match=f"{len(due)} loaded file\\(s\\) were purged"):
        rebuild_raw(rotated.root, rotate_key=True)


def test_primed_purge_says_what_it_would_do_and_a_withdrawal_outlives_it(
    tmp_path, monkeypatch, capsys
):
    landing = tmp_path / "landing"
    old = {"reporting_period_start_date": "2018-04-01", "reporting_period_end_date": "2019-03-31",
           "event_start_date": "2019-01-10", "event_end_date": "2019-01-12"}  # fmt: skip
    write_csv(landing / "cld_2019.csv", [cld_row(**old, **PERSON)])
    write_csv(landing / "cld_2024.csv", [cld_row(**PERSON, event_reference="R9")])
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    withdraw(paths, "cld_2019.csv", "the test system's extract")
    # Whatever today is, the 2019 file is beyond retention and the 2024 one is not.
    monkeypatch.setenv("PRIMED_RETAIN_MONTHS", str((date.today().year - 2020) * 12))
    wh = ["--warehouse", str(paths.root)]
    assert main(["purge", *wh, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would purge cld_2019.csv (id 1, covers to 2019-03-31)" in out
    assert "1 loaded file(s) would be purged" in out
    assert len(list(paths.archive_dir.glob("*__cld_*.csv"))) == 2
    assert main(["purge", *wh]) == 0
    assert "purging cld_2019.csv" in capsys.readouterr().out
    assert [p.name.split("__")[1] for p in paths.archive_dir.glob("*__cld_*.csv")] == [
        "cld_2024.csv"
    ]
    assert main(["status", *wh]) == 1  # nothing published here
    assert "1 purged (their pseudonymised rows kept in archive/purged/)" in capsys.readouterr().out
    restored = WarehousePaths.at(tmp_path / "restored")
    shutil.copytree(paths.archive_dir, restored.archive_dir)
    rebuild_raw(restored.root)
    assert query(
        restored,
        "SELECT f.file_name, w.reason FROM raw._withdrawals w JOIN raw._files f USING (file_id)",
    ) == [("cld_2019.csv", "the test system's extract")]
