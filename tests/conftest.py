"""Shared fixtures: real DuckDB files, real dbt (in process) and real Dagster runs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from pipeline.core.settings import QUIET_ENV

for _name, _value in QUIET_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("PRIMED_PSEUDONYM_KEY", "test-key-0123456789abcdef")
# The dbt docs site takes a while to build; tests/test_reports.py builds it when it tests it.
os.environ.setdefault("PRIMED_DOCS_SITE", "0")

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


def dbt_build(paths, select: str, scratch: Path, command: str = "build"):
    """`dbt build --select SELECT` (or another command) in process on a warehouse's work
    database, with dbt's target and logs in `scratch` (never the repository's); then let go of
    the database, as a run does, so that the next step can open it. Returns dbt's result."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    from pipeline.transform.dbt_project import PROJECT_DIR

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIMED_WORK_DB", str(paths.work_db))
        result = dbtRunner().invoke(
            [command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs"),
             "--select", select, "--indirect-selection", "cautious", "--quiet"]
        )  # fmt: skip
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
    assert result.success, result.exception or [
        r.message for r in result.result or [] if r.status not in ("pass", "success")
    ]
    return result


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    return prepare_manifest()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, dbt_manifest):
    """A small generated borough run once through the job, shared by the modules that read it.
    It runs under the most permissive umask (0: files 666, folders 777), as a careless service
    account might: tests/test_data_protection.py checks what it created is private all the same.
    PRIMED_TEST_DEMO_DIR (a folder with landing/ and warehouse/ built this way) reuses one."""
    from pipeline.cli import run_pipeline
    from pipeline.core.paths import WarehousePaths
    from pipeline.demo import generate

    reuse = os.environ.get("PRIMED_TEST_DEMO_DIR")
    if reuse:
        return Path(reuse) / "landing", WarehousePaths.at(Path(reuse) / "warehouse")
    base = tmp_path_factory.mktemp("demo")
    landing = base / "landing"
    generate(landing, seed=11, scale=0.02)
    paths = WarehousePaths.at(base / "warehouse")
    previous = os.umask(0)
    try:
        assert run_pipeline(landing, paths.root) == 0
    finally:
        os.umask(previous | 0o077)  # as primed leaves it: files made later are private too
    return landing, paths
