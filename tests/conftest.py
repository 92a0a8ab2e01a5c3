"""Shared fixtures: real DuckDB files, real dbt (in process) and real Dagster runs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from pipeline.settings import QUIET_ENV

for _name, _value in QUIET_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("PRIMED_PSEUDONYM_KEY", "test-key-0123456789abcdef")

from pipeline import contract  # noqa: E402
from pipeline.dbt_project import prepare_manifest  # noqa: E402

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


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    return prepare_manifest()
