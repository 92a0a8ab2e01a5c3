"""Where the dbt project lives, its manifest prepared before Dagster definitions load, and the
one place dbt is given its environment.

dbt takes its connection and run settings from environment variables only (`env_var()` in
profiles.yml and a few macros). `dbt_environment()` says what they are for a run, from the
settings and the warehouse's paths; `dbt_env()` puts them in this process's environment while
dbt starts and restores it afterwards: neither dagster-dbt's `DbtCliResource.cli` (dbt in a
child process that inherits the environment) nor dbt's in-process `dbtRunner` takes an
environment of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pipeline.core.config import PROJECT_DIR, amount_bytes
from pipeline.core.settings import quiet_telemetry

if TYPE_CHECKING:
    from pipeline.core.paths import WarehousePaths

TARGET_DIR = PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
DBT_INPUTS = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml")


class DbtSettings(Protocol):
    """The settings dbt's environment is made from, by their `Settings` names: a `Settings`,
    or the Dagster resource that carries them to a run (dagster_project/defs/resources.py)."""

    dbt_target: str
    memory_limit: str
    spark_dir: str
    raw_parquet: str


def dbt_environment(settings: DbtSettings, paths: WarehousePaths, landing: Path) -> dict[str, str]:
    """The variables dbt reads in a run on `paths`: profiles.yml's work database, target and
    memory limit; the landing folder (named in all_codes_mapped's messages, where the council's
    own code mappings file is); on DuckDB, how many models dbt builds at once; on Spark, where
    the raw Parquet and Spark's tables are."""
    from pipeline.transform import spark

    env = {
        "PRIMED_WORK_DB": str(paths.work_db),
        "PRIMED_LANDING": str(landing),
        "PRIMED_DBT_TARGET": settings.dbt_target,
        "PRIMED_MEMORY_LIMIT": settings.memory_limit,
    }
    if settings.dbt_target == "duckdb":  # PostgreSQL and Spark have threads of their own
        rows = raw_cld_rows(paths.work_db)
        env[THREADS_VARIABLE] = str(dbt_threads(rows, settings.memory_limit))
    if spark.on_spark(settings):
        env["PRIMED_RAW_PARQUET"] = str(spark.raw_parquet_dir(settings, paths))
        env["PRIMED_SPARK_DIR"] = str(spark.spark_dir(settings, paths))
    return env


# How many models dbt builds at once on DuckDB (profiles.yml; PostgreSQL and Spark have their own).
THREADS_VARIABLE = "PRIMED_DBT_THREADS"
# Loaded CLD rows per GB of DuckDB's memory limit up to which two models are built at once.
PAIRED_ROWS_PER_GB = 3_000_000


def dbt_threads(cld_rows: int | None, memory_limit: str) -> int:
    """Two models at once while the loaded CLD rows are few enough for two of the event models
    to share DuckDB's memory limit, else one. Two threads overlap dbt's own work on each node
    (compiling, its catalog queries), most of a small build. But both models share the one
    limit, and the event models (dedup, statutory events) each need more than 1 GB at 9.1M rows
    (the dedup: 12.7 CPU s with 2 GB, 18.6 with 1 GB), about 150 bytes a row: paired beyond
    that, both spill. At ten times Ealing's size (9.1M rows, 2 GB), one at a time built in 95 s
    instead of 101 with 15% less CPU; at Ealing's size, in about the same time."""
    if cld_rows is None:
        return 2
    return 2 if cld_rows <= PAIRED_ROWS_PER_GB * amount_bytes(memory_limit) / 1e9 else 1


def raw_cld_rows(work_db: Path) -> int | None:
    """The rows loaded into the raw CLD table (DuckDB's own count, no scan), or None when the
    work database or the table is not there yet."""
    import duckdb

    from pipeline.core import contract

    if not work_db.is_file():
        return None
    try:
        con = duckdb.connect(str(work_db), read_only=True)
    except duckdb.Error:  # held by a writer: the default
        return None
    try:
        found = con.execute(
            "SELECT estimated_size FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [contract.RAW_SCHEMA, contract.RAW_TABLE["cld"]],
        ).fetchone()
    finally:
        con.close()
    return None if found is None else int(found[0])


@contextmanager
def dbt_env(env: Mapping[str, str]) -> Iterator[None]:
    """`env` in this process's environment while dbt starts inside the block, then the
    environment as it was (a variable that was not set is unset again)."""
    before = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    """Parse the dbt project in process (dbtRunner) when the manifest is missing or stale.
    Parsing opens no database: profiles.yml's default work database path serves."""
    if force or manifest_is_stale():
        from dbt.cli.main import dbtRunner

        quiet_telemetry()
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
