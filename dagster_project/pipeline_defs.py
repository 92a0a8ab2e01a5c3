"""Dagster definitions: ingestion -> dbt models (tests as asset checks) -> publishing.

`build_definitions(landing, warehouse)` makes the one job that both `dagster dev` and the CLI's
`primed run` execute. Every step that writes DuckDB is in the `duckdb_writer` pool, so two
runs never write the work database at once.
"""

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    Failure,
    Field,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    logger,
    multi_asset,
    sensor,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging import version

from dagster_project.freshness import freshness_checks
from dagster_project.quality_checks import build_quality_checks
from pipeline import docs_site
from pipeline import ingest as ingest_mod
from pipeline import publish as publish_mod
from pipeline.dbt_project import MANIFEST, PROJECT_DIR
from pipeline.errors import PrimedError
from pipeline.paths import WarehousePaths
from pipeline.reports import render_reports
from pipeline.settings import quiet_telemetry

POOL = "duckdb_writer"
# A landing file modified more recently than this may still be being written.
SETTLE_SECONDS = float(os.environ.get("PRIMED_SETTLE_SECONDS", "30"))
JOB_NAME = "primed_job"
RAW_KEYS = {kind: AssetKey(["raw", table]) for kind, table in ingest_mod.RAW_TABLE.items()}


class PrimedTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables ingestion writes; models are keyed by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("schema") or "reference"
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("schema") or "dbt"


@logger(
    {"log_level": Field(str, default_value="INFO")},
    description="One short line per message: time, step, message.",
)
def concise_console(init_context):
    log = logging.getLogger("primed.run")
    log.setLevel(init_context.logger_config["log_level"])
    if not log.handlers:
        handler = _StdoutHandler()
        handler.setFormatter(_StepFormatter())
        log.addHandler(handler)
    log.propagate = False
    return log


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is when a line is logged, not when the logger was made:
    a later run in the same process whose output is redirected gets its own lines."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _StepFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        stamp = self.formatTime(record, "%H:%M:%S")
        return f"{stamp} {step:<22} {message}"


class PrimedDbtCli(DbtCliResource):
    """dagster-dbt's resource without the work it does before every dbt command that primed
    never uses: `dbt --version` in a subprocess (a second dbt start-up, which also asks PyPI for
    the latest release) and a dbt adapter opened in this process (for row counts and column
    metadata, which primed does not fetch)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


# dbt's unit tests check the SQL of models against fixed inputs: `make test` runs them
# (tests/test_dbt_project.py); a production run builds and data-tests the warehouse.
DBT_BUILD = ["build", "--exclude-resource-type", "unit_test"]
DBT_DOCS_DIR = publish_mod.DBT_DOCS_DIR  # in the work folder; publishing installs it


def _generate_docs(context, dbt: DbtCliResource, build_target: Path, docs: Path) -> None:
    """The docs site of the marts just built, while dbt's parse of the build is fresh: the same
    profile, so dbt re-reads nothing. Without it, publishing goes on and the reports step makes
    the docs from the published file."""
    docs.mkdir(parents=True)
    shutil.copyfile(build_target / "partial_parse.msgpack", docs / "partial_parse.msgpack")
    try:
        dbt.cli(docs_site.DOCS_ARGS, target_path=docs, manifest=MANIFEST).wait()
    except Exception as exc:  # the warehouse is built; its docs can be made later
        context.log.warning(f"dbt docs generate failed ({exc}); the reports step will retry")
        shutil.rmtree(docs, ignore_errors=True)


def _mart_keys() -> list[AssetKey]:
    manifest = json.loads(MANIFEST.read_text())
    return [
        AssetKey(["marts", node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("schema") == "marts"
    ]


def landing_fingerprint(landing: Path) -> str:
    """Changes whenever a landing file is added, removed or rewritten."""
    h = hashlib.sha256()
    if landing.is_dir():
        for path, _kind in ingest_mod.discover(landing):
            st = path.stat()
            h.update(f"{path.relative_to(landing)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def build_definitions(
    landing: str | Path, warehouse: str | Path, settle_seconds: float | None = None
) -> Definitions:
    """The job, sensor and schedule on one landing folder and warehouse. Files modified less
    than `settle_seconds` ago are left for a later run (default PRIMED_SETTLE_SECONDS, 30)."""
    quiet_telemetry()
    settle = SETTLE_SECONDS if settle_seconds is None else settle_seconds
    landing = Path(landing).expanduser().resolve()
    paths = WarehousePaths.at(warehouse)

    @multi_asset(
        name="ingest_landing_files",
        specs=[AssetSpec(key, group_name="ingestion") for key in RAW_KEYS.values()],
        pool=POOL,
        description="Load new landing files into raw tables (lineage, quarantine, archive).",
    )
    def ingest_landing_files(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        try:
            report = ingest_mod.ingest(
                landing, paths.root, progress=context.log.info, settle_seconds=settle
            )
        except PrimedError as exc:
            raise Failure(description=str(exc)) from exc
        for result in report.refused:
            context.log.error(f"refused {result.file_name}: {result.reason}")
        by_kind: dict[str, list[ingest_mod.FileResult]] = {}
        for result in report.files:
            by_kind.setdefault(result.kind, []).append(result)
        for kind, key in RAW_KEYS.items():
            files = by_kind.get(kind, [])
            yield MaterializeResult(
                asset_key=key,
                metadata={
                    "files_loaded": sum(f.status == "loaded" for f in files),
                    "files_refused": MetadataValue.json(
                        [
                            {"file": f.file_name, "reason": f.reason}
                            for f in files
                            if f.status == "refused"
                        ]
                    ),
                    "rows_loaded": sum(f.rows_loaded for f in files),
                    "rows_quarantined": sum(f.rows_quarantined for f in files),
                },
            )

    @dbt_assets(
        manifest=MANIFEST,
        dagster_dbt_translator=PrimedTranslator(),
        pool=POOL,
    )
    def primed_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        os.environ["PRIMED_WORK_DB"] = str(paths.work_db)
        # dbt's target folder (artefacts, logs, partial parsing state) is the warehouse's own:
        # the next run on it parses only what changed, and runs leave nothing in the project.
        target = paths.work_dir / "dbt"
        docs = paths.work_dir / DBT_DOCS_DIR
        shutil.rmtree(docs, ignore_errors=True)  # publishing takes only this run's docs
        yield from dbt.cli(DBT_BUILD, context=context, target_path=target).stream()
        if os.environ.get("PRIMED_DOCS_SITE", "1") != "0":
            _generate_docs(context, dbt, target, docs)

    @asset(
        key=AssetKey(["published", "warehouse"]),
        group_name="publish",
        deps=_mart_keys(),
        pool=POOL,
        description="Marts published as a read-only DuckDB file and Parquet, swapped atomically.",
    )
    def published_warehouse(context: AssetExecutionContext) -> MaterializeResult:
        try:
            release = publish_mod.publish(paths, context.run_id, progress=context.log.info)
        except PrimedError as exc:
            raise Failure(description=str(exc)) from exc
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(release.path)),
                "data_quality": MetadataValue.path(str(release.path / "quality" / "index.html")),
                "data_date": release.data_date or "",
                "tables": MetadataValue.json(release.tables),
            }
        )

    @asset(
        key=AssetKey(["published", "reports"]),
        group_name="publish",
        deps=[AssetKey(["published", "warehouse"])],
        description="The standard reports as a static site (and the dbt docs) beside the data.",
    )
    def published_reports(context: AssetExecutionContext) -> MaterializeResult:
        # Reads only the published file: no writer pool needed.
        site = render_reports(paths.root)
        metadata = {"site": MetadataValue.path(str(site / "index.html"))}
        if os.environ.get("PRIMED_DOCS_SITE", "1") != "0":
            docs = paths.published / docs_site.DOCS_DIR_NAME
            if not (docs / "index.html").exists():  # not made in the dbt step
                docs = docs_site.build_docs_site(paths.root)
            metadata["docs"] = MetadataValue.path(str(docs / "index.html"))
        context.log.info(f"reports at {site / 'index.html'}")
        return MaterializeResult(metadata=metadata)

    job = define_asset_job(JOB_NAME, selection=AssetSelection.all())

    @sensor(job=job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
    def landing_file_sensor(context: SensorEvaluationContext):
        """Start a run when a landing file appears or changes (and has stopped changing)."""
        files = ingest_mod.discover(landing) if landing.is_dir() else []
        if not files:
            return SkipReason(f"no landing files in {landing}")
        newest = max(path.stat().st_mtime for path, _ in files)
        if time.time() - newest < settle:
            return SkipReason("a landing file is still being written; waiting for it to settle")
        fingerprint = landing_fingerprint(landing)
        if fingerprint == context.cursor:
            return SkipReason("no new or changed landing files")
        context.update_cursor(fingerprint)
        return RunRequest(run_key=fingerprint)

    daily = ScheduleDefinition(
        name="daily_refresh",
        job=job,
        cron_schedule="0 6 * * *",
        execution_timezone="Europe/London",
        default_status=DefaultScheduleStatus.RUNNING,
    )

    dbt_exe = Path(sys.executable).with_name("dbt")
    return Definitions(
        assets=[ingest_landing_files, primed_dbt_models, published_warehouse, published_reports],
        asset_checks=[*freshness_checks(paths.root), *build_quality_checks(paths, _mart_keys())],
        jobs=[job],
        sensors=[landing_file_sensor],
        schedules=[daily],
        loggers={"console": concise_console},
        resources={
            "dbt": PrimedDbtCli(
                project_dir=str(PROJECT_DIR),
                profiles_dir=str(PROJECT_DIR),
                dbt_executable=str(dbt_exe) if dbt_exe.exists() else "dbt",
            )
        },
    )
