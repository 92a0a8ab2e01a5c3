"""The dbt project on Apache Spark, the engine of the national and regional picture: dbt-spark's
session method runs a local SparkSession in this process, reads the demo's raw rows as
Parquet (pipeline/raw_parquet.py's layout, one folder per loaded file), builds every model,
data test and unit test, and every mart holds what DuckDB's does. One build for the module;
marked `spark` (`pytest -m "not spark"` skips it)."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from pipeline.raw_parquet import export_raw_parquet
from tests.engines import dbt_build_on, mart_differences

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
        reason="needs the spark extra (pyspark, dbt-spark) and Java 17",
    ),
]


@pytest.fixture(scope="module")
def spark_build(demo_build, tmp_path_factory):
    """The raw schema as Parquet, the project built on a local SparkSession from it; yields
    the session and dbt's results, then stops Spark and its JVM."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    _, paths = demo_build
    base = tmp_path_factory.mktemp("spark")
    written = export_raw_parquet(paths.work_db, base / "raw")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIMED_DBT_TARGET", "spark")
        mp.setenv("PRIMED_SPARK_DIR", str(base / "spark"))
        mp.setenv("PRIMED_RAW_PARQUET", str(base / "raw"))
        # A small job on 2 cores: few shuffle partitions, a small heap.
        mp.setenv("PRIMED_SPARK_SHUFFLE_PARTITIONS", "2")
        mp.setenv("PRIMED_SPARK_DRIVER_MEMORY", "2g")
        try:
            results = dbt_build_on("spark", base)
            yield SparkSession.builder.getOrCreate(), results, written
        finally:
            session = SparkSession.getActiveSession() or SparkSession._instantiatedSession
            if session is not None:
                session.stop()
            if SparkContext._gateway is not None:
                SparkContext._gateway.shutdown()
                SparkContext._gateway = None
                SparkContext._jvm = None


def test_the_project_builds_on_spark_with_every_test(spark_build):
    _, results, _ = spark_build
    kinds = [r.node.resource_type for r in results]
    assert kinds.count("model") >= 60
    assert kinds.count("unit_test") > 25 and kinds.count("test") > 100


def test_spark_reads_each_loaded_file_from_its_own_parquet_folder(spark_build, demo_build):
    import duckdb

    spark, _, written = spark_build
    _, paths = demo_build
    got = dict(
        spark.sql("select _file_id, count(*) from raw.cld_events group by _file_id").collect()
    )
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        expected = dict(
            con.execute("select _file_id, count(*) from raw.cld_events group by 1").fetchall()
        )
    assert len(expected) > 1 and got == expected
    assert (
        spark.sql("select count(*) from raw._quarantine").collect()[0][0] == written["_quarantine"]
    )


def test_every_mart_built_on_spark_matches_duckdb(spark_build, demo_build):
    spark, _, _ = spark_build
    _, paths = demo_build
    differences = mart_differences(
        paths.work_db, lambda sql: spark.sql(sql).collect()[0], quote="`"
    )
    assert differences == []
