"""The landing sensor: a run when a landing file is new or changed and has settled."""

import hashlib
import time

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from dagster_project.defs.ingest import landing_to_look_at
from dagster_project.defs.jobs import JOB_NAME, primed_job
from dagster_project.defs.resources import PrimedResource
from pipeline.core import run_state

IN_PROGRESS = [
    DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]  # fmt: skip


@sensor(job=primed_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def landing_file_sensor(context: SensorEvaluationContext, primed: PrimedResource):
    """Start a run when a landing file is new or changed since a run last dealt with it,
    once it has stopped changing, and no run is already under way."""
    new = run_state.unseen(primed.paths, landing_to_look_at(primed.landing_dir))
    if not new:
        return SkipReason("no new or changed landing files")
    newest = max(mtime for _, mtime in new.values()) / 1e9
    if time.time() - newest < primed.settle_seconds:
        return SkipReason("a landing file is still being written; waiting for it to settle")
    busy = context.instance.get_run_records(
        RunsFilter(job_name=JOB_NAME, statuses=IN_PROGRESS), limit=1
    )
    if busy:
        return SkipReason(f"run {busy[0].dagster_run.run_id} is under way; looking again after it")
    # The same new files give the same run key, so Dagster never starts their run twice.
    key = hashlib.sha256(repr(sorted(new.items())).encode()).hexdigest()
    return RunRequest(run_key=key, tags={"primed/new_files": str(len(new))})
