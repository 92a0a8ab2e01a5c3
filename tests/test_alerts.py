"""Alerts a council can route (issue 14): a failed run and a stale extract, each recorded in
`<warehouse>/alerts/alerts.jsonl` and handed to PRIMED_ALERT_COMMAND; and the freshness
checks that warn, in the UI, before an extract is missed."""

from __future__ import annotations

import json
from datetime import date

from dagster import (
    AssetCheckSeverity,
    AssetSpec,
    DagsterInstance,
    Definitions,
    build_run_status_sensor_context,
    build_sensor_context,
)

from dagster_project.definitions import build_definitions
from dagster_project.defs.freshness import freshness_checks
from dagster_project.defs.jobs import JOB_NAME
from dagster_project.defs.publish import PUBLISHED_KEY
from dagster_project.defs.resources import PrimedResource
from pipeline.core.config import Settings


def alerts(warehouse) -> list[dict]:
    path = warehouse / "alerts" / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_failed_run_is_alerted_and_handed_to_the_councils_command(
    tmp_path, dbt_manifest, monkeypatch
):
    monkeypatch.setenv("PRIMED_ALERT_COMMAND", f'cat > "{tmp_path}/$PRIMED_ALERT_KIND.txt"')
    settings = Settings.from_env(
        landing=tmp_path / "no such landing", warehouse=tmp_path / "wh", settle_seconds=0
    )
    defs = build_definitions(settings)
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
            resources={"primed": defs.resources["primed"]},
        ).for_run_failure()
        defs.resolve_sensor_def("alert_on_failed_run")(context)
    (alert,) = alerts(tmp_path / "wh")
    assert alert["kind"] == "run_failed" and alert["run_id"] == result.run_id
    assert "step ingest_landing_files: " in alert["message"]
    assert "no such landing: the landing folder does not exist" in alert["message"]
    assert (tmp_path / "run_failed.txt").read_text() == alert["message"]


def test_a_stale_extract_is_alerted_once_a_day(demo_copy, dbt_manifest):
    landing, paths = demo_copy
    defs = build_definitions(Settings.from_env(landing=landing, warehouse=paths.root))
    stale = defs.resolve_sensor_def("alert_on_stale_extract")

    def tick(instance, max_age_days: int, cursor: str | None = None):
        primed = primed_on(paths.root, max_data_age_days=max_age_days)
        context = build_sensor_context(instance, cursor=cursor, resources={"primed": primed})
        return stale.evaluate_tick(context)

    with DagsterInstance.ephemeral() as instance:
        fresh = tick(instance, 100000)
        assert "fresh: data up to 2025-03-31" in fresh.skip_message
        first = tick(instance, 120)
        assert first.cursor == date.today().isoformat()
        again = tick(instance, 120, first.cursor)
        assert again.skip_message == "stale, and already alerted today"
    sent = [a for a in alerts(paths.root) if a["kind"] == "stale_extract"]
    assert len(sent) == 1 and "runs to 2025-03-31" in sent[0]["message"]


def test_freshness_checks_warn_when_the_data_is_old(demo_build, tmp_path):
    _, paths = demo_build
    checks = freshness_checks(today=lambda: date(2025, 6, 1))
    Definitions.validate_loadable(
        Definitions(
            assets=[AssetSpec(PUBLISHED_KEY)],
            asset_checks=checks,
            resources={"primed": primed_on(paths.root)},
        )
    )
    results = [check(primed=primed_on(paths.root)) for check in checks]
    assert [r.passed for r in results] == [True, True]
    assert results[0].metadata["age_days"].value == 62
    stale = checks[0](primed=primed_on(paths.root, max_data_age_days=30))
    assert not stale.passed and stale.severity == AssetCheckSeverity.WARN
    assert "older than 30 days" in stale.description
    missing = checks[0](primed=primed_on(tmp_path / "nowhere"))
    assert not missing.passed and "nothing is published" in missing.description


def primed_on(warehouse, **settings) -> PrimedResource:
    return PrimedResource.from_settings(Settings.from_env(warehouse=warehouse, **settings))
