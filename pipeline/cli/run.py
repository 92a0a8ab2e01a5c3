"""Commands that make and run the pipeline: generate, ingest, run, demo, dagster."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipeline.cli.common import DEMO_DIR, lock_wait, say, wait_option
from pipeline.cli.job import run_pipeline
from pipeline.core.config import Settings
from pipeline.core.paths import WarehousePaths
from pipeline.transform.dbt_project import PROJECT_DIR


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.demo import generate

    started = time.perf_counter()
    summary = generate(
        Path(args.out),
        seed=args.seed,
        scale=args.scale,
        las=args.las,
        fault_rate=args.fault_rate,
        progress=say,
    )
    rows = sum(summary.get("rows", {}).values()) if isinstance(summary.get("rows"), dict) else 0
    say(f"wrote {rows:,} rows to {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.core.lock import warehouse_lock
    from pipeline.ingest import ingest

    paths = WarehousePaths.at(args.warehouse)
    with warehouse_lock(paths, "primed ingest", lock_wait(args.wait, settings), say):
        report = ingest(args.landing, args.warehouse, progress=say)
    s = report.summary()
    say(
        f"{s['files_loaded']} file(s) loaded, {s['files_skipped']} already seen, "
        f"{s['files_refused']} refused, {s['files_ignored']} ignored, {s['files_waiting']} "
        f"waiting; {s['rows_loaded']:,} rows loaded, {s['rows_quarantined']:,} quarantined"
    )
    return 1 if report.refused else 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    return run_pipeline(Path(args.landing), Path(args.warehouse), args.wait, args.timings, settings)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    base = Path(args.dir).resolve()
    landing = base / "landing"
    if not any(landing.glob("cld_*.csv")) or args.regenerate:
        say(f"generating demo data into {landing} (seed {args.seed}, scale {args.scale})")
        ns = argparse.Namespace(
            out=landing, seed=args.seed, scale=args.scale, las=1, fault_rate=args.fault_rate
        )
        cmd_generate(ns, settings)
    else:
        say(f"using the demo data already in {landing}")
    return run_pipeline(landing, base / "warehouse", settings=settings)


def cmd_dagster(args: argparse.Namespace, settings: Settings) -> int:
    """`dagster dev` in place of this process. The code location reads its settings from the
    environment it is given: the folders named here, unless PRIMED_LANDING and
    PRIMED_WAREHOUSE say otherwise."""
    from pipeline.transform.dbt_project import prepare_manifest

    prepare_manifest()
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(PROJECT_DIR / "dagster_home"))
    env.setdefault("PRIMED_LANDING", str(Path(args.landing).resolve()))
    env.setdefault("PRIMED_WAREHOUSE", str(Path(args.warehouse).resolve()))
    say(f"Dagster UI on http://127.0.0.1:{args.port} (landing {env['PRIMED_LANDING']})")
    dagster = Path(sys.executable).with_name("dagster")
    os.execve(
        str(dagster),
        [str(dagster), "dev", "-m", "dagster_project.definitions", "-p", str(args.port)],
        env,
    )
    return 0  # not reached


def add_commands(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("generate", help="write demo landing files")
    g.add_argument("--out", required=True, help="landing folder to write")
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = Ealing)")
    g.add_argument("--las", type=int, default=1, help="number of councils")
    g.add_argument("--fault-rate", type=float, default=0.002, help="share of rows with a fault")
    g.set_defaults(func=cmd_generate)

    i = sub.add_parser("ingest", help="load new landing files into the raw tables")
    i.add_argument("--landing", required=True)
    i.add_argument("--warehouse", required=True)
    wait_option(i)
    i.set_defaults(func=cmd_ingest)

    r = sub.add_parser("run", help="run the whole pipeline (the Dagster job, in process)")
    r.add_argument("--landing", required=True)
    r.add_argument("--warehouse", required=True)
    wait_option(r)
    r.add_argument("--timings", type=Path, help="write each step's start and end here (JSON)")
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="generate demo data (once) and run the pipeline on it")
    d.add_argument("--dir", default=str(DEMO_DIR), help="folder for landing/ and warehouse/")
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--scale", type=float, default=1.0)
    d.add_argument("--fault-rate", type=float, default=0.002)
    d.add_argument("--regenerate", action="store_true", help="write the demo data again")
    d.set_defaults(func=cmd_demo)

    u = sub.add_parser("dagster", help="open the Dagster UI (dagster dev) on the pipeline")
    u.add_argument("--landing", default=str(DEMO_DIR / "landing"))
    u.add_argument("--warehouse", default=str(DEMO_DIR / "warehouse"))
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=cmd_dagster)
