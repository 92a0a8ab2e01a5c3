"""The one job: every asset and check, run by the landing sensor, the daily schedule, the UI
and `primed run` alike."""

from dagster import AssetSelection, define_asset_job

JOB_NAME = "primed_job"

primed_job = define_asset_job(JOB_NAME, selection=AssetSelection.all())
