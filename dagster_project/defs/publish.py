"""Publishing as an asset: the checked marts become the release readers see."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project.defs.resources import PrimedResource
from pipeline.core.errors import PrimedError
from pipeline.publish import release as publish_mod

PUBLISHED_KEY = AssetKey(["published", "warehouse"])


def publish_asset(pool: str, marts: list[AssetKey]) -> AssetsDefinition:
    """The publishing step, after every mart in `marts`, in the writers' `pool`."""

    @asset(
        key=PUBLISHED_KEY,
        group_name="publish",
        deps=marts,
        pool=pool,
        description="Marts published as a read-only DuckDB file and Parquet, swapped atomically.",
    )
    def published_warehouse(
        context: AssetExecutionContext, primed: PrimedResource
    ) -> MaterializeResult:
        try:
            with primed.hold_warehouse(context.run_id, context.log.info):
                release = publish_mod.publish(
                    primed.paths, context.run_id, progress=context.log.info
                )
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

    return published_warehouse
