"""Dagster definitions: ingestion -> dbt models (tests as asset checks) -> publishing.

`build_definitions(landing, warehouse)` makes the one job that both `dagster dev` and the CLI's
`primed run` execute. Every step that writes DuckDB is in the `duckdb_writer` pool, so two
runs of one Dagster instance never write the work database at once, and takes the warehouse
lock (pipeline/core/lock.py), so neither do a Dagster run and a `primed run` from a shell.
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

import duckdb
from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DagsterEventType,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    Failure,
    Field,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    RunsFilter,
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

from dagster_project.alerts import alert_sensors
from dagster_project.freshness import freshness_checks
from dagster_project.quality_checks import build_quality_checks
from pipeline import ingest as ingest_mod
from pipeline.core import contract, run_state
from pipeline.core.errors import PrimedError
from pipeline.core.lock import warehouse_lock
from pipeline.core.paths import WarehousePaths, make_private, private_umask
from pipeline.core.settings import quiet_telemetry
from pipeline.publish import docs_site
from pipeline.publish import release as publish_mod
from pipeline.reports import render_reports
from pipeline.transform import spark as spark_target
from pipeline.transform.dbt_project import MANIFEST, PROJECT_DIR

POOL = "duckdb_writer"
# A landing file modified more recently than this may still be being written.
SETTLE_SECONDS = float(os.environ.get("PRIMED_SETTLE_SECONDS", "30"))
JOB_NAME = "primed_job"
IN_PROGRESS = [
    DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]  # fmt: skip
RAW_KEYS = {kind: AssetKey(["raw", table]) for kind, table in contract.RAW_TABLE.items()}


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
    {
        "log_level": Field(str, default_value="INFO"),
        "show_failures": Field(
            bool,
            default_value=True,
            description="Print step failures (the CLI says them itself, once, at the end).",
        ),
    },
    description="One short line per message: time, step, message. A failure is said once: "
    "not the run's repeat of it, nor a line per step it kept from running.",
)
def concise_console(init_context):
    log = logging.getLogger("primed.run")
    log.setLevel(init_context.logger_config["log_level"])
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_StepFormatter())
    handler.addFilter(_QuietCascade(init_context.logger_config["show_failures"]))
    log.addHandler(handler)
    log.propagate = False
    return log


class _QuietCascade(logging.Filter):
    """Drop the lines that only repeat a failure: each step skipped because of it
    ("Dependencies for step ... were not executed"), and the run's own failure line."""

    def __init__(self, show_failures: bool):
        super().__init__()
        self.show_failures = show_failures

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        kind = getattr(meta.get("dagster_event"), "event_type", None)
        if kind in (DagsterEventType.STEP_SKIPPED, DagsterEventType.RUN_FAILURE):
            return False
        message = str(meta.get("orig_message", ""))
        # Steps and checks skipped after a failure, or because there was nothing new.
        if message.startswith(("Dependencies for step", "Skipping step")):
            return False
        if message.startswith("Blocking asset check") and "emitted no result" in message:
            return False
        return self.show_failures or kind != DagsterEventType.STEP_FAILURE


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


def landing_to_look_at(landing: Path) -> dict[str, list[int]]:
    """The landing files a run would load or refuse (an ignored README does not start a run),
    as relative path -> [size, modification time ns]."""
    if not landing.is_dir():
        return {}
    wanted = {
        str(f.path.relative_to(landing))
        for f in ingest_mod.discover(landing)
        if f.status != "ignored"
    }
    return {k: v for k, v in run_state.landing_snapshot(landing).items() if k in wanted}


def nothing_new(paths: WarehousePaths) -> str | None:
    """Why there is nothing to rebuild (the published release was built from the inputs there
    are now), or None when there is."""
    published, run_id = run_state.published_fingerprint(paths)
    if published is None or not paths.work_db.exists():
        return None
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        now = run_state.inputs_fingerprint(con)
    finally:
        con.close()
    if now != published:
        return None
    return (
        f"nothing new since run {run_id}: no new or changed file was loaded, and nothing else "
        "the release is built from has changed; the published release stands"
    )


def build_definitions(
    landing: str | Path, warehouse: str | Path, settle_seconds: float | None = None
) -> Definitions:
    """The job, sensor and schedule on one landing folder and warehouse. Files modified less
    than `settle_seconds` ago are left for a later run (default PRIMED_SETTLE_SECONDS, 30)."""
    quiet_telemetry()
    private_umask()  # the webserver's, the daemon's and every run's files are primed's own
    settle = SETTLE_SECONDS if settle_seconds is None else settle_seconds
    landing = Path(landing).expanduser().resolve()
    paths = WarehousePaths.at(warehouse)

    @multi_asset(
        name="ingest_landing_files",
        # Skippable: a run with nothing new materialises none, and every later step is skipped.
        specs=[AssetSpec(key, group_name="ingestion", skippable=True) for key in RAW_KEYS.values()],
        pool=POOL,
        description="Load new landing files into raw tables (lineage, quarantine, archive).",
    )
    def ingest_landing_files(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        seen = run_state.landing_snapshot(landing)  # before reading: a later change is unseen
        try:
            with warehouse_lock(paths, f"Dagster run {context.run_id}", say=context.log.info):
                report = ingest_mod.ingest(
                    landing, paths.root, progress=context.log.info, settle_seconds=settle
                )
                now = time.time()
                waiting = {k for k, (_, mtime) in seen.items() if now - mtime / 1e9 < settle}
                run_state.record_seen(paths, seen, waiting)
                why_not = nothing_new(paths)
        except PrimedError as exc:
            raise Failure(description=str(exc)) from exc
        if why_not:
            context.log.info(why_not)
            return
        landing_files = MetadataValue.json(
            [{"file": f.file_name, "status": f.status, "reason": f.reason} for f in report.files]
        )
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
                    **({"landing_files": landing_files} if kind == "cld" else {}),
                },
            )

    @dbt_assets(
        manifest=MANIFEST,
        dagster_dbt_translator=PrimedTranslator(),
        pool=POOL,
    )
    def primed_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        os.environ["PRIMED_WORK_DB"] = str(paths.work_db)
        # Named in messages (the council's own code mappings file, below the landing folder).
        os.environ["PRIMED_LANDING"] = str(landing)
        # dbt's target folder (artefacts, logs, partial parsing state) is the warehouse's own:
        # the next run on it parses only what changed, and runs leave nothing in the project.
        target = paths.work_dir / "dbt"
        docs = paths.work_dir / DBT_DOCS_DIR
        shutil.rmtree(docs, ignore_errors=True)  # publishing takes only this run's docs
        # PRIMED_DBT_TARGET=spark: built on Spark from raw Parquet, then read back into the work
        # database, so that every later step reads the Spark-built tables as it would DuckDB's.
        # There the unit tests run in the build too: the test suite runs them on DuckDB only.
        spark = spark_target.on_spark()
        try:
            with warehouse_lock(paths, f"Dagster run {context.run_id}", say=context.log.info):
                if spark:
                    target = spark_target.prepare(paths, context.log.info)
                invocation = dbt.cli(
                    ["build"] if spark else DBT_BUILD,
                    context=context,
                    target_path=target,
                    raise_on_error=False,
                )
                yield from invocation.stream()
                if not invocation.is_successful():
                    raise Failure(description=dbt_failures(invocation.target_path))
                if spark:
                    spark_target.load_built_tables(paths, invocation.target_path, context.log.info)
                elif os.environ.get("PRIMED_DOCS_SITE", "1") != "0":
                    _generate_docs(context, dbt, target, docs)
        except PrimedError as exc:
            raise Failure(description=str(exc)) from exc
        finally:
            make_private(target)

    @asset(
        key=AssetKey(["published", "warehouse"]),
        group_name="publish",
        deps=_mart_keys(),
        pool=POOL,
        description="Marts published as a read-only DuckDB file and Parquet, swapped atomically.",
    )
    def published_warehouse(context: AssetExecutionContext) -> MaterializeResult:
        try:
            with warehouse_lock(paths, f"Dagster run {context.run_id}", say=context.log.info):
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
        """Start a run when a landing file is new or changed since a run last dealt with it,
        once it has stopped changing, and no run is already under way."""
        new = run_state.unseen(paths, landing_to_look_at(landing))
        if not new:
            return SkipReason("no new or changed landing files")
        newest = max(mtime for _, mtime in new.values()) / 1e9
        if time.time() - newest < settle:
            return SkipReason("a landing file is still being written; waiting for it to settle")
        busy = context.instance.get_run_records(
            RunsFilter(job_name=JOB_NAME, statuses=IN_PROGRESS), limit=1
        )
        if busy:
            return SkipReason(
                f"run {busy[0].dagster_run.run_id} is under way; looking again after it"
            )
        # The same new files give the same run key, so Dagster never starts their run twice.
        key = hashlib.sha256(repr(sorted(new.items())).encode()).hexdigest()
        return RunRequest(run_key=key, tags={"primed/new_files": str(len(new))})

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
        sensors=[landing_file_sensor, *alert_sensors(paths.root)],
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


def dbt_failures(target_path: Path) -> str:
    """One entry per dbt node that failed or errored, from the invocation's run_results.json:
    the node and dbt's own message (a compilation error's message without its call stack)."""
    try:
        results = json.loads((Path(target_path) / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return "dbt build failed (no run_results.json to say why; see the lines above)"
    lines = []
    for r in results:
        if r.get("status") not in ("error", "fail", "runtime error"):
            continue
        node = (r.get("unique_id") or "?.?.?").split(".")[2]
        text = [
            t.strip()
            for t in (r.get("message") or "").splitlines()
            if t.strip() and not t.strip().startswith(">") and " Error in " not in t
        ]
        # A message's own line breaks are kept (all_codes_mapped's lines to paste).
        message = "\n".join(text)
        lines.append(f"dbt {r['unique_id'].split('.')[0]} {node}: {message or r['status']}")
    return "\n".join(lines) or "dbt build failed (see the lines above)"


def why_it_failed(events) -> list[str]:
    """What stopped a run, said once, ending with what failed: each step failure (a blocking
    check's failure as the checks themselves, each with its file, rows and values)."""
    failed: list[str] = []
    checks: list[str] = []
    failed_steps = {e.step_key for e in events if e.event_type == DagsterEventType.STEP_FAILURE}
    for event in events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            check = event.event_specific_data
            if check.passed or check.severity != AssetCheckSeverity.ERROR:
                continue
            if event.step_key not in failed_steps or not check.description:
                continue
            lines = check.description.strip().splitlines()
            where = check.asset_key.to_user_string()
            checks.append(f"blocking check {check.check_name} on {where} failed: {lines[0]}")
            checks += [f"  {line}" for line in lines[1:]]
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            if err and err.cls_name == "DagsterAssetCheckFailedError":
                continue  # the checks say which, and why
            lines = _error_lines(err.message if err else "unknown error")
            failed.append(f"step {event.step_key} failed: {lines[0]}")
            failed += [f"  {line}" for line in lines[1:]]
    intro = (
        "nothing was published (the steps after the failure did not run); the published "
        "warehouse is as it was. Why:"
    )
    return [intro, *failed, *checks]


def _error_lines(message: str) -> list[str]:
    """A step's error as the user needs it: a Failure's description without the class name."""
    text = message.strip()
    first, _, rest = text.partition(": ")
    if rest and "." in first and " " not in first:  # "dagster._core....Failure: text"
        text = rest
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[:20] or ["unknown error"]
