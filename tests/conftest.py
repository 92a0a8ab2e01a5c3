"""Shared fixtures: real DuckDB files, real dbt (in process) and real Dagster runs."""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.core.settings import QUIET_ENV

for _name, _value in QUIET_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("PRIMED_PSEUDONYM_KEY", "test-key-0123456789abcdef")
# The dbt docs site takes a while to build; tests/test_reports.py builds it when it tests it.
os.environ.setdefault("PRIMED_DOCS_SITE", "0")
# dbt's log of the project's parse (prepare_manifest, in this process and in the `primed`
# processes tests start) outside the repository; runs and test builds name their own.
os.environ.setdefault("DBT_LOG_PATH", str(Path(tempfile.gettempdir()) / "primed-tests-dbt-logs"))

from pipeline.core import contract  # noqa: E402
from pipeline.transform.dbt_project import prepare_manifest  # noqa: E402

HEADERS = {c.name: c.header for c in contract.CLD_COLUMNS}


def write_csv(path: Path, rows: list[dict], headers: list[str] | None = None, **kw) -> Path:
    """Write rows keyed by canonical column names under their contract headers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = headers or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding=kw.pop("encoding", "utf-8")) as f:
        writer = csv.writer(f, lineterminator=kw.pop("lineterminator", "\n"), **kw)
        writer.writerow([HEADERS.get(n, n) for n in names])
        for r in rows:
            writer.writerow([r.get(n, "") for n in names])
    return path


def cld_row(**overrides) -> dict:
    row = {
        "la_code": "E09000009",
        "reporting_period_start_date": "2023-04-01",
        "reporting_period_end_date": "2024-03-31",
        "nhs_number": "9434765919",
        "la_person_unique_identifier": "P1",
        "date_of_birth": "1950-02-03",
        "client_type": "Service user",
        "event_type": "Request",
        "event_reference": "R1",
        "event_start_date": "2024-01-10",
        "event_end_date": "2024-01-12",
        "event_outcome": "NFA: Information and advice or signposting",
        "event_status": "Completed",
        "team_code": "ARC",
    }
    row.update(overrides)
    return row


def payment_row(**overrides) -> dict:
    """A payments file's row (header names), for P1 in January 2024."""
    row = {
        "Payment ID": "1",
        "LA Code": "E09000009",
        "LA Person Unique Identifier": "P1",
        "Period Start Date": "2024-01-01",
        "Period End Date": "2024-01-07",
        "Amount": "70",
    }
    row.update(overrides)
    return row


# The project as dbt parsed it, once per test process: each in-process dbt command after the
# first starts from it (dbt's `dbtRunner(manifest=...)`) instead of parsing the project again,
# which dbt would, in full, for every new target folder or work database path.
_PARSED: list = []


def _parsed_project(scratch: Path):
    from dbt.cli.main import dbtRunner

    from pipeline.transform.dbt_project import PROJECT_DIR

    if not _PARSED:
        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(scratch / "parse"), "--log-path", str(scratch / "logs"),
             "--quiet"]
        )  # fmt: skip
        assert result.success, result.exception
        _PARSED.append(result.result)
    return _PARSED[0]


def dbt_build(paths, select: str, scratch: Path, command: str = "build", args: tuple = ()):
    """`dbt build --select SELECT` (or another command, with more `args`) in process on a
    warehouse's work database, with dbt's target and logs in `scratch` (never the
    repository's); then let go of the database, as a run does, so that the next step can open
    it. Returns dbt's result."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    from pipeline.transform.dbt_project import PROJECT_DIR

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIMED_WORK_DB", str(paths.work_db))
        result = dbtRunner(manifest=_parsed_project(scratch)).invoke(
            [command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs"),
             "--select", select, "--indirect-selection", "cautious", "--quiet", *args]
        )  # fmt: skip
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
    assert result.success, result.exception or [
        r.message for r in result.result or [] if r.status not in ("pass", "success")
    ]
    return result


def assert_staged_as_if_rebuilt(paths, scratch: Path, *, incremental: bool) -> None:
    """The last run staged the CLD rows by file (`incremental`: only new files) or whole, and
    `staging.stg_cld__events` is what a whole rebuild (`--full-refresh`) gives, row for row."""
    import duckdb

    from pipeline.core.paths import WarehousePaths

    executed = paths.work_dir / "dbt" / "run" / "primed" / "models" / "staging" / "cld"
    sql = (executed / "stg_cld__events.sql").read_text()
    # What dbt ran last: an insert of the new files' rows, or the table created whole.
    assert sql.lstrip().startswith("insert into") == incremental, sql[:200]
    copy = WarehousePaths.at(scratch / "rebuilt")
    copy.work_dir.mkdir(parents=True)
    shutil.copyfile(paths.work_db, copy.work_db)
    dbt_build(copy, "stg_cld__events", scratch, command="run", args=("--full-refresh",))
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{paths.work_db}' AS run (READ_ONLY)")
        con.execute(f"ATTACH '{copy.work_db}' AS rebuilt (READ_ONLY)")
        for a, b in (("run", "rebuilt"), ("rebuilt", "run")):
            (n,) = con.execute(
                f"SELECT count(*) FROM (SELECT * FROM {a}.staging.stg_cld__events "
                f"EXCEPT ALL SELECT * FROM {b}.staging.stg_cld__events)"
            ).fetchone()
            assert n == 0, f"{n} staged rows of {a} not in {b}"


# Under pytest-xdist (`make test` runs two workers) each worker is a pytest session of its own:
# this names the worker (gw0, gw1, ...); None in a plain `pytest`.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def pytest_configure(config):
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        prepare_manifest()  # once, before the workers start: then none of them writes it


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    return prepare_manifest()


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the markers set here
def pytest_collection_modifyitems(config, items):
    """A test that reads the demo warehouse waits for a whole pipeline run (`demo_build`, a
    minute or more): it is `slow`, wherever it is, so that `make test-fast` never builds one.
    Then the modules in the order that finishes soonest on two workers (pytest-xdist, whole
    modules to a worker in this order): Spark's first (the longest, minutes of one build),
    then those that need no demo (while the first worker builds it), then the rest. Whole
    modules move, so a module's own fixtures are still made once."""
    kinds: dict[str, set[str]] = {}
    for item in items:
        kind = kinds.setdefault(item.nodeid.split("::")[0], set())
        if "demo_build" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            kind.add("demo")
        if item.get_closest_marker("spark"):
            kind.add("spark")
    rank = {module: 0 if "spark" in k else 2 if "demo" in k else 1 for module, k in kinds.items()}
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])  # stable: modules stay whole


@contextmanager
def _one_worker_at_a_time(lock: Path) -> Iterator[None]:
    with lock.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _build_demo(base: Path) -> None:
    from pipeline.cli import run_pipeline
    from pipeline.demo import generate

    generate(base / "landing", seed=11, scale=0.02)
    previous = os.umask(0)
    try:
        assert run_pipeline(base / "landing", base / "warehouse") == 0
    finally:
        os.umask(previous)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, dbt_manifest):
    """A small generated borough run once through the job, shared by the modules that read it
    (and by the workers of `pytest -n`: the first builds it, the others wait for it). Read it,
    never change it: take `demo_copy` or `demo_module_copy` to run anything on it
    (`_demo_left_as_built` fails a test that changed it).
    It runs under the most permissive umask (0: files 666, folders 777), as a careless service
    account might: tests/test_data_protection.py checks what it created is private all the same.
    PRIMED_TEST_DEMO_DIR (a folder with landing/ and warehouse/ built this way) reuses one."""
    from pipeline.core.paths import WarehousePaths

    reuse = os.environ.get("PRIMED_TEST_DEMO_DIR")
    if reuse:
        base = Path(reuse)
    elif WORKER:
        base = tmp_path_factory.getbasetemp().parent / "demo"  # shared by the workers
        with _one_worker_at_a_time(base.parent / "demo.lock"):
            if not (base.parent / "demo.built").exists():
                shutil.rmtree(base, ignore_errors=True)
                _build_demo(base)
                (base.parent / "demo.built").touch()
    else:
        base = tmp_path_factory.mktemp("demo")
        _build_demo(base)
    if not reuse:  # as primed leaves it: files made later are private too
        os.umask(os.umask(0) | 0o077)
    landing, paths = base / "landing", WarehousePaths.at(base / "warehouse")
    _AS_BUILT[landing] = _snapshot(landing)
    _AS_BUILT[paths.root] = _snapshot(paths.root)
    return landing, paths


def copy_demo(demo_build, base: Path):
    """The demo's landing and warehouse copied into `base` (times, modes and the `published`
    link kept: to the pipeline every landing file was dealt with before). Seconds at most."""
    from pipeline.core.paths import WarehousePaths

    landing, paths = demo_build
    shutil.copytree(landing, base / "landing")
    shutil.copytree(paths.root, base / "warehouse", symlinks=True)
    return base / "landing", WarehousePaths.at(base / "warehouse")


@pytest.fixture
def demo_copy(demo_build, tmp_path):
    """(landing, paths) of this test's own copy of the demo: run, publish, withdraw or purge."""
    return copy_demo(demo_build, tmp_path / "demo")


@pytest.fixture(scope="module")
def demo_module_copy(demo_build, tmp_path_factory):
    """One copy of the demo for a module whose fixtures change it (e.g. render reports into
    its release) and whose tests then read it."""
    return copy_demo(demo_build, tmp_path_factory.mktemp("demo-copy"))


# The shared demo as `demo_build` left it: every file's size, modification time and mode.
_AS_BUILT: dict[Path, dict[str, tuple]] = {}


def _snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        link = os.readlink(path) if path.is_symlink() else None
        out[str(path.relative_to(root))] = (
            (st.st_mode, link) if path.is_dir() else (st.st_mode, st.st_size, st.st_mtime_ns, link)
        )
    return out


@pytest.fixture(autouse=True)
def _demo_left_as_built(request):
    """After each test that used the shared demo: fail it if anything there changed."""
    yield
    if "demo_build" not in request.fixturenames:
        return
    for root, before in _AS_BUILT.items():
        after = _snapshot(root)
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if changed:
            _AS_BUILT[root] = after  # report it once, at the test that did it
            pytest.fail(
                f"the shared demo was changed in {root}: {', '.join(changed[:5])}"
                f"{' ...' if len(changed) > 5 else ''}; work on `demo_copy` instead",
                pytrace=False,
            )
