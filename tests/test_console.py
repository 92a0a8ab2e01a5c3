"""A run that stops says why in words a council's operator can act on: what a step's code
raised, not only Dagster's "Error occurred while executing op" (a real Dagster run)."""

from __future__ import annotations

import duckdb
from dagster import Failure, job, op

from dagster_project.defs.console import step_error_lines, why_it_failed


def _failed_events(exc: BaseException):
    @op
    def raw_extract_quality():
        raise exc

    @job
    def stops():
        raw_extract_quality()

    result = stops.execute_in_process(raise_on_error=False)
    assert not result.success
    return result.all_events


def test_what_a_step_raised_is_said_with_the_memory_setting(monkeypatch):
    monkeypatch.setenv("PRIMED_MEMORY_LIMIT", "3GB")
    exc = duckdb.OutOfMemoryException(
        "Out of Memory Error: failed to allocate data of size 8.0 MiB (1.8 GiB/1.8 GiB used)"
    )
    lines = why_it_failed(_failed_events(exc))
    failed = [line for line in lines if line.startswith("step raw_extract_quality failed")]
    assert failed == [
        "step raw_extract_quality failed: Out of Memory Error: failed to allocate data of size "
        "8.0 MiB (1.8 GiB/1.8 GiB used)"
    ]
    assert any("PRIMED_MEMORY_LIMIT=3GB" in line for line in lines)
    assert not any("Error occurred while executing" in line for line in lines)


def test_a_failure_s_description_is_said_as_it_is():
    events = _failed_events(Failure(description="landing folder /x is not readable"))
    failure = next(e for e in events if e.is_step_failure)
    assert step_error_lines(failure.step_failure_data.error) == [
        "landing folder /x is not readable"
    ]
