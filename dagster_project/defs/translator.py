"""How dbt's nodes become Dagster assets: sources are the raw tables ingestion writes, models
are keyed and grouped by their layer (schema)."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator


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
