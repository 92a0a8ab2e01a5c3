"""The Dagster code location: the asset graph, checks, sensor, schedule, pools and the
settings they take."""

from __future__ import annotations

from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    build_sensor_context,
)

from dagster_project import definitions as code_location
from dagster_project.defs.jobs import JOB_NAME
from dagster_project.defs.quality_checks import quality_checks
from pipeline.core.config import Settings
from pipeline.core.paths import WarehousePaths
from pipeline.core.run_state import landing_snapshot, record_seen
from tests.conftest import cld_row, write_csv


def defs_on(tmp_path, **settings):
    """The definitions on tmp_path/landing and tmp_path/wh, with these settings."""
    settings = Settings.from_env(
        landing=tmp_path / "landing", warehouse=tmp_path / "wh", **settings
    )
    return code_location.build_definitions(settings)


def test_graph_has_ingestion_dbt_models_checks_and_publishing(tmp_path, dbt_manifest):
    defs = defs_on(tmp_path)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw/cld_events", "raw/payments", "raw/ref_teams"} <= keys
    assert {"staging/stg_cld__events", "intermediate/int_events_deduplicated"} <= keys
    assert {"marts/rpt_front_door_monthly", "published/warehouse"} <= keys
    # dbt sources are the very assets ingestion writes: one graph, not two.
    parents = graph.get(AssetKey(["staging", "stg_cld__code_values"])).parent_keys
    assert AssetKey(["raw", "cld_events"]) in parents
    publish_parents = graph.get(AssetKey(["published", "warehouse"])).parent_keys
    assert AssetKey(["marts", "rpt_front_door_monthly"]) in publish_parents
    # dbt tests are asset checks, among them the guard on unmapped codes.
    checks = {c.name for c in graph.asset_check_keys}
    assert any(name.startswith("all_codes_mapped") for name in checks)
    # Every step that writes DuckDB shares one pool; readers of the published file need none.
    job = defs.resolve_job_def(JOB_NAME)
    pools = {name: node.definition.pool for name, node in job.graph.node_dict.items()}
    writers = {"ingest_landing_files", "primed_dbt_models", "published__warehouse",
               "raw_extract_quality", "published_marts_quality"}  # fmt: skip
    assert {pools[name] for name in writers} == {"duckdb_writer"}
    assert pools["published__reports"] is None
    daily = defs.resolve_schedule_def("daily_refresh")
    assert (daily.cron_schedule, daily.execution_timezone) == ("0 6 * * *", "Europe/London")


def test_pool_schedule_and_paths_come_from_the_settings(tmp_path, dbt_manifest, monkeypatch):
    """The writers' pool, the schedule and its time zone are settings; the code location
    reads them (and the folders) from its environment once, as `dagster dev` loads it."""
    monkeypatch.setenv("PRIMED_WRITER_POOL", "primed_writer")
    monkeypatch.setenv("PRIMED_SCHEDULE", "30 7 * * 1-5")
    monkeypatch.setenv("PRIMED_TIMEZONE", "Europe/Dublin")
    monkeypatch.setenv("PRIMED_LANDING", str(tmp_path / "in"))
    monkeypatch.setenv("PRIMED_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setenv("PRIMED_SETTLE_SECONDS", "5")
    loaded = code_location.defs()
    job = loaded.resolve_job_def(JOB_NAME)
    pools = {node.definition.pool for node in job.graph.node_dict.values()}
    assert pools == {"primed_writer", None}
    daily = loaded.resolve_schedule_def("daily_refresh")
    assert (daily.cron_schedule, daily.execution_timezone) == ("30 7 * * 1-5", "Europe/Dublin")
    primed = loaded.resources["primed"]
    assert (primed.landing, primed.warehouse) == (str(tmp_path / "in"), str(tmp_path / "wh"))
    assert primed.settle_seconds == 5
    # dbt is given the warehouse's work database and the landing folder, and no more than
    # while it starts: this process's environment is as it was.
    from pipeline.transform.dbt_project import dbt_environment

    env = dbt_environment(primed, primed.paths, primed.landing_dir)
    assert env["PRIMED_WORK_DB"] == str(tmp_path / "wh" / "work" / "primed.duckdb")
    assert env["PRIMED_LANDING"] == str(tmp_path / "in")
    assert "PRIMED_SPARK_DIR" not in env


def test_dagster_checks_are_built_with_blocking_flags(tmp_path):
    marts = [AssetKey(["marts", n]) for n in ("rpt_front_door_monthly", "rpt_spend_monthly")]
    raw_check, mart_check = quality_checks(marts, "duckdb_writer")
    specs = {(s.asset_key.to_user_string(), s.name): s for s in raw_check.check_specs}
    assert specs[("raw/cld_events", "raw_cld_events_blocking")].blocking
    assert not specs[("raw/cld_events", "raw_cld_events_warnings")].blocking
    mspecs = {(s.asset_key.to_user_string(), s.name): s for s in mart_check.check_specs}
    assert mspecs[("marts/rpt_front_door_monthly", "shares_between_0_and_1")].blocking
    assert ("marts/rpt_spend_monthly", "row_count_vs_previous_publish") in mspecs


def test_sensor_requests_a_run_only_for_files_no_run_has_dealt_with(tmp_path, dbt_manifest):
    landing = tmp_path / "landing"
    landing.mkdir()
    defs = defs_on(tmp_path, settle_seconds=0)
    paths = WarehousePaths.at(tmp_path / "wh")
    paths.work_dir.mkdir(parents=True)
    sensor = defs.resolve_sensor_def("landing_file_sensor")

    def tick(instance):
        context = build_sensor_context(
            instance=instance, resources={"primed": defs.resources["primed"]}
        )
        return sensor.evaluate_tick(context)

    with DagsterInstance.ephemeral() as instance:
        assert tick(instance).skip_message == "no new or changed landing files"
        write_csv(landing / "cld_first.csv", [cld_row()])
        first = tick(instance).run_requests
        assert len(first) == 1
        # Until a run deals with it, the same file asks for the same run: Dagster starts it once.
        assert tick(instance).run_requests[0].run_key == first[0].run_key
        # A run dealt with it (loaded, skipped or refused): nothing to do, even after a restart.
        record_seen(paths, landing_snapshot(landing), set())
        assert tick(instance).skip_message == "no new or changed landing files"
        write_csv(landing / "cld_new.csv", [cld_row()])
        (landing / "notes.txt").write_text("not a landing file")
        second = tick(instance).run_requests
        assert len(second) == 1 and second[0].run_key != first[0].run_key
        # While a run is under way the sensor waits for it rather than queue another.
        instance.add_run(DagsterRun(job_name=JOB_NAME, status=DagsterRunStatus.STARTED))
        assert "is under way" in tick(instance).skip_message


def test_sensor_waits_for_a_file_still_being_written(tmp_path, dbt_manifest):
    landing = tmp_path / "landing"
    write_csv(landing / "cld_growing.csv", [cld_row()])
    defs = defs_on(tmp_path, settle_seconds=3600)
    sensor = defs.resolve_sensor_def("landing_file_sensor")
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(
            instance=instance, cursor=None, resources={"primed": defs.resources["primed"]}
        )
        result = sensor.evaluate_tick(context)
        assert result.run_requests == []
        assert "still being written" in result.skip_message
        assert result.cursor is None  # the same files are looked at again next tick
