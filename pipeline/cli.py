"""`primed`: the command line. Every pipeline run goes through the one Dagster job."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, private_umask
from pipeline.core.settings import quiet_telemetry
from pipeline.transform.dbt_project import PROJECT_DIR

DEMO_DIR = PROJECT_DIR / "data" / "demo"


def say(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- commands


def cmd_generate(args: argparse.Namespace) -> int:
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


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline.core.lock import warehouse_lock
    from pipeline.ingest import ingest

    with warehouse_lock(WarehousePaths.at(args.warehouse), "primed ingest", args.wait, say):
        report = ingest(args.landing, args.warehouse, progress=say)
    s = report.summary()
    say(
        f"{s['files_loaded']} file(s) loaded, {s['files_skipped']} already seen, "
        f"{s['files_refused']} refused, {s['files_ignored']} ignored, {s['files_waiting']} "
        f"waiting; {s['rows_loaded']:,} rows loaded, {s['rows_quarantined']:,} quarantined"
    )
    return 1 if report.refused else 0


def execute_job(landing: Path, paths: WarehousePaths, timings: list[dict] | None = None):
    """The Dagster job once, in process, on what is in `landing` now; its result. When given
    `timings`, it receives each step's start and end (epoch seconds) from the run's events."""
    from pipeline.transform.dbt_project import prepare_manifest

    os.environ["PRIMED_WORK_DB"] = str(paths.work_db)
    prepare_manifest()
    from dagster import DagsterInstance

    from dagster_project.pipeline_defs import JOB_NAME, build_definitions

    os.environ["PRIMED_WORK_DB"] = str(paths.work_db)
    logging.getLogger("dagster").propagate = False  # the job's own console logger shows it
    # Run now, on what is there: nothing is left to settle (the sensor waits for that).
    job = build_definitions(landing, paths.root, settle_seconds=0).resolve_job_def(JOB_NAME)
    # The console says each failure once; run_pipeline says why at the end.
    console = {"log_level": "INFO", "show_failures": False}
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": console}}},
        )
        if timings is not None:
            timings.extend(step_timings(instance.all_logs(result.run_id)))
        return result


def step_timings(entries) -> list[dict]:
    """Each step's start, end and outcome, in the order the steps started, from a run's event
    log; and the messages it logged, with their times."""
    from dagster import DagsterEventType

    ends = {
        DagsterEventType.STEP_SUCCESS: "succeeded",
        DagsterEventType.STEP_FAILURE: "failed",
        DagsterEventType.STEP_SKIPPED: "skipped",
    }
    steps: dict[str, dict] = {}
    for entry in entries:
        if not entry.step_key:
            continue
        step = steps.setdefault(
            entry.step_key,
            {"step": entry.step_key, "start": entry.timestamp, "end": None, "messages": []},
        )
        kind = entry.dagster_event.event_type if entry.dagster_event else None
        if kind == DagsterEventType.STEP_START:
            step["start"] = entry.timestamp
        elif kind in ends:
            step["end"], step["status"] = entry.timestamp, ends[kind]
        elif kind is None and entry.user_message:
            step["messages"].append([entry.timestamp, entry.user_message])
    return sorted(steps.values(), key=lambda s: s["start"])


def run_pipeline(
    landing: Path, warehouse: Path, wait: float | None = None, timings_file: Path | None = None
) -> int:
    """Execute the Dagster job in process, holding the warehouse; non-zero when nothing could
    be published. Another run on the warehouse: wait up to `wait` seconds, then stop. With
    `timings_file`, each step's start and end (and logged messages) are written there as JSON."""
    from pipeline.core.lock import warehouse_lock

    landing = Path(landing).resolve()
    paths = WarehousePaths.at(warehouse)
    if not landing.is_dir():
        raise PrimedError(f"the landing folder {landing} does not exist")
    with warehouse_lock(paths, "primed run", wait, say):
        say(f"landing:   {landing}")
        say(f"warehouse: {paths.root}")
        started = time.perf_counter()
        timings: list[dict] = []
        result = execute_job(landing, paths, timings)
        elapsed = time.perf_counter() - started
    say(
        "steps:     "
        + ", ".join(
            f"{s['step']} {s['end'] - s['start']:.0f}s"
            for s in timings
            if s["end"] and s.get("status") != "skipped"
        )
    )
    if timings_file:
        Path(timings_file).write_text(json.dumps({"run_id": result.run_id, "steps": timings}))
    if not result.success:
        from dagster_project.pipeline_defs import why_it_failed

        for line in why_it_failed(result.all_events):
            # A message's further lines as they are: a line to paste is ready to paste.
            say(line[2:] if line.startswith("  ") else f"primed: {line}")
        return 1
    if not _published(result):
        say(f"run {result.run_id} found nothing new in {elapsed:.0f}s: published is as it was")
        say(f"published: {paths.published_db}")
        return 0
    say(f"run {result.run_id} succeeded in {elapsed:.0f}s")
    say(f"published: {paths.published_db}")
    say(f"           {paths.published / 'parquet'}")
    say(f"reports:   {paths.published / 'reports' / 'index.html'}")
    return 0


def _published(result) -> bool:
    """Whether the run published a release (a run with nothing new ends after ingestion)."""
    from dagster import AssetKey

    key = AssetKey(["published", "warehouse"])
    return any(e.asset_key == key for e in result.get_asset_materialization_events())


def cmd_run(args: argparse.Namespace) -> int:
    return run_pipeline(Path(args.landing), Path(args.warehouse), args.wait, args.timings)


def cmd_demo(args: argparse.Namespace) -> int:
    base = Path(args.dir).resolve()
    landing = base / "landing"
    if not any(landing.glob("cld_*.csv")) or args.regenerate:
        say(f"generating demo data into {landing} (seed {args.seed}, scale {args.scale})")
        ns = argparse.Namespace(
            out=landing, seed=args.seed, scale=args.scale, las=1, fault_rate=args.fault_rate
        )
        cmd_generate(ns)
    else:
        say(f"using the demo data already in {landing}")
    return run_pipeline(landing, base / "warehouse")


def cmd_dagster(args: argparse.Namespace) -> int:
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


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.reports import render_reports, render_reports_into

    paths = WarehousePaths.at(args.warehouse)
    if not paths.published_db.exists():
        raise PrimedError(f"nothing is published in {paths.root} yet; run the pipeline first")
    options = {"suppress_small_counts": args.suppress_small_counts, "months": args.months}
    if args.out:
        # Pages for outside the service go elsewhere, never over the service's own.
        site = render_reports_into(Path(args.out), paths.published_db, **options)
    else:
        site = render_reports(paths.root, **options)
    say(f"reports: {site / 'index.html'}")
    if not args.no_docs and not args.out:
        from pipeline.publish.docs_site import build_docs_site

        say(f"docs:    {build_docs_site(paths.root) / 'index.html'}")
    return 0


def cmd_export_cld(args: argparse.Namespace) -> int:
    from pipeline.export.cld import export_cld

    try:
        period_end = date.fromisoformat(args.period_end)
    except ValueError:
        raise PrimedError(f"--period-end {args.period_end!r} is not a date (YYYY-MM-DD)") from None
    counts = export_cld(args.warehouse, period_end, Path(args.out), la_code=args.la_code)
    say(
        f"wrote {args.out}: "
        + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in counts.items())
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.quality import validate_path

    path = Path(args.file)
    if not path.is_file():
        raise PrimedError(f"{path} is not a file")
    refused = False
    for report in validate_path(path, Path(args.out) if args.out else path.parent):
        if report.status == "refused":
            refused = True
            say(f"REFUSED {report.file_name}: {report.reason}")
        else:
            say(f"{report.file_name}: {report.rows:,} rows, {report.problem_rows:,} field problems")
            for warning in report.warnings:
                say(f"  warning: {warning}")
        say(f"report: {report.html_path}\n        {report.csv_path}")
    return 1 if refused else 0


def cmd_status(args: argparse.Namespace) -> int:
    from pipeline.core.lock import describe, holder
    from pipeline.ingest import disk_usage
    from pipeline.publish.release import current_release

    paths = WarehousePaths.at(args.warehouse)
    release = current_release(paths)
    if release is None:
        say("nothing is published yet")
    else:
        say(
            f"published run {release['run_id']} at {release['published_at']}, "
            f"data date {release['data_date']}"
        )
    busy = holder(paths)
    if busy is not None:
        say(f"being written now by {describe(busy)}")
    for usage in disk_usage(paths, busy is None):
        say(f"{usage.what + ':':<10}{usage.bytes / 2**20:>10,.1f} MB  {usage.note}")
    for line in paths.loose_modes():
        say(f"warning: {line}")
    return 0 if release else 1


def cmd_purge(args: argparse.Namespace) -> int:
    from pipeline.core.config import VARIABLES, Settings
    from pipeline.core.lock import warehouse_lock
    from pipeline.ingest import purge

    paths = WarehousePaths.at(args.warehouse)
    months = Settings.from_env().retain_months
    with warehouse_lock(paths, "primed purge", args.wait, say):
        due = purge(paths, months, dry_run=args.dry_run, progress=say)
    what = "would be purged" if args.dry_run else "purged"
    say(
        f"{len(due)} loaded file(s) {what}: their period ended more than {months} months ago "
        f"({VARIABLES['retain_months'].name}); their rows stay, pseudonymised, and so do every "
        "figure and the row accounting"
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """The warehouse again from its archive (and the pseudonym key): a restore from backup,
    or a compacted work database. Then the job builds, checks and publishes as usual."""
    import tempfile

    from pipeline.core.lock import warehouse_lock
    from pipeline.ingest import rebuild_raw

    paths = WarehousePaths.at(args.warehouse)
    with warehouse_lock(paths, "primed rebuild", args.wait, say):
        report = rebuild_raw(paths.root, progress=say, rotate_key=args.rotate_key)
        s = report.summary()
        say(f"rebuilt raw from the archive: {s['files_loaded']} file(s), {s['rows_loaded']:,} rows")
        with tempfile.TemporaryDirectory(prefix="primed-empty-landing-") as empty:
            return run_pipeline(Path(empty), paths.root)


def cmd_withdraw(args: argparse.Namespace) -> int:
    from pipeline.core.lock import warehouse_lock
    from pipeline.ingest import restore, withdraw

    paths = WarehousePaths.at(args.warehouse)
    with warehouse_lock(paths, "primed withdraw", args.wait, say):
        done = (
            restore(paths, args.file) if args.restore else withdraw(paths, args.file, args.reason)
        )
    say(done)
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="primed", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

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
    _wait_option(i)
    i.set_defaults(func=cmd_ingest)

    r = sub.add_parser("run", help="run the whole pipeline (the Dagster job, in process)")
    r.add_argument("--landing", required=True)
    r.add_argument("--warehouse", required=True)
    _wait_option(r)
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

    rp = sub.add_parser("report", help="render the standard reports from the published marts")
    rp.add_argument("--warehouse", required=True)
    rp.add_argument("--months", type=int, default=24, help="months shown in charts")
    rp.add_argument(
        "--suppress-small-counts",
        action="store_true",
        help="show counts under 5 as <5 (for pages that leave the service)",
    )
    rp.add_argument("--out", help="write the site here instead of beside the published data")
    rp.add_argument("--no-docs", action="store_true", help="skip the dbt docs site")
    rp.set_defaults(func=cmd_report)

    x = sub.add_parser("export-cld", help="write a CLD submission file for a rolling 12 months")
    x.add_argument("--warehouse", required=True)
    x.add_argument("--period-end", required=True, help="last day of the period (YYYY-MM-DD)")
    x.add_argument("--out", required=True, help="CSV file to write")
    x.add_argument("--la-code", help="the council, when the warehouse holds several")
    x.set_defaults(func=cmd_export_cld)

    v = sub.add_parser("validate", help="check a CLD file before sending it (nothing is loaded)")
    v.add_argument("file")
    v.add_argument("--out", help="folder for the report (default: beside the file)")
    v.set_defaults(func=cmd_validate)

    w = sub.add_parser(
        "withdraw", help="withdraw a loaded CLD file: its rows stop counting (archive kept)"
    )
    w.add_argument("file", help="the loaded file's name, or its id when names repeat")
    w.add_argument("--warehouse", required=True)
    how = w.add_mutually_exclusive_group(required=True)
    how.add_argument("--reason", help="why it is withdrawn (kept with the withdrawal)")
    how.add_argument("--restore", action="store_true", help="undo an earlier withdrawal")
    _wait_option(w)
    w.set_defaults(func=cmd_withdraw)

    s = sub.add_parser("status", help="what is published now, and what the warehouse keeps")
    s.add_argument("--warehouse", required=True)
    s.set_defaults(func=cmd_status)

    pg = sub.add_parser(
        "purge",
        help="remove loaded files from the archive PRIMED_RETAIN_MONTHS after their period",
    )
    pg.add_argument("--warehouse", required=True)
    pg.add_argument("--dry-run", action="store_true", help="list what would be purged, only")
    _wait_option(pg)
    pg.set_defaults(func=cmd_purge)

    b = sub.add_parser(
        "rebuild", help="load the warehouse again from its archive (restore from a backup)"
    )
    b.add_argument("--warehouse", required=True)
    _wait_option(b)
    b.add_argument(
        "--rotate-key",
        action="store_true",
        help="PRIMED_PSEUDONYM_KEY is a new key: make every pseudonym anew with it",
    )
    b.set_defaults(func=cmd_rebuild)
    return p


def _wait_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="when another run holds the warehouse, wait this long for it (default "
        "PRIMED_LOCK_WAIT_SECONDS, else 0: stop at once, saying which run holds it)",
    )


def main(argv: list[str] | None = None) -> int:
    quiet_telemetry()
    private_umask()  # whatever it writes is primed's own, but what it publishes
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("primed: %(message)s"))
    log = logging.getLogger("primed")
    log.addHandler(handler)
    log.propagate = False
    try:
        return args.func(args)
    except PrimedError as exc:
        print(f"primed: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("primed: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one sentence, not a traceback, unless asked
        if args.debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"primed: unexpected error: {first} (run with --debug for details)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
