"""Time and peak memory of each pipeline stage at given scales (not a test; prints a table).

    python bench/benchmark.py                 # scales 1 and 10
    python bench/benchmark.py --scales 0.1 1  # any scales
    python bench/benchmark.py --scales 0.1 --spark   # also the dbt build on Spark

With --spark, two more stages: the raw schema written as Parquet, and `dbt build` on the
`spark` target (a local SparkSession, needs the spark extra and Java 17) from that Parquet.

Each stage runs in its own process, so the peak resident memory reported is that stage's
(including any process it starts, such as dbt).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def run_stage(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one stage run as a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"stage failed: {' '.join(args)}")
    return elapsed, usage.ru_maxrss / 1024


def bench(scale: float, workdir: Path, only: list[str] | None = None, spark: bool = False) -> dict:
    landing, warehouse = workdir / "landing", workdir / "warehouse"
    env = dict(os.environ)
    env.update(
        PRIMED_PSEUDONYM_KEY="benchmark-key-0123456789",
        PRIMED_WORK_DB=str(warehouse / "work" / "primed.duckdb"),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    primed = [PY, "-m", "pipeline.cli"]
    dbt = str(Path(PY).with_name("dbt"))
    stages = {
        "generate": [*primed, "generate", "--out", str(landing), "--scale", str(scale)],
        "ingest": [*primed, "ingest", "--landing", str(landing), "--warehouse", str(warehouse)],
        "dbt": [dbt, "build", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT), "-q"],
        **(spark_stages(workdir, dbt) if spark else {}),
        "publish": [
            PY,
            "-c",
            "import sys; from pipeline.publish import publish; from pipeline.paths import "
            "WarehousePaths; publish(WarehousePaths.at(sys.argv[1]), 'bench')",
            str(warehouse),
        ],
    }
    result: dict = {"scale": scale}
    for name, args in stages.items():
        if only and name not in only:
            continue
        seconds, mib = run_stage(args, env)
        result[name] = {"seconds": round(seconds, 1), "peak_mib": round(mib)}
        print(f"scale {scale:>5}  {name:<9} {seconds:8.1f} s  {mib:8.0f} MiB peak", flush=True)
    size = sum(p.stat().st_size for p in landing.rglob("*.csv"))
    rows = sum(1 for p in landing.glob("cld_*.csv") for _ in p.open()) - len(
        list(landing.glob("cld_*.csv"))
    )
    result["landing_mib"] = round(size / 2**20)
    result["cld_rows"] = rows
    print(f"scale {scale:>5}  landing   {size / 2**20:8.0f} MiB, {rows:,} CLD rows", flush=True)
    return result


def spark_stages(workdir: Path, dbt: str) -> dict[str, list[str]]:
    """The raw layer as Parquet, and the dbt build on Spark from it (settings in the
    environment, as PRIMED_DBT_TARGET=spark runs it in the pipeline)."""
    spark_env = {
        "PRIMED_DBT_TARGET": "spark",
        "PRIMED_SPARK_DIR": str(workdir / "spark"),
        "PRIMED_RAW_PARQUET": str(workdir / "raw_parquet"),
    }
    env = [f"{k}={v}" for k, v in spark_env.items()]
    return {
        "parquet": [
            PY,
            "-c",
            "import sys; from pathlib import Path; from pipeline.raw_parquet import "
            "export_raw_parquet; export_raw_parquet(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(workdir / "warehouse" / "work" / "primed.duckdb"),
            spark_env["PRIMED_RAW_PARQUET"],
        ],
        "dbt_spark": [
            "env",
            *env,
            dbt,
            "build",
            "--project-dir",
            str(ROOT),
            "--profiles-dir",
            str(ROOT),
            "--target-path",
            str(workdir / "spark" / "target"),
            "-q",
        ],  # fmt: skip
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument(
        "--stages",
        nargs="+",
        choices=["generate", "ingest", "dbt", "parquet", "dbt_spark", "publish"],
    )
    parser.add_argument("--spark", action="store_true", help="also build on Spark")
    parser.add_argument("--workdir", type=Path, help="use (and keep) this folder")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = []
    for scale in args.scales:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"primed-bench-{scale}-"))
        try:
            results.append(bench(scale, workdir, args.stages, args.spark))
        finally:
            if not (args.keep or args.workdir):
                shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
