"""Alerts a council can route: a run that failed, and an extract that has gone stale.

Each alert is one JSON line appended to `<warehouse>/alerts/alerts.jsonl` (time, kind,
subject, message, run id), a line in the Dagster daemon's log (the system journal when run as a
service), and, when `PRIMED_ALERT_COMMAND` is set (`settings.alert_command`), that command
run through the shell with the message on its standard input and `PRIMED_ALERT_KIND` and
`PRIMED_ALERT_SUBJECT` in its environment: `mail -s "$PRIMED_ALERT_SUBJECT" team@council`, a
`curl` to a Teams or Slack webhook, or the council's monitoring agent. Messages name runs,
steps, checks and files, never a person.
"""

import json
import logging
import os
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from dagster_project.defs.console import step_error_lines
from dagster_project.defs.freshness import published_data_dates
from dagster_project.defs.resources import PrimedResource
from pipeline.core.config import VARIABLES
from pipeline.core.paths import WarehousePaths, private_dir

COMMAND_ENV = VARIABLES["alert_command"].name
MAX_AGE_ENV = VARIABLES["max_data_age_days"].name
log = logging.getLogger("primed.alerts")


def send_alert(
    paths: WarehousePaths,
    kind: str,
    subject: str,
    message: str,
    run_id: str | None = None,
    logger: logging.Logger | None = None,
    command: str = "",
) -> Path:
    """Record an alert and hand it to the council's `command` (PRIMED_ALERT_COMMAND), if any;
    the alerts file."""
    out = private_dir(paths.alerts_dir) / "alerts.jsonl"
    record = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": kind,
        "subject": subject,
        "message": message,
        "run_id": run_id,
        "warehouse": str(paths.root),
    }
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    (logger or log).error(f"ALERT {kind}: {subject}")
    if command:
        env = dict(os.environ, PRIMED_ALERT_KIND=kind, PRIMED_ALERT_SUBJECT=subject)
        try:
            done = subprocess.run(
                command, shell=True, input=message, text=True, env=env, timeout=60,
                capture_output=True,
            )  # fmt: skip
            if done.returncode != 0:
                (logger or log).warning(f"{COMMAND_ENV} exited with {done.returncode}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            (logger or log).warning(f"{COMMAND_ENV} could not be run: {exc}")
    return out


@run_failure_sensor(
    name="alert_on_failed_run",
    default_status=DefaultSensorStatus.RUNNING,
    description="Sends an alert when a run fails (see dagster_project/defs/alerts.py).",
)
def alert_on_failed_run(context: RunFailureSensorContext, primed: PrimedResource) -> None:
    run = context.dagster_run
    lines = [f"primed run {run.run_id} of {run.job_name} failed; nothing was published."]
    for event in context.get_step_failure_events():
        first = step_error_lines(event.step_failure_data.error)[0]
        lines.append(f"step {event.step_key}: {first}")
    send_alert(
        primed.paths, "run_failed", f"primed: run {run.run_id[:8]} failed", "\n".join(lines),
        run.run_id, context.log, primed.alert_command,
    )  # fmt: skip


@sensor(
    name="alert_on_stale_extract",
    minimum_interval_seconds=3600,
    default_status=DefaultSensorStatus.RUNNING,
    description="Sends an alert, once a day, while the published data date is older than "
    f"{MAX_AGE_ENV}.",
)
def alert_on_stale_extract(context: SensorEvaluationContext, primed: PrimedResource):
    paths = primed.paths
    if not paths.published_db.exists():
        return SkipReason("nothing is published yet")
    data_date, _ = published_data_dates(paths.published_db)
    limit = primed.max_data_age_days
    age = (date.today() - data_date).days if data_date else None
    if age is not None and age <= limit:
        return SkipReason(f"fresh: data up to {data_date}, {age} days old")
    today = date.today().isoformat()
    if context.cursor == today:
        return SkipReason("stale, and already alerted today")
    subject = f"primed: the newest extract is {age} days old"
    message = (
        f"The published data runs to {data_date}, {age} days ago (limit {limit}). "
        "Is a quarterly extract missing from the landing folder?"
    )
    send_alert(paths, "stale_extract", subject, message, None, context.log, primed.alert_command)
    context.update_cursor(today)
    return SkipReason(f"alerted: {subject}")
