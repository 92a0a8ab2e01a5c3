"""The Dagster code location: the asset graph, checks, sensor, schedule and pools."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance, build_sensor_context

from dagster_project.pipeline_defs import JOB_NAME, POOL, build_definitions
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


def test_sensor_requests_a_run_only_when_landing_files_change(tmp_path, dbt_manifest):
    landing = tmp_path / "landing"
    landing.mkdir()
    defs = build_definitions(landing, tmp_path / "wh", settle_seconds=0)
    sensor = defs.resolve_sensor_def("landing_file_sensor")
    with DagsterInstance.ephemeral() as instance:
        ctx = build_sensor_context(instance=instance, cursor=None)
        assert sensor.evaluate_tick(ctx).run_requests == []  # nothing has landed yet
        write_csv(landing / "cld_first.csv", [cld_row()])
        first = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=None))
        assert len(first.run_requests) == 1
        ctx = build_sensor_context(instance=instance, cursor=first.cursor)
        assert sensor.evaluate_tick(ctx).run_requests == []
        write_csv(landing / "cld_new.csv", [cld_row()])
        ctx = build_sensor_context(instance=instance, cursor=first.cursor)
        third = sensor.evaluate_tick(ctx)
        assert len(third.run_requests) == 1
        assert third.run_requests[0].run_key != first.run_requests[0].run_key
        (landing / "notes.txt").write_text("not a landing file")
        ctx = build_sensor_context(instance=instance, cursor=third.cursor)
        assert sensor.evaluate_tick(ctx).run_requests == []


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
