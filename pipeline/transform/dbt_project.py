"""Where the dbt project lives, and its manifest prepared before Dagster definitions load."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.core.settings import quiet_telemetry

PROJECT_DIR = Path(__file__).resolve().parents[2]
TARGET_DIR = PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
DBT_INPUTS = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml")


def manifest_is_stale() -> bool:
    if not MANIFEST.exists():
        return True
    built = MANIFEST.stat().st_mtime
    for name in DBT_INPUTS:
        root = PROJECT_DIR / name
        files = [root] if root.is_file() else root.rglob("*")
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def prepare_manifest(force: bool = False) -> Path:
    """Parse the dbt project in process (dbtRunner) when the manifest is missing or stale."""
    if force or manifest_is_stale():
        from dbt.cli.main import dbtRunner

        quiet_telemetry()
        os.environ.setdefault("PRIMED_WORK_DB", str(PROJECT_DIR / "warehouse/work/primed.duckdb"))
        result = dbtRunner().invoke(
            [
                "parse",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--quiet",
            ]
        )
        if not result.success:
            from pipeline.core.errors import PrimedError

            raise PrimedError(f"the dbt project does not parse: {result.exception}")
    return MANIFEST
