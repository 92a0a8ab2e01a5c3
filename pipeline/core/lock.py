"""One writer per warehouse: a lock file that says who holds it and since when.

DuckDB lets one process write a database file; a second writer fails deep inside whatever it
was doing. So every command that writes a warehouse (`primed run`, `primed ingest`, `primed
rebuild`, and each writing step of a Dagster run) first takes `<warehouse>/work/run.lock`
(an advisory `flock`, released by the kernel when the holder exits, even on SIGKILL). A second
one waits up to its time limit, saying so, or stops at once with who holds the warehouse since
when. Within one process the lock is re-entrant: `primed run` holds it for the whole run and
the job's steps, run in the same process, pass through.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths

WAIT_ENV = "PRIMED_LOCK_WAIT_SECONDS"
_held: dict[str, int] = {}  # lock files this process holds -> depth


class WarehouseBusy(PrimedError):
    """Another process is writing the warehouse."""


def default_wait() -> float:
    """Seconds to wait for a busy warehouse: PRIMED_LOCK_WAIT_SECONDS, else 0 (stop at once)."""
    return Settings.from_env().lock_wait_seconds


def lock_path(paths: WarehousePaths) -> Path:
    return paths.work_dir / "run.lock"


def holder(paths: WarehousePaths) -> dict | None:
    """Who holds the warehouse now (pid, host, what, since), or None when nobody does."""
    path = lock_path(paths)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe(info: dict) -> str:
    if not info.get("since"):
        return "another run (it has only just started)"
    since = datetime.fromisoformat(info["since"])
    minutes = (datetime.now() - since).total_seconds() / 60
    ago = f"{minutes:.0f} min ago" if minutes >= 1 else "less than a minute ago"
    return (
        f"`{info.get('what', 'primed')}` (pid {info.get('pid', '?')} on {info.get('host', '?')}) "
        f"since {since:%Y-%m-%d %H:%M:%S} ({ago})"
    )


@contextmanager
def warehouse_lock(
    paths: WarehousePaths,
    what: str,
    wait_seconds: float | None = None,
    say: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse for `what` (e.g. 'primed run'); wait up to `wait_seconds` (default
    PRIMED_LOCK_WAIT_SECONDS, else 0) for another holder, then raise WarehouseBusy."""
    path = lock_path(paths)
    key = str(path)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    wait = default_wait() if wait_seconds is None else wait_seconds
    paths.ensure()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, path, paths, wait, say or (lambda msg: None))
        info = {
            "what": what,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, paths: WarehousePaths, wait: float, say) -> None:
    deadline = time.monotonic() + wait
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if said:
                say("the other run has finished; going on")
            return
        except BlockingIOError:
            pass
        who = describe(_read(path))
        if time.monotonic() >= deadline:
            waited = f" (waited {wait:.0f}s)" if wait else ""
            raise WarehouseBusy(
                f"another run holds the warehouse {paths.root}: {who}{waited}; try again when "
                f"it has finished, or wait for it with --wait SECONDS (or {WAIT_ENV})"
            )
        if not said:
            say(f"waiting up to {wait:.0f}s for {who}, which holds the warehouse {paths.root}")
            said = True
        time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
