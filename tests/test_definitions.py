"""The Dagster code location: the asset graph, checks, sensor, schedule and pools."""

from __future__ import annotations

from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    build_sensor_context,
)

from dagster_project.pipeline_defs import JOB_NAME, POOL, build_definitions
from pipeline.core.paths import WarehousePaths
from pipeline.core.run_state import landing_snapshot, record_seen
from tests.conftest import cld_row, write_csv


def test_graph_has_ingestion_dbt_models_checks_and_publishing(tmp_path, dbt_manifest):
    defs = build_definitions(tmp_path / "landing", tmp_path / "wh")
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
    writers = {"ingest_landing_files", "primed_dbt_models", "published__warehouse"}
    assert {pools[name] for name in writers} == {POOL}
    assert pools["published__reports"] is None
    assert defs.resolve_schedule_def("daily_refresh").cron_schedule == "0 6 * * *"


def test_sensor_requests_a_run_only_for_files_no_run_has_dealt_with(tmp_path, dbt_manifest):
    landing = tmp_path / "landing"
    landing.mkdir()
    defs = build_definitions(landing, tmp_path / "wh", settle_seconds=0)
    paths = WarehousePaths.at(tmp_path / "wh")
    paths.work_dir.mkdir(parents=True)
    sensor = defs.resolve_sensor_def("landing_file_sensor")

    def tick(instance):
        return sensor.evaluate_tick(build_sensor_context(instance=instance))

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
    defs = build_definitions(landing, tmp_path / "wh", settle_seconds=3600)
    sensor = defs.resolve_sensor_def("landing_file_sensor")
    with DagsterInstance.ephemeral() as instance:
        result = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=None))
        assert result.run_requests == []
        assert "still being written" in result.skip_message
        assert result.cursor is None  # the same files are looked at again next tick
