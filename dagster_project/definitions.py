"""The code location `dagster dev` loads: the pipeline on PRIMED_LANDING and PRIMED_WAREHOUSE."""

import os

from dagster_project.pipeline_defs import build_definitions
from pipeline.transform.dbt_project import PROJECT_DIR, prepare_manifest

prepare_manifest()  # parses the dbt project only when the manifest is missing or stale

defs = build_definitions(
    landing=os.environ.get("PRIMED_LANDING", str(PROJECT_DIR / "data" / "landing")),
    warehouse=os.environ.get("PRIMED_WAREHOUSE", str(PROJECT_DIR / "warehouse")),
)
