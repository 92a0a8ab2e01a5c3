"""The resources every step, check and sensor is given.

`PrimedResource` says where this code location works (the landing folder and the warehouse)
and carries the settings its assets, checks and sensors use, by their `Settings` names. It is
made from the one `Settings` object the entry point read (`from_settings`): nothing under
dagster_project/ reads the environment. `PrimedDbtCli` is dbt, run in the environment
`dbt_environment()` makes for that warehouse.
"""

import importlib.metadata
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager as ContextManager
from functools import cached_property
from pathlib import Path

from dagster import ConfigurableResource, ResourceDependency
from dagster_dbt import DbtCliInvocation, DbtCliResource
from packaging import version

from pipeline.core.config import Settings
from pipeline.core.lock import warehouse_lock
from pipeline.core.paths import WarehousePaths
from pipeline.transform.dbt_project import PROJECT_DIR, dbt_env, dbt_environment


class PrimedResource(ConfigurableResource):
    """The landing folder and warehouse of this code location, and the settings its steps use
    (docs/operations.md describes each as its PRIMED_* variable)."""

    landing: str
    warehouse: str
    settle_seconds: float
    lock_wait_seconds: float
    docs_site: bool
    max_data_age_days: int
    alert_command: str
    dbt_target: str
    memory_limit: str
    spark_dir: str
    raw_parquet: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "PrimedResource":
        values = {name: getattr(settings, name) for name in cls.model_fields}
        values["landing"] = str(Path(settings.landing).expanduser().resolve())
        values["warehouse"] = str(WarehousePaths.at(settings.warehouse).root)
        return cls(**values)

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing)

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths.at(self.warehouse)

    def hold_warehouse(self, run_id: str, say: Callable[[str], None]) -> ContextManager[None]:
        """The warehouse lock for a step of run `run_id` (pipeline/core/lock.py): under
        `primed run`, which holds it already, it passes straight through."""
        return warehouse_lock(self.paths, f"Dagster run {run_id}", self.lock_wait_seconds, say)


class PrimedDbtCli(DbtCliResource):
    """dagster-dbt's resource, run in the environment `dbt_environment()` makes for the
    warehouse of `primed`, and without the work it does before every dbt command that primed
    never uses: `dbt --version` in a subprocess (a second dbt start-up, which also asks PyPI for
    the latest release) and a dbt adapter opened in this process (for row counts and column
    metadata, which primed does not fetch)."""

    primed: ResourceDependency[PrimedResource]

    def environment(self) -> dict[str, str]:
        """The variables dbt reads in a run on this warehouse."""
        return dbt_environment(self.primed, self.primed.paths, self.primed.landing_dir)

    def cli(self, args: Sequence[str], **kwargs) -> DbtCliInvocation:
        with dbt_env(self.environment()):  # dbt's process starts here, with it
            return super().cli(args, **kwargs)

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(primed: PrimedResource) -> PrimedDbtCli:
    """dbt on the project in this checkout, with the dbt of this Python environment."""
    dbt_exe = Path(sys.executable).with_name("dbt")
    return PrimedDbtCli(
        project_dir=str(PROJECT_DIR),
        profiles_dir=str(PROJECT_DIR),
        dbt_executable=str(dbt_exe) if dbt_exe.exists() else "dbt",
        primed=primed,
    )
