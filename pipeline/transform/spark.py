"""The pipeline's dbt step on Apache Spark (PRIMED_DBT_TARGET=spark), all in one place.

Before dbt, the raw layer's Parquet under `<warehouse>/work/raw_parquet` (or PRIMED_RAW_PARQUET),
which ingestion writes file by file, is brought in line with raw (pipeline/ingest/raw_parquet.py),
and dbt's `spark` target
(a local SparkSession in dbt's process, profiles.yml) keeps its tables under
`<warehouse>/work/spark/tables` (or PRIMED_SPARK_DIR), in Spark's in-memory catalog: each build
starts from an empty folder and builds every table again. After a build that passed, every
table dbt built on Spark (table models and seeds) replaces the same table of the work database,
read from Spark's Parquet in one transaction, with the models' docs as comments (as dbt's
persist_docs writes them on DuckDB). So the checks, publishing and reports that follow read
what Spark built, unchanged; a failed build changes nothing in the work database.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths
from pipeline.core.sql import literal as _q
from pipeline.ingest import export_raw_parquet
from pipeline.transform.dbt_project import DbtSettings

TARGET_ENV = "PRIMED_DBT_TARGET"
# Where things are, and how Spark runs: none of them changes what is built (run_state.NOT_RULES).
SETTINGS = ("PRIMED_SPARK_DIR", "PRIMED_RAW_PARQUET", "PRIMED_SPARK_MASTER",
            "PRIMED_SPARK_DRIVER_MEMORY", "PRIMED_SPARK_SHUFFLE_PARTITIONS",
            "PRIMED_SPARK_JAVA_OPTIONS")  # fmt: skip


def on_spark(settings: DbtSettings) -> bool:
    """Whether dbt builds on Spark (PRIMED_DBT_TARGET=spark; DuckDB by default)."""
    return settings.dbt_target == "spark"


def spark_dir(settings: DbtSettings, paths: WarehousePaths) -> Path:
    return Path(settings.spark_dir or paths.work_dir / "spark").resolve()


def raw_parquet_dir(settings: DbtSettings, paths: WarehousePaths) -> Path:
    return Path(settings.raw_parquet or paths.work_dir / "raw_parquet").resolve()


def prepare(settings: DbtSettings, paths: WarehousePaths, say: Callable[[str], None]) -> Path:
    """The raw layer's Parquet, where dbt's Spark target reads it (dbt_environment() tells dbt
    where), in line with raw; return the target path for dbt (the Spark build's own manifest)."""
    root = raw_parquet_dir(settings, paths)
    written = export_raw_parquet(paths.work_db, root)
    say(f"raw layer for Spark in {root}: {sum(written.values()):,} row(s) written now")
    # Spark's catalog lives only as long as dbt's process (in-memory, profiles.yml): the last
    # build's tables are not in it, and Spark will not create a table over a folder that exists.
    shutil.rmtree(spark_dir(settings, paths) / "tables", ignore_errors=True)
    return spark_dir(settings, paths) / "target"


def load_built_tables(
    settings: DbtSettings, paths: WarehousePaths, target_path: Path, say: Callable[[str], None]
) -> dict[str, int]:
    """Replace each table of the work database that the Spark build made (its manifest in
    `target_path`) with Spark's; return rows per `schema.table`."""
    manifest = json.loads((Path(target_path) / "manifest.json").read_text())
    tables = spark_dir(settings, paths) / "tables"
    built = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        and node["config"].get("materialized") in ("table", "incremental", "seed")
    ]
    counts: dict[str, int] = {}
    con = duckdb.connect(str(paths.work_db))
    try:
        con.execute("BEGIN TRANSACTION")
        for node in sorted(built, key=lambda n: (n["schema"], n["alias"])):
            schema, name = node["schema"], node["alias"]
            files = sorted((tables / f"{schema}.db" / name).glob("*.parquet"))
            if not files:
                raise PrimedError(
                    f"Spark built {schema}.{name} but {tables / f'{schema}.db' / name} holds "
                    "no Parquet file to read it from"
                )
            relation = f'"{schema}"."{name}"'
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(
                f"CREATE OR REPLACE TABLE {relation} AS SELECT * FROM read_parquet("
                f"[{', '.join(_q(str(f)) for f in files)}])"
            )
            _comment(con, relation, node)
            counts[f"{schema}.{name}"] = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[
                0
            ]
        con.execute("COMMIT")
    finally:
        con.close()
    say(f"loaded {len(counts)} tables built on Spark into {paths.work_db}")
    return counts


def _comment(con: duckdb.DuckDBPyConnection, relation: str, node: dict) -> None:
    """The model's and its columns' descriptions as comments, where persist_docs asks for them."""
    persist = node["config"].get("persist_docs") or {}
    if persist.get("relation") and node.get("description"):
        con.execute(f"COMMENT ON TABLE {relation} IS {_q(node['description'])}")
    if not persist.get("columns"):
        return
    present = {d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description}
    for column in node.get("columns", {}).values():
        if column.get("description") and column["name"] in present:
            con.execute(
                f'COMMENT ON COLUMN {relation}."{column["name"]}" IS {_q(column["description"])}'
            )
