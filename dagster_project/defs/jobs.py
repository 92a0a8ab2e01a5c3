"""The one job: every asset and check, run by the landing sensor, the daily schedule, the UI
and `primed run` alike."""

from dagster import AssetSelection, define_asset_job, in_process_executor

JOB_NAME = "primed_job"

# Its steps run one after another in the run's own process: they form a chain (each writer
# waits for the one before, in one pool), so a process per step bought no parallelism and
# cost each step a Python start-up and a fresh load of the definitions (4-6 s a step, about
# 40 s a run at the demo's size). A run is still a process of its own, apart from the UI
# and the daemon.
primed_job = define_asset_job(
    JOB_NAME, selection=AssetSelection.all(), executor_def=in_process_executor
)
