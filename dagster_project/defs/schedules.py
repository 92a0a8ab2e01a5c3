"""The daily run, at the time and in the time zone the settings say (PRIMED_SCHEDULE,
PRIMED_TIMEZONE): a run with nothing new ends after ingestion."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from dagster_project.defs.jobs import primed_job
from pipeline.core.config import Settings


def daily_refresh(settings: Settings) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="daily_refresh",
        job=primed_job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.timezone,
        default_status=DefaultScheduleStatus.RUNNING,
    )
