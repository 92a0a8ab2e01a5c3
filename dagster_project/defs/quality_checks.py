"""Dagster asset checks from the Great Expectations suites (pipeline/quality/).

`quality_checks(mart_keys, pool)` returns the checks to add to `Definitions`:
* raw extracts: per raw table, `raw_<table>_blocking` (blocking=True: a failure stops dbt and
  so publishing) and `raw_<table>_warnings`, run after ingestion;
* marts: per mart, `row_count_vs_previous_publish` (and `shares_between_0_and_1` where the mart
  has shares), plus `no_team_missing_from_active_month` on rpt_team_workload_monthly,
  `spend_month_on_month_within_factor` (warning: small councils jump) and
  `payments_reconcile_with_committed_cost` (warning) on rpt_spend_committed_vs_paid_monthly.
  Blocking checks stop `published/warehouse`, which depends on the marts.
Each result's metadata holds counts and the path of the saved GX validation output.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from dagster_project.defs.resources import PrimedResource
from pipeline import quality
from pipeline.core import contract


def _key(asset: str) -> AssetKey:
    return AssetKey(asset.split("/"))


def _result(outcome: quality.CheckOutcome) -> AssetCheckResult:
    meta = {}
    for k, v in outcome.metadata.items():
        if k.endswith("_path") or k == "gx_results_index":
            meta[k] = MetadataValue.path(str(v))
        elif isinstance(v, (dict, list)):
            meta[k] = MetadataValue.json(v)
        elif v is None:
            meta[k] = MetadataValue.text("")
        else:
            meta[k] = v
    return AssetCheckResult(
        asset_key=_key(outcome.asset),
        check_name=outcome.name,
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR if outcome.blocking else AssetCheckSeverity.WARN,
        description=outcome.description,
        metadata=meta,
    )


def raw_check_specs() -> list[AssetCheckSpec]:
    specs = []
    for kind, table in contract.RAW_TABLE.items():
        name = quality.suite_for_kind(kind).name
        for label, blocking in (("blocking", True), ("warnings", False)):
            specs.append(
                AssetCheckSpec(
                    f"{name}_{label}",
                    asset=AssetKey(["raw", table]),
                    blocking=blocking,
                    description=f"expectations/{name}.json, {label} rules",
                )
            )
    return specs


def mart_check_specs(mart_keys: Iterable[AssetKey]) -> list[AssetCheckSpec]:
    names = {k.path[-1] for k in mart_keys}
    suite = quality.load_suite("published_marts")
    specs = []
    for e in suite.expectations:
        frame, asset = e["meta"]["frame"], e["meta"]["asset"]
        name = quality.MART_CHECK_NAMES[frame]
        if asset == "*":
            targets = (
                sorted(names)
                if frame == "row_counts"
                else sorted(set(quality.SHARE_COLUMNS) & names)
            )
        else:
            targets = [asset.split("/")[-1]] if asset.split("/")[-1] in names else []
        for mart in targets:
            specs.append(
                AssetCheckSpec(
                    name,
                    asset=AssetKey(["marts", mart]),
                    blocking=quality.is_blocking(e),
                    description=e["meta"].get("rule", ""),
                )
            )
    return specs


def quality_checks(mart_keys: Iterable[AssetKey], pool: str) -> list:
    """The raw and mart checks; in the writers' `pool`, as they open the work database."""
    mart_keys = list(mart_keys)

    @multi_asset_check(
        specs=raw_check_specs(),
        name="raw_extract_quality",
        pool=pool,
        description="Great Expectations suites on the raw extracts (expectations/raw_*.json).",
    )
    def raw_extract_quality(
        context: AssetCheckExecutionContext, primed: PrimedResource
    ) -> Iterator[AssetCheckResult]:
        since = None
        stats = context.instance.get_run_stats(context.op_execution_context.run_id)
        if stats and stats.start_time:
            since = datetime.fromtimestamp(stats.start_time, UTC).replace(tzinfo=None)
        run_id = context.op_execution_context.run_id
        with primed.hold_warehouse(run_id, context.log.info):
            outcomes = quality.check_raw_extracts(primed.paths.work_db, run_id, loaded_since=since)
        yield from _emit(context, outcomes)

    mart_specs = mart_check_specs(mart_keys)

    @multi_asset_check(
        specs=mart_specs,
        name="published_marts_quality",
        pool=pool,
        description="expectations/published_marts.json on the candidate marts against the "
        "previous publish.",
    )
    def published_marts_quality(
        context: AssetCheckExecutionContext, primed: PrimedResource
    ) -> Iterator[AssetCheckResult]:
        run_id = context.op_execution_context.run_id
        with primed.hold_warehouse(run_id, context.log.info):
            outcomes = quality.check_published_marts_for(primed.paths, run_id)
        yield from _emit(context, outcomes)

    return [raw_extract_quality, published_marts_quality]


def _emit(context, outcomes: list[quality.CheckOutcome]) -> Iterator[AssetCheckResult]:
    wanted = set(context.selected_asset_check_keys)
    seen = set()
    for o in outcomes:
        key = AssetCheckKey(_key(o.asset), o.name)
        if key in wanted and key not in seen:
            seen.add(key)
            context.log.info(
                f"{o.asset} {o.name}: {'passed' if o.passed else 'FAILED'}"
                f" ({'blocking' if o.blocking else 'warning'})"
            )
            yield _result(o)
    # A check with nothing to check (no file of that kind, mart absent) passes, said so.
    for key in wanted - seen:
        yield AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=True,
            metadata={"note": "nothing to check in this run"},
        )
