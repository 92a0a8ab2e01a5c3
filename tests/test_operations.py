"""Running a warehouse for months: one writer at a time, releases pruned without ever losing
the live one, and a warehouse rebuilt from its archive and pseudonym key alone."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.core.errors import PrimedError
from pipeline.core.lock import warehouse_lock
from pipeline.core.paths import WarehousePaths
from pipeline.ingest import (
    MANIFEST,
    disk_usage,
    ingest,
    rebuild_raw,
    withdraw,
)
from pipeline.publish.pruning import prune_releases, reader_pid
from tests.conftest import HEADERS, cld_row, payment_row, write_csv

HOLDER = """
import sys, time
from pipeline.core.lock import warehouse_lock
from pipeline.core.paths import WarehousePaths
with warehouse_lock(WarehousePaths.at(sys.argv[1]), "primed run"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(warehouse: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the warehouse for `seconds`, as a running `primed run` does."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


# --------------------------------------------------------------------------- one writer


def test_a_second_run_stops_at_once_saying_who_holds_the_warehouse(tmp_path, capsys):
    landing = tmp_path / "landing"
    write_csv(landing / "cld_q1.csv", [cld_row()])
    holder = hold(tmp_path / "wh", 60)
    try:
        started = time.monotonic()
        code = main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "wh")])
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert code == 2 and took < 10
    assert err.startswith(
        f"primed: error: another run holds the warehouse {WarehousePaths.at(tmp_path / 'wh').root}"
        f": `primed run` (pid {holder.pid} on "
    )
    assert " since " in err and "--wait SECONDS" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "wh" / "work" / "primed.duckdb").exists()  # nothing was touched


def test_a_second_run_waits_for_the_first_with_a_time_limit(tmp_path, capsys):
    landing = tmp_path / "landing"
    write_csv(landing / "cld_q1.csv", [cld_row()])
    wh = str(tmp_path / "wh")
    holder = hold(tmp_path / "wh", 60)
    try:
        assert main(["ingest", "--landing", str(landing), "--warehouse", wh, "--wait", "1"]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert "(waited 1s)" in capsys.readouterr().err
    # Killed with SIGKILL, the holder leaves no lock behind; one that finishes lets a waiter on.
    holder = hold(tmp_path / "wh", 2)
    try:
        assert main(["ingest", "--landing", str(landing), "--warehouse", wh, "--wait", "60"]) == 0
    finally:
        holder.wait()
    out = capsys.readouterr().out
    assert f"waiting up to 60s for `primed run` (pid {holder.pid} on " in out
    assert "the other run has finished; going on" in out and "loaded   cld_q1.csv: 1 rows" in out


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    paths = WarehousePaths.at(tmp_path / "wh")
    with warehouse_lock(paths, "primed run"), warehouse_lock(paths, "a step of the run"):
        pass
    with warehouse_lock(paths, "primed run"):  # released, so taken again at once
        pass


# --------------------------------------------------------------------------- releases


def _release(paths: WarehousePaths, name: str) -> Path:
    folder = paths.releases_dir / name
    (folder / "parquet").mkdir(parents=True)
    duckdb.connect(str(folder / "primed.duckdb")).execute("CREATE TABLE t AS SELECT 1").close()
    (folder / "primed.duckdb").chmod(0o444)
    return folder


def test_pruning_never_removes_the_live_release_nor_one_a_reader_holds_open(tmp_path):
    paths = WarehousePaths.at(tmp_path / "wh").ensure()
    a, b, c, d, e = (_release(paths, f"2025010{i}T000000_run{i}") for i in range(1, 6))
    (paths.releases_dir / ".20250106T000000_run6.building").mkdir()  # a build that died
    # The live release is the oldest (put back by hand after a bad publish, say).
    paths.published.symlink_to(Path("releases") / a.name, target_is_directory=True)
    reader = duckdb.connect(str(paths.published_db), read_only=True)  # a BI tool on `published`
    other = duckdb.connect(str(b / "primed.duckdb"), read_only=True)  # an analyst on release b
    try:
        assert reader_pid(b / "primed.duckdb") == os.getpid()
        assert reader_pid(c / "primed.duckdb") is None
        assert prune_releases(paths, keep=2) == [c]
        assert sorted(p.name for p in paths.releases_dir.iterdir()) == [
            a.name,
            b.name,
            d.name,
            e.name,
        ]
        assert reader.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
    finally:
        other.close()
        reader.close()
    # The reader gone, b goes; the live release stays even when only one is kept.
    assert prune_releases(paths, keep=1) == [b, d]
    assert sorted(p.name for p in paths.releases_dir.iterdir()) == [a.name, e.name]
    assert paths.published_db.exists()


def test_keep_releases_comes_from_the_environment(tmp_path, monkeypatch):
    paths = WarehousePaths.at(tmp_path / "wh").ensure()
    made = [_release(paths, f"2025010{i}T000000_run{i}") for i in range(1, 6)]
    paths.published.symlink_to(Path("releases") / made[-1].name, target_is_directory=True)
    monkeypatch.setenv("PRIMED_KEEP_RELEASES", "4")
    assert prune_releases(paths) == made[:1]
    monkeypatch.setenv("PRIMED_KEEP_RELEASES", "0")
    with pytest.raises(PrimedError, match="at least 1"):
        prune_releases(paths)


# --------------------------------------------------------------------------- backup and restore


def _landing(folder: Path) -> Path:
    """A landing folder of every kind: CLD (plain, gzipped, in a zip, with a bad row),
    payments, and reference files."""
    write_csv(
        folder / "cld_2024Q1.csv",
        [cld_row(), cld_row(event_reference="R2", event_start_date="2024-13-01")],
    )
    gz = write_csv(folder / "tmp.csv", [cld_row(event_reference="R3", event_type="Assessment")])
    (folder / "cld_2024Q2.csv.gz").write_bytes(gzip.compress(gz.read_bytes()))
    gz.unlink()
    teams = write_csv(folder / "teams.csv", [{"Team Code": "ARC", "Team Name": "Advice"}])
    with zipfile.ZipFile(folder / "extract.zip", "w") as z:
        z.write(teams, "reference/teams.csv")
        header = ",".join(HEADERS[c] for c in cld_row())
        z.writestr(
            "cld_2024Q3.csv", header + "\n" + ",".join(cld_row(event_reference="R4").values())
        )
    teams.unlink()
    write_csv(folder / "payments_2024.csv", [payment_row()])
    return folder


RAW = {
    "cld_events": "SELECT * EXCLUDE (_file_id, _loaded_at) FROM raw.cld_events ORDER BY ALL",
    "payments": "SELECT * EXCLUDE (_file_id, _loaded_at) FROM raw.payments ORDER BY ALL",
    "ref_teams": "SELECT * EXCLUDE (_file_id, _loaded_at) FROM raw.ref_teams ORDER BY ALL",
    "quarantine": "SELECT file_name, row_number, reasons, record FROM raw._quarantine ORDER BY ALL",
    "files": "SELECT file_name, kind, sha256, rows_read, rows_loaded, rows_quarantined "
    "FROM raw._files WHERE status = 'loaded' ORDER BY file_id",
}


def _raw(paths: WarehousePaths) -> dict[str, list]:
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in RAW.items()}
    finally:
        con.close()


def test_the_archive_and_the_key_rebuild_the_raw_layer(tmp_path, monkeypatch):
    landing = _landing(tmp_path / "landing")
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    withdraw(paths, "cld_2024Q1.csv", "sent in error")  # a rebuild withdraws it again
    before = _raw(paths)
    assert len(before["cld_events"]) == 3 and len(before["quarantine"]) == 1
    # The backup: the archive (with its manifest) and the key; nothing else.
    restored = WarehousePaths.at(tmp_path / "restored")
    shutil.copytree(paths.archive_dir, restored.archive_dir)
    with monkeypatch.context() as m:
        m.setenv("PRIMED_PSEUDONYM_KEY", "another-key-0123456789")
        with pytest.raises(PrimedError, match="differs from the one the archive was loaded with"):
            rebuild_raw(restored.root)
        m.delenv("PRIMED_PSEUDONYM_KEY")
        with pytest.raises(PrimedError, match="no pseudonym key: set PRIMED_PSEUDONYM_KEY"):
            rebuild_raw(restored.root)
    shutil.rmtree(restored.work_dir, ignore_errors=True)
    report = rebuild_raw(restored.root)
    assert [f.status for f in report.files] == ["loaded"] * 5
    assert _raw(restored) == before  # same rows, same quarantine, same pseudonyms
    con = duckdb.connect(str(restored.work_db), read_only=True)
    withdrawn = con.execute(
        "SELECT f.file_name, w.reason FROM raw._withdrawals w JOIN raw._files f USING (file_id) "
        "WHERE w.restored_at IS NULL"
    ).fetchall()
    con.close()
    assert withdrawn == [("cld_2024Q1.csv", "sent in error")]
    with pytest.raises(PrimedError, match="exists: a rebuild starts from the archive alone"):
        rebuild_raw(restored.root)


def test_a_key_rotation_makes_every_pseudonym_anew(tmp_path, monkeypatch):
    landing = _landing(tmp_path / "landing")
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    pseudonyms = "SELECT _la_person_pseudonym FROM raw.cld_events ORDER BY _row_number, 1"
    con = duckdb.connect(str(paths.work_db), read_only=True)
    old = con.execute(pseudonyms).fetchall()
    con.close()
    rotated = WarehousePaths.at(tmp_path / "rotated")
    shutil.copytree(paths.archive_dir, rotated.archive_dir)
    monkeypatch.setenv("PRIMED_PSEUDONYM_KEY", "the-new-key-0123456789abcdef")
    with pytest.raises(PrimedError, match="differs from the one the archive was loaded with"):
        rebuild_raw(rotated.root)
    shutil.rmtree(rotated.work_dir, ignore_errors=True)
    rebuild_raw(rotated.root, rotate_key=True)
    con = duckdb.connect(str(rotated.work_db), read_only=True)
    new = con.execute(pseudonyms).fetchall()
    con.close()
    assert len(new) == len(old) and not set(new) & set(old)
    # The archive now names the new key: the next restore needs it, and no flag.
    again = WarehousePaths.at(tmp_path / "again")
    shutil.copytree(rotated.archive_dir, again.archive_dir)
    assert rebuild_raw(again.root).loaded


def test_a_warehouse_without_a_manifest_gets_one_from_its_registry(tmp_path):
    landing = _landing(tmp_path / "landing")
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    manifest = paths.archive_dir / MANIFEST
    written = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert [e["file_name"] for e in written] == [
        "cld_2024Q1.csv",
        "cld_2024Q2.csv.gz",
        "extract.zip/reference/teams.csv",
        "extract.zip/cld_2024Q3.csv",
        "payments_2024.csv",
    ]
    manifest.unlink()  # as in a warehouse loaded before the manifest existed
    ingest(landing, paths.root)
    assert [json.loads(line) for line in manifest.read_text().splitlines()] == written


def test_the_demo_archive_rebuilds_the_demo_raw_layer(tmp_path, demo_build, capsys):
    """The demo warehouse's archive and key alone give back its raw layer, row for row (the
    job then builds the same marts from it, as every run does). The job itself is not run
    again here: tests/test_pipeline.py runs it on the same raw rows."""
    _landing_dir, demo = demo_build
    paths = WarehousePaths.at(tmp_path / "restored")
    shutil.copytree(demo.archive_dir, paths.archive_dir)
    if demo.secrets_dir.exists():
        shutil.copytree(demo.secrets_dir, paths.secrets_dir)
    report = rebuild_raw(paths.root)
    assert report.loaded and not report.refused
    assert _raw(paths) == _raw(demo)
    # The command refuses, in a sentence, to rebuild over a work database.
    assert main(["rebuild", "--warehouse", str(paths.root)]) == 2
    err = capsys.readouterr().err
    assert "exists: a rebuild starts from the archive alone; move the work folder away" in err
    usage = {u.what: u for u in disk_usage(demo)}
    assert set(usage) == {"releases", "archive", "quality", "work"}
    assert usage["archive"].bytes > 0 and "kept 24 months after the period" in usage["archive"].note
    assert main(["status", "--warehouse", str(demo.root)]) == 0
    status = capsys.readouterr().out
    assert "releases:" in status and "archive:" in status and "work:" in status
