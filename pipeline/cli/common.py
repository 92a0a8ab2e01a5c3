"""What every command shares: how it speaks, where the demo lives, and `--wait`."""

from __future__ import annotations

import argparse

from pipeline.core.config import Settings
from pipeline.transform.dbt_project import PROJECT_DIR

DEMO_DIR = PROJECT_DIR / "data" / "demo"


def say(msg: str) -> None:
    print(msg, flush=True)


def wait_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="when another run holds the warehouse, wait this long for it (default "
        "PRIMED_LOCK_WAIT_SECONDS, else 0: stop at once, saying which run holds it)",
    )


def lock_wait(wait: float | None, settings: Settings) -> float:
    """Seconds to wait for a busy warehouse: `--wait`, else PRIMED_LOCK_WAIT_SECONDS."""
    return settings.lock_wait_seconds if wait is None else wait
