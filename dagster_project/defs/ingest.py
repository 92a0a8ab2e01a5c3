"""Ingestion as an asset: new landing files into the raw tables, one asset per raw table."""

import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from dagster_project.defs.resources import PrimedResource
from pipeline import ingest as ingest_mod
from pipeline.core import contract, run_state
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.quality.gx_run import gx_imported_meanwhile

RAW_KEYS = {kind: AssetKey(["raw", table]) for kind, table in contract.RAW_TABLE.items()}


def ingest_asset(pool: str) -> AssetsDefinition:
    """The ingestion step, in the writers' `pool`."""

    @multi_asset(
        name="ingest_landing_files",
        # Skippable: a run with nothing new materialises none, and every later step is skipped.
        specs=[AssetSpec(key, group_name="ingestion", skippable=True) for key in RAW_KEYS.values()],
        pool=pool,
        description="Load new landing files into raw tables (lineage, quarantine, archive).",
    )
    def ingest_landing_files(
        context: AssetExecutionContext, primed: PrimedResource
    ) -> Iterator[MaterializeResult]:
        report, why_not = _ingest(context, primed)
        if why_not:
            context.log.info(why_not)
            return
        yield from _materializations(report)

    return ingest_landing_files


def _ingest(context: AssetExecutionContext, primed: PrimedResource):
    """Load what is new; remember what every landing file looked like when this run dealt with
    it (those still settling excepted); and say why there is nothing to rebuild, if so."""
    landing, paths, settle = primed.landing_dir, primed.paths, primed.settle_seconds
    seen = run_state.landing_snapshot(landing)  # before reading: a later change is unseen
    # With something to load, the checks after ingestion need GX: imported meanwhile.
    importing = gx_imported_meanwhile() if run_state.unseen(paths, seen) else nullcontext()
    try:
        with primed.hold_warehouse(context.run_id, context.log.info), importing:
            report = ingest_mod.ingest(
                landing, paths.root, progress=context.log.info, settle_seconds=settle
            )
            now = time.time()
            waiting = {k for k, (_, mtime) in seen.items() if now - mtime / 1e9 < settle}
            run_state.record_seen(paths, seen, waiting)
            return report, nothing_new(paths)
    except PrimedError as exc:
        raise Failure(description=str(exc)) from exc


def _materializations(report) -> Iterator[MaterializeResult]:
    """One result per raw table: files loaded and refused, rows loaded and quarantined."""
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
