"""Alerts a council can route (issue 14): a failed run and a stale extract, each recorded in
`<warehouse>/alerts/alerts.jsonl` and handed to PRIMED_ALERT_COMMAND."""

from __future__ import annotations

import json
from datetime import date

from dagster import DagsterInstance, build_run_status_sensor_context, build_sensor_context

from dagster_project.pipeline_defs import JOB_NAME, build_definitions


def alerts(warehouse) -> list[dict]:
    path = warehouse / "alerts" / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_failed_run_is_alerted_and_handed_to_the_councils_command(
    tmp_path, dbt_manifest, monkeypatch
):
    monkeypatch.setenv("PRIMED_ALERT_COMMAND", f'cat > "{tmp_path}/$PRIMED_ALERT_KIND.txt"')
    defs = build_definitions(tmp_path / "no such landing", tmp_path / "wh", settle_seconds=0)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert not result.success
        context = build_run_status_sensor_context(
            sensor_name="alert_on_failed_run",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
        ).for_run_failure()
        defs.resolve_sensor_def("alert_on_failed_run")(context)
    (alert,) = alerts(tmp_path / "wh")
    assert alert["kind"] == "run_failed" and alert["run_id"] == result.run_id
    assert "step ingest_landing_files: " in alert["message"]
    assert "no such landing: the landing folder does not exist" in alert["message"]
    assert (tmp_path / "run_failed.txt").read_text() == alert["message"]


def test_a_stale_extract_is_alerted_once_a_day(demo_copy, monkeypatch):
    landing, paths = demo_copy
    defs = build_definitions(landing, paths.root, settle_seconds=0)
    stale = defs.resolve_sensor_def("alert_on_stale_extract")
    monkeypatch.setenv("PRIMED_MAX_DATA_AGE_DAYS", "100000")
    with DagsterInstance.ephemeral() as instance:
        fresh = stale.evaluate_tick(build_sensor_context(instance=instance))
        assert "fresh: data up to 2025-03-31" in fresh.skip_message
        monkeypatch.setenv("PRIMED_MAX_DATA_AGE_DAYS", "120")
        first = stale.evaluate_tick(build_sensor_context(instance=instance))
        assert first.cursor == date.today().isoformat()
        again = stale.evaluate_tick(build_sensor_context(instance=instance, cursor=first.cursor))
        assert again.skip_message == "stale, and already alerted today"
    sent = [a for a in alerts(paths.root) if a["kind"] == "stale_extract"]
    assert len(sent) == 1 and "runs to 2025-03-31" in sent[0]["message"]
