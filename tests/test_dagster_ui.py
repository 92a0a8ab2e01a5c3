"""The Dagster UI that the README offers, started as a user starts it (issue 14).

`primed dagster` (what `make dagster` runs) on a copy of the demo warehouse: the webserver
answers; its GraphQL API shows the job, the sensors and the schedule; the landing sensor, with
every file dealt with before, starts nothing; a run launched through the API on a new file
succeeds and publishes it; a screenshot of the asset lineage is kept in tests/artifacts/. Then
everything started is stopped. The deployment's services (deploy/systemd) are started the same
way, with Dagster's run history in a throwaway PostgreSQL server.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.core.paths import WarehousePaths
from pipeline.transform.dbt_project import PROJECT_DIR
from tests.browser import Browser, find_chromium
from tests.dagster_services import GraphQL, Services, free_port
from tests.postgres import postgres_server, server_programs

ARTIFACTS = Path(__file__).parent / "artifacts"
BIN = Path(sys.executable).parent


def demo_copy(demo_build, base: Path) -> tuple[Path, WarehousePaths]:
    """The demo's landing and warehouse, copied (times kept): every file dealt with before."""
    landing, paths = demo_build
    shutil.copytree(landing, base / "landing")
    shutil.copytree(paths.root, base / "warehouse", symlinks=True)
    return base / "landing", WarehousePaths.at(base / "warehouse")


def service_env(landing: Path, paths: WarehousePaths, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DAGSTER_HOME=str(home),
        PRIMED_LANDING=str(landing),
        PRIMED_WAREHOUSE=str(paths.root),
        PRIMED_SETTLE_SECONDS="1",
        PRIMED_DOCS_SITE="0",
    )
    return env


def land_new_request(landing: Path) -> None:
    """The latest extract exported again, settled, with one more request: a corrected
    re-export (issue 18) that supersedes the file it corrects. (A small file of its own
    would, as DHSC's rule has it, become the latest submission for the quarters it covers, and
    the row-count check would rightly stop it being published.)"""
    path = landing / "cld_E09000009_2025-03-31.csv"
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        headers, rows = list(reader.fieldnames or []), list(reader)
    request = next(r for r in rows if r["Event Type"] == "Request" and r["Event End Date"])
    with path.open("a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, headers, lineterminator="\n")
        writer.writerow(request | {"Event Reference": "UI-TEST-1"})
    old = time.time() - 600
    os.utime(path, (old, old))


def wait_for_first_tick(api: GraphQL, repo: dict, sensor: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Newest first; a tick still being evaluated (STARTED) has no outcome yet.
        finished = [t for t in api.sensor_ticks(repo, sensor) if t["status"] != "STARTED"]
        if finished:
            return finished[-1]
        time.sleep(2)
    raise TimeoutError(f"the sensor {sensor} did not finish a tick in {timeout:.0f}s")


def request_count(paths: WarehousePaths, reference: str) -> int:
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return con.execute(
            "SELECT count(*) FROM marts.fct_requests WHERE event_reference = ?", [reference]
        ).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def services(tmp_path):
    started = Services(tmp_path / "logs")
    yield started
    started.stop()


@pytest.mark.browser
def test_the_readme_dagster_ui_starts_runs_and_shows_lineage(
    tmp_path, demo_build, dbt_manifest, services
):
    landing, paths = demo_copy(demo_build, tmp_path)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", home)
    port = free_port()
    services.start(
        "dagster-dev",
        [str(BIN / "primed"), "dagster", "--landing", str(landing), "--warehouse",
         str(paths.root), "--port", str(port)],
        service_env(landing, paths, home), PROJECT_DIR,
    )  # fmt: skip
    api = GraphQL(port)
    services.wait_until(api.answers)
    services.wait_until(lambda: _loaded(api))
    repo = api.repository()
    assert "primed_job" in {j["name"] for j in repo["jobs"]}
    sensors = {s["name"]: s["sensorState"]["status"] for s in repo["sensors"]}
    assert sensors == {
        "landing_file_sensor": "RUNNING",
        "alert_on_failed_run": "RUNNING",
        "alert_on_stale_extract": "RUNNING",
    }
    assert [s["name"] for s in repo["schedules"]] == ["daily_refresh"]
    # Every landing file was dealt with before: the sensor starts nothing.
    tick = wait_for_first_tick(api, repo, "landing_file_sensor")
    assert tick["status"] == "SKIPPED" and not tick["runIds"], tick
    assert tick["skipReason"] == "no new or changed landing files"
    # A new extract lands; a run launched through the API loads and publishes it.
    release = os.readlink(paths.published)
    land_new_request(landing)
    run_id = api.launch(repo, "primed_job")
    assert api.wait_for_run(run_id) == "SUCCESS", api.run_logs(run_id)[-20:]
    assert os.readlink(paths.published) != release
    assert request_count(paths, "UI-TEST-1") == 1
    assert any("published" in line for line in api.run_logs(run_id))
    _screenshot_lineage(port, tmp_path)


def _loaded(api: GraphQL) -> bool:
    try:
        return bool(api.repository()["jobs"])
    except (AssertionError, ValueError, KeyError):
        return False


def _screenshot_lineage(port: int, tmp_path: Path) -> None:
    exe = find_chromium()
    if exe is None:
        pytest.fail("headless Chromium is needed: apt-get install -y chromium")
    browser = Browser(exe, tmp_path / "chromium-profile", timeout=60)
    try:
        page = browser.open(f"http://127.0.0.1:{port}/asset-groups")
        deadline = time.monotonic() + 60
        text = ""
        groups = ("ingestion", "reference", "staging", "intermediate", "marts", "publish")
        while time.monotonic() < deadline:
            text = page.evaluate("document.body.innerText") or ""
            if "Global asset lineage" in text and all(g in text for g in groups):
                break
            time.sleep(1)
        time.sleep(2)  # let the graph finish laying out
        page.screenshot(ARTIFACTS / "dagster-asset-lineage.png")
        assert all(g in text for g in groups), text[:500]
        assert "Join the Dagster community" not in text  # no sign-up prompt (nux: off)
    finally:
        browser.close()


@pytest.mark.postgres
@pytest.mark.skipif(server_programs() is None, reason="PostgreSQL not installed")
def test_the_deployment_services_start_from_their_unit_files(
    tmp_path, demo_build, dbt_manifest, services
):
    """deploy/systemd: the webserver and the daemon as their units start them, with the
    instance settings of deploy/dagster.yaml: run history in PostgreSQL."""
    psycopg2 = pytest.importorskip("psycopg2")
    landing, paths = demo_copy(demo_build, tmp_path)
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = (PROJECT_DIR / "deploy" / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text(
        config.replace("/var/lib/primed/dagster", str(home))
    )  # fmt: skip
    port = free_port()
    with postgres_server(database="primed_dagster") as pg:
        env = service_env(landing, paths, home)
        env.update(
            DAGSTER_PG_HOST=pg["host"], DAGSTER_PG_PORT=str(pg["port"]),
            DAGSTER_PG_DB=pg["dbname"], DAGSTER_PG_USER=pg["user"], DAGSTER_PG_PASSWORD="",
        )  # fmt: skip
        for unit in ("primed-webserver", "primed-daemon"):
            args = unit_command(PROJECT_DIR / "deploy" / "systemd" / f"{unit}.service", port)
            services.start(unit, args, env, PROJECT_DIR)
        api = GraphQL(port)
        services.wait_until(api.answers)
        services.wait_until(lambda: _loaded(api))
        info = api("{ instance { info } }")["instance"]["info"]
        assert "PostgresRunStorage" in info and "PostgresEventLogStorage" in info
        repo = api.repository()
        tick = wait_for_first_tick(api, repo, "landing_file_sensor")
        assert tick["status"] == "SKIPPED" and not tick["runIds"], tick
        assert tick["skipReason"] == "no new or changed landing files"
        run_id = api.launch(repo, "primed_job")
        assert api.wait_for_run(run_id) == "SUCCESS"
        assert any("nothing new since run" in line for line in api.run_logs(run_id))
        con = psycopg2.connect(**pg)
        try:
            cur = con.cursor()
            cur.execute("SELECT status FROM runs WHERE run_id = %s", [run_id])
            assert cur.fetchall() == [("SUCCESS",)]
            cur.execute("SELECT count(*) FROM job_ticks")
            assert cur.fetchone()[0] >= 1  # the daemon's sensor ticks, in PostgreSQL too
        finally:
            con.close()
        services.stop()


def unit_command(unit: Path, port: int) -> list[str]:
    """A unit's ExecStart as this checkout runs it: /opt/primed is the project, on a free port."""
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=").replace("/opt/primed/.venv/bin", str(BIN))
    return re.sub(r"-p \d+", f"-p {port}", command).split()
