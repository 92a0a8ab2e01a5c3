"""The dbt models as assets (their tests as asset checks): one `dbt build` on the work
database, on DuckDB or, with PRIMED_DBT_TARGET=spark, on Spark; then the docs of the marts."""

import json
import shutil
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Failure
from dagster_dbt import dbt_assets

from dagster_project.defs.resources import PrimedDbtCli, PrimedResource
from dagster_project.defs.translator import PrimedTranslator
from pipeline.core.errors import PrimedError
from pipeline.core.paths import make_private
from pipeline.publish import docs_site
from pipeline.publish import release as publish_mod
from pipeline.transform import spark as spark_target
from pipeline.transform.dbt_project import MANIFEST

# dbt's unit tests check the SQL of models against fixed inputs: `make test` runs them
# (tests/test_dbt_project.py); a production run builds and data-tests the warehouse.
DBT_BUILD = ["build", "--exclude-resource-type", "unit_test"]
DBT_DOCS_DIR = publish_mod.DBT_DOCS_DIR  # in the work folder; publishing installs it


def mart_keys() -> list[AssetKey]:
    """The marts' asset keys, from the manifest (prepare_manifest() makes it first)."""
    manifest = json.loads(MANIFEST.read_text())
    return [
        AssetKey(["marts", node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("schema") == "marts"
    ]


def dbt_asset(pool: str) -> AssetsDefinition:
    """The dbt step, in the writers' `pool`."""

    @dbt_assets(
        manifest=MANIFEST,
        dagster_dbt_translator=PrimedTranslator(),
        pool=pool,
    )
    def primed_dbt_models(
        context: AssetExecutionContext, dbt: PrimedDbtCli, primed: PrimedResource
    ):
        paths = primed.paths
        # dbt's target folder (artefacts, logs, partial parsing state) is the warehouse's own:
        # the next run on it parses only what changed, and runs leave nothing in the project.
        target = paths.work_dir / "dbt"
        docs = paths.work_dir / DBT_DOCS_DIR
        # Publishing takes only this run's docs: the last run's are set aside, for this run to
        # keep if they were made from the same code and settings.
        previous = paths.work_dir / f"{DBT_DOCS_DIR}.previous"
        if docs.exists():
            shutil.rmtree(previous, ignore_errors=True)
            docs.rename(previous)
        # PRIMED_DBT_TARGET=spark: built on Spark from raw Parquet, then read back into the work
        # database, so that every later step reads the Spark-built tables as it would DuckDB's.
        # There the unit tests run in the build too: the test suite runs them on DuckDB only.
        spark = spark_target.on_spark(primed)
        try:
            with primed.hold_warehouse(context.run_id, context.log.info):
                if spark:
                    target = spark_target.prepare(primed, paths, context.log.info)
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
                    spark_target.load_built_tables(
                        primed, paths, invocation.target_path, context.log.info
                    )
                elif primed.docs_site:
                    _generate_docs(context, dbt, target, docs, previous)
        except PrimedError as exc:
            raise Failure(description=str(exc)) from exc
        finally:
            make_private(target)

    return primed_dbt_models


def _generate_docs(
    context, dbt: PrimedDbtCli, build_target: Path, docs: Path, previous: Path
) -> None:
    """The docs site of the marts just built: the last run's (`previous`) when they were made
    from the same code and settings, or made now, while dbt's parse of the build is fresh (the
    same profile, so dbt re-reads nothing). Without it, publishing goes on and the reports step
    makes the docs from the published file."""
    key = docs_site.docs_key(dbt.environment())
    if docs_site.reuse_docs(previous, docs, key):
        context.log.info("dbt docs: the code and settings are the last run's; its docs kept")
        return
    shutil.rmtree(previous, ignore_errors=True)
    docs.mkdir(parents=True)
    shutil.copyfile(build_target / "partial_parse.msgpack", docs / "partial_parse.msgpack")
    try:
        dbt.cli(docs_site.DOCS_ARGS, target_path=docs, manifest=MANIFEST).wait()
        (docs / docs_site.KEY_FILE).write_text(key)
    except Exception as exc:  # the warehouse is built; its docs can be made later
        context.log.warning(f"dbt docs generate failed ({exc}); the reports step will retry")
        shutil.rmtree(docs, ignore_errors=True)


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
