"""The dbt project on Apache Spark, the engine of the national and regional picture. One run of
the pipeline with PRIMED_DBT_TARGET=spark on a copy of the demo warehouse whose dbt-built
schemas are dropped: the dbt step writes the raw rows as Parquet (pipeline/ingest/raw_parquet.py's
layout, one folder per loaded file), dbt-spark's session method builds every model, data test
and unit test in a local SparkSession, and the Spark-built tables are read back for the checks,
publishing and reports. Every published mart holds what DuckDB's does. Marked `spark`
(`pytest -m "not spark"` skips it)."""

from __future__ import annotations

import importlib.util
import json
import shutil

import duckdb
import pytest

from pipeline.core.paths import WarehousePaths
from tests.engines import mart_differences

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
        reason="needs the spark extra (pyspark, dbt-spark) and Java 17",
    ),
]
DBT_SCHEMAS = ("reference", "staging", "intermediate", "marts")
# The small-build JVM options of docs/scaling.md.
SMALL_BUILD_JVM = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"


@pytest.fixture(scope="module")
def spark_run(demo_build, tmp_path_factory):
    """The demo's landing files and warehouse copied, its dbt-built schemas dropped (so that
    only Spark can fill them), and the pipeline run on Spark; yields the copy's paths."""
    from pipeline.cli import run_pipeline
    from pipeline.publish.release import current_release

    landing, paths = demo_build
    base = tmp_path_factory.mktemp("spark")
    shutil.copytree(landing, base / "landing")
    shutil.copytree(paths.root, base / "warehouse", symlinks=True)
    copy = WarehousePaths.at(base / "warehouse")
    with duckdb.connect(str(copy.work_db)) as con:
        for schema in DBT_SCHEMAS:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIMED_DBT_TARGET", "spark")
        mp.setenv("PRIMED_SPARK_DIR", str(copy.work_dir / "spark"))
        mp.setenv("PRIMED_RAW_PARQUET", str(copy.work_dir / "raw_parquet"))
        # A small job on 2 cores: one shuffle partition, a small heap, and a JVM that spends
        # little on compiling Spark's own code and on collecting garbage (docs/scaling.md).
        mp.setenv("PRIMED_SPARK_SHUFFLE_PARTITIONS", "1")
        mp.setenv("PRIMED_SPARK_DRIVER_MEMORY", "2g")
        mp.setenv("PRIMED_SPARK_JAVA_OPTIONS", SMALL_BUILD_JVM)
        assert run_pipeline(base / "landing", copy.root) == 0
    # A new release, not the copied one ("nothing new" would have kept it).
    assert current_release(copy)["run_id"] != current_release(paths)["run_id"]
    return copy


def test_the_project_builds_on_spark_with_every_test(spark_run):
    results = json.loads((spark_run.work_dir / "spark/target/run_results.json").read_text())
    kinds = [r["unique_id"].split(".")[0] for r in results["results"]]
    assert [r["unique_id"] for r in results["results"] if r["status"] in ("error", "fail")] == []
    assert {r["status"] for r in results["results"]} <= {"success", "pass", "no-op"}
    assert kinds.count("model") >= 60
    assert kinds.count("unit_test") > 25 and kinds.count("test") > 100


def test_spark_reads_each_loaded_file_from_its_own_parquet_folder(spark_run, demo_build):
    """The raw layer as a SparkSession reads it: one `_file_id` per loaded file's folder."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    _, paths = demo_build
    raw = spark_run.work_dir / "raw_parquet"
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    try:
        events = spark.read.parquet(str(raw / "cld_events"))
        got = {r[0]: r[1] for r in events.groupBy("_file_id").count().collect()}
        quarantined = spark.read.parquet(str(raw / "quarantine")).count()
    finally:
        spark.stop()
        if SparkContext._gateway is not None:
            SparkContext._gateway.shutdown()
            SparkContext._gateway = None
            SparkContext._jvm = None
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        expected = dict(
            con.execute("select _file_id, count(*) from raw.cld_events group by 1").fetchall()
        )
        assert quarantined == con.execute("select count(*) from raw._quarantine").fetchone()[0]
    assert len(expected) > 1 and got == expected
    assert sorted(p.name for p in (raw / "cld_events").iterdir()) == sorted(
        f"_file_id={i}" for i in expected
    )


def test_every_mart_published_from_spark_matches_duckdb(spark_run, demo_build):
    _, paths = demo_build
    with duckdb.connect(str(spark_run.published_db), read_only=True) as pub:
        differences = mart_differences(paths.work_db, lambda sql: pub.execute(sql).fetchone())
    assert differences == []


def test_the_release_from_spark_has_duckdbs_tables_types_and_docs(spark_run, demo_build):
    """Publishing, and what BI tools read, do not depend on the engine: the same tables,
    column types and comments as the release built on DuckDB, and the reports rendered."""
    _, paths = demo_build
    query = """
        select c.table_name, c.column_name, c.data_type, c.comment, t.comment
        from duckdb_columns() as c
        join duckdb_tables() as t using (database_name, schema_name, table_name)
        where c.schema_name = 'marts' and c.table_name <> '_release'
        order by 1, 2
    """
    releases = []
    for db in (paths.published_db, spark_run.published_db):
        with duckdb.connect(str(db), read_only=True) as con:
            releases.append(con.execute(query).fetchall())
    duck, spark = releases
    assert len(duck) > 200 and sum(r[3] is not None for r in duck) > 100
    assert spark == duck
    assert (spark_run.published / "reports" / "index.html").exists()
