"""Write-audit-publish under fire: a run killed with SIGKILL at any stage leaves the published
warehouse as it was, and the next run succeeds and loads nothing twice."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys

import duckdb
import pytest

from pipeline.cli import run_pipeline
from pipeline.core.paths import WarehousePaths
from pipeline.demo import generate

pytestmark = pytest.mark.slow  # four runs of the pipeline

# A line the run prints while in each stage; the run is killed as soon as it appears.
STAGE_MARKERS = {
    "ingest": "ingest_landing_files   loaded",
    "dbt": "START sql table model",
    "publish": "published__warehouse     ",
}


def published_state(paths: WarehousePaths) -> tuple[str, str]:
    return os.readlink(paths.published), hashlib.sha256(paths.published_db.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, dbt_manifest):
    """A warehouse published from half the extracts, and a landing folder with all of them."""
    base = tmp_path_factory.mktemp("crash")
    landing = base / "landing"
    generate(landing, seed=5, scale=0.02)
    first = base / "first"
    shutil.copytree(landing, first)
    for path in sorted(first.glob("cld_*.csv"))[6:]:
        path.unlink()
    paths = WarehousePaths.at(base / "warehouse")
    assert run_pipeline(first, paths.root) == 0
    return landing, paths


def run_killed_at(landing, paths: WarehousePaths, stage: str) -> None:
    """`primed run` in its own process group (the CLI and the dbt it starts), killed with
    SIGKILL, all of it at once, as soon as it prints STAGE_MARKERS[stage]."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pipeline.cli", "run", "--landing", str(landing),
         "--warehouse", str(paths.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    seen = []
    assert proc.stdout is not None
    for text in proc.stdout:
        seen.append(text)
        if STAGE_MARKERS[stage] in text:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"{stage}: " + "".join(seen[-20:])


def test_sigkill_at_any_stage(tmp_path, baseline):
    """Killed in ingestion, then (the next run, on what that left) in dbt, then in publishing:
    after each kill the published warehouse is as it was, and each next run gets past where
    the last one was killed. The run after them succeeds and has loaded nothing twice. (One
    chain rather than a fresh copy per stage: the same kills, two whole runs fewer.)"""
    landing, base_paths = baseline
    paths = WarehousePaths.at(tmp_path / "warehouse")
    shutil.copytree(base_paths.root, paths.root, symlinks=True)
    before = published_state(paths)

    for stage in STAGE_MARKERS:
        run_killed_at(landing, paths, stage)
        assert published_state(paths) == before, f"killed in {stage}"

    assert run_pipeline(landing, paths.root) == 0
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        per_file = con.execute(
            "SELECT file_name, count(*) FROM raw._files WHERE status = 'loaded' GROUP BY 1"
        ).fetchall()
        rows, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (_file_name, _row_number)) FROM raw.cld_events"
        ).fetchall()[0]
        expected = con.execute(
            "SELECT sum(rows_loaded) FROM raw._files WHERE kind = 'cld' AND status = 'loaded'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert all(n == 1 for _, n in per_file)
    assert len(per_file) == len(list(landing.rglob("*.csv")))
    assert rows == distinct == expected
    assert published_state(paths) != before
