"""The code location: `defs` is what `dagster dev`, the webserver and the daemon load (the
pipeline on PRIMED_LANDING and PRIMED_WAREHOUSE); `build_definitions(settings)` is the same
assembly for `primed run` and the tests. This module only assembles: what each part does is in
its module under dagster_project/defs/."""

import dagster as dg

from dagster_project.defs.alerts import alert_on_failed_run, alert_on_stale_extract
from dagster_project.defs.console import concise_console
from dagster_project.defs.dbt import dbt_asset, mart_keys
from dagster_project.defs.freshness import freshness_checks
from dagster_project.defs.ingest import ingest_asset
from dagster_project.defs.jobs import primed_job
from dagster_project.defs.publish import publish_asset
from dagster_project.defs.quality_checks import quality_checks
from dagster_project.defs.reports import published_reports
from dagster_project.defs.resources import PrimedResource, dbt_resource
from dagster_project.defs.schedules import daily_refresh
from dagster_project.defs.sensors import landing_file_sensor
from pipeline.core.config import Settings
from pipeline.core.paths import private_umask
from pipeline.core.settings import quiet_telemetry
from pipeline.transform.dbt_project import prepare_manifest


def build_definitions(settings: Settings) -> dg.Definitions:
    """The job, its sensors and schedule on `settings.landing` and `settings.warehouse`, with
    the writers' pool, the schedule and the values the steps use from `settings`. The dbt
    manifest must be prepared first (prepare_manifest())."""
    quiet_telemetry()
    private_umask()  # the webserver's, the daemon's and every run's files are primed's own
    primed = PrimedResource.from_settings(settings)
    pool, marts = settings.writer_pool, mart_keys()
    return dg.Definitions(
        assets=[ingest_asset(pool), dbt_asset(pool), publish_asset(pool, marts), published_reports],
        asset_checks=[*freshness_checks(), *quality_checks(marts, pool)],
        jobs=[primed_job],
        sensors=[landing_file_sensor, alert_on_failed_run, alert_on_stale_extract],
        schedules=[daily_refresh(settings)],
        loggers={"console": concise_console},
        resources={"primed": primed, "dbt": dbt_resource(primed)},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The settings read once, from this process's environment; the dbt manifest parsed only
    when missing or stale."""
    settings = Settings.from_env()
    prepare_manifest()
    return build_definitions(settings)
