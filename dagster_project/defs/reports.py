"""The standard reports (and the dbt docs) as an asset, made from the published release."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from dagster_project.defs.publish import PUBLISHED_KEY
from dagster_project.defs.resources import PrimedResource
from pipeline.publish import docs_site
from pipeline.reports import render_reports


@asset(
    key=AssetKey(["published", "reports"]),
    group_name="publish",
    deps=[PUBLISHED_KEY],
    description="The standard reports as a static site (and the dbt docs) beside the data.",
)
def published_reports(context: AssetExecutionContext, primed: PrimedResource) -> MaterializeResult:
    # Reads only the published file: no writer pool needed.
    paths = primed.paths
    site = render_reports(paths.root)
    metadata = {"site": MetadataValue.path(str(site / "index.html"))}
    if primed.docs_site:
        docs = paths.published / docs_site.DOCS_DIR_NAME
        if not (docs / "index.html").exists():  # not made in the dbt step
            docs = docs_site.build_docs_site(paths.root)
        metadata["docs"] = MetadataValue.path(str(docs / "index.html"))
    context.log.info(f"reports at {site / 'index.html'}")
    return MaterializeResult(metadata=metadata)
