"""Commands that look after a warehouse: withdraw, status, purge, rebuild."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pipeline.cli.common import lock_wait, say, wait_option
from pipeline.cli.job import run_pipeline
from pipeline.core.config import VARIABLES, Settings
from pipeline.core.lock import warehouse_lock
from pipeline.core.paths import WarehousePaths


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
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


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest import purge

    paths = WarehousePaths.at(args.warehouse)
    months = settings.retain_months
    with warehouse_lock(paths, "primed purge", lock_wait(args.wait, settings), say):
        due = purge(paths, months, dry_run=args.dry_run, progress=say)
    what = "would be purged" if args.dry_run else "purged"
    say(
        f"{len(due)} loaded file(s) {what}: their period ended more than {months} months ago "
        f"({VARIABLES['retain_months'].name}); their rows stay, pseudonymised, and so do every "
        "figure and the row accounting"
    )
    return 0


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """The warehouse again from its archive (and the pseudonym key): a restore from backup,
    or a compacted work database. Then the job builds, checks and publishes as usual."""
    from pipeline.ingest import rebuild_raw

    paths = WarehousePaths.at(args.warehouse)
    with warehouse_lock(paths, "primed rebuild", lock_wait(args.wait, settings), say):
        report = rebuild_raw(paths.root, progress=say, rotate_key=args.rotate_key)
        s = report.summary()
        say(f"rebuilt raw from the archive: {s['files_loaded']} file(s), {s['rows_loaded']:,} rows")
        with tempfile.TemporaryDirectory(prefix="primed-empty-landing-") as empty:
            return run_pipeline(Path(empty), paths.root, settings=settings)


def cmd_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest import restore, withdraw

    paths = WarehousePaths.at(args.warehouse)
    with warehouse_lock(paths, "primed withdraw", lock_wait(args.wait, settings), say):
        done = (
            restore(paths, args.file) if args.restore else withdraw(paths, args.file, args.reason)
        )
    say(done)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser(
        "withdraw", help="withdraw a loaded CLD file: its rows stop counting (archive kept)"
    )
    w.add_argument("file", help="the loaded file's name, or its id when names repeat")
    w.add_argument("--warehouse", required=True)
    how = w.add_mutually_exclusive_group(required=True)
    how.add_argument("--reason", help="why it is withdrawn (kept with the withdrawal)")
    how.add_argument("--restore", action="store_true", help="undo an earlier withdrawal")
    wait_option(w)
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
    wait_option(pg)
    pg.set_defaults(func=cmd_purge)

    b = sub.add_parser(
        "rebuild", help="load the warehouse again from its archive (restore from a backup)"
    )
    b.add_argument("--warehouse", required=True)
    wait_option(b)
    b.add_argument(
        "--rotate-key",
        action="store_true",
        help="PRIMED_PSEUDONYM_KEY is a new key: make every pseudonym anew with it",
    )
    b.set_defaults(func=cmd_rebuild)
