"""`primed run`: the Dagster job executed in this process, holding the warehouse, and what it
says about the run: each step's time, what was published, or why nothing was."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path

from pipeline.cli.common import lock_wait, say
from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths


def execute_job(
    landing: Path,
    paths: WarehousePaths,
    timings: list[dict] | None = None,
    settings: Settings | None = None,
):
    """The Dagster job once, in process, on what is in `landing` now; its result. When given
    `timings`, it receives each step's start and end (epoch seconds) from the run's events."""
    from pipeline.transform.dbt_project import prepare_manifest

    prepare_manifest()
    from dagster import DagsterInstance

    from dagster_project.definitions import build_definitions
    from dagster_project.defs.jobs import JOB_NAME

    settings = settings or Settings.from_env()
    logging.getLogger("dagster").propagate = False  # the job's own console logger shows it
    # Run now, on what is there: nothing is left to settle (the sensor waits for that).
    on_these = dataclasses.replace(
        settings, landing=Path(landing), warehouse=paths.root, settle_seconds=0
    )
    job = build_definitions(on_these).resolve_job_def(JOB_NAME)
    # The console says each failure once; run_pipeline says why at the end.
    console = {"log_level": "INFO", "show_failures": False}
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": console}}},
        )
        if timings is not None:
            timings.extend(step_timings(instance.all_logs(result.run_id)))
        return result


def step_timings(entries) -> list[dict]:
    """Each step's start, end and outcome, in the order the steps started, from a run's event
    log; and the messages it logged, with their times."""
    from dagster import DagsterEventType

    ends = {
        DagsterEventType.STEP_SUCCESS: "succeeded",
        DagsterEventType.STEP_FAILURE: "failed",
        DagsterEventType.STEP_SKIPPED: "skipped",
    }
    steps: dict[str, dict] = {}
    for entry in entries:
        if not entry.step_key:
            continue
        step = steps.setdefault(
            entry.step_key,
            {"step": entry.step_key, "start": entry.timestamp, "end": None, "messages": []},
        )
        kind = entry.dagster_event.event_type if entry.dagster_event else None
        if kind == DagsterEventType.STEP_START:
            step["start"] = entry.timestamp
        elif kind in ends:
            step["end"], step["status"] = entry.timestamp, ends[kind]
        elif kind is None and entry.user_message:
            step["messages"].append([entry.timestamp, entry.user_message])
    return sorted(steps.values(), key=lambda s: s["start"])


def run_pipeline(
    landing: Path,
    warehouse: Path,
    wait: float | None = None,
    timings_file: Path | None = None,
    settings: Settings | None = None,
) -> int:
    """Execute the Dagster job in process, holding the warehouse; non-zero when nothing could
    be published. Another run on the warehouse: wait up to `wait` seconds, then stop. With
    `timings_file`, each step's start and end (and logged messages) are written there as JSON.
    `settings`: the entry point's (default: read from the environment now)."""
    from pipeline.core.lock import warehouse_lock

    settings = settings or Settings.from_env()
    landing = Path(landing).resolve()
    paths = WarehousePaths.at(warehouse)
    if not landing.is_dir():
        raise PrimedError(f"the landing folder {landing} does not exist")
    with warehouse_lock(paths, "primed run", lock_wait(wait, settings), say):
        say(f"landing:   {landing}")
        say(f"warehouse: {paths.root}")
        started = time.perf_counter()
        timings: list[dict] = []
        result = execute_job(landing, paths, timings, settings)
        elapsed = time.perf_counter() - started
    say(
        "steps:     "
        + ", ".join(
            f"{s['step']} {s['end'] - s['start']:.0f}s"
            for s in timings
            if s["end"] and s.get("status") != "skipped"
        )
    )
    if timings_file:
        Path(timings_file).write_text(json.dumps({"run_id": result.run_id, "steps": timings}))
    return _outcome(result, paths, elapsed)


def _outcome(result, paths: WarehousePaths, elapsed: float) -> int:
    """Say how the run ended and where its release is; the exit code."""
    if not result.success:
        from dagster_project.defs.console import why_it_failed

        for line in why_it_failed(result.all_events):
            # A message's further lines as they are: a line to paste is ready to paste.
            say(line[2:] if line.startswith("  ") else f"primed: {line}")
        return 1
    if not _published(result):
        say(f"run {result.run_id} found nothing new in {elapsed:.0f}s: published is as it was")
        say(f"published: {paths.published_db}")
        return 0
    say(f"run {result.run_id} succeeded in {elapsed:.0f}s")
    say(f"published: {paths.published_db}")
    say(f"           {paths.published / 'parquet'}")
    say(f"reports:   {paths.published / 'reports' / 'index.html'}")
    return 0


def _published(result) -> bool:
    """Whether the run published a release (a run with nothing new ends after ingestion)."""
    from dagster_project.defs.publish import PUBLISHED_KEY

    return any(e.asset_key == PUBLISHED_KEY for e in result.get_asset_materialization_events())
