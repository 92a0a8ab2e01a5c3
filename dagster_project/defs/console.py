"""How a run speaks: the console logger (one short line per message, a failure said once)
and, after a run, why it failed, as the CLI says it."""

import logging
import os
import sys

from dagster import AssetCheckSeverity, DagsterEventType, Field, logger

from pipeline.core.config import VARIABLES


@logger(
    {
        "log_level": Field(str, default_value="INFO"),
        "show_failures": Field(
            bool,
            default_value=True,
            description="Print step failures (the CLI says them itself, once, at the end).",
        ),
    },
    description="One short line per message: time, step, message. A failure is said once: "
    "not the run's repeat of it, nor a line per step it kept from running.",
)
def concise_console(init_context):
    log = logging.getLogger("primed.run")
    log.setLevel(init_context.logger_config["log_level"])
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_StepFormatter())
    handler.addFilter(_QuietCascade(init_context.logger_config["show_failures"]))
    log.addHandler(handler)
    log.propagate = False
    return log


class _QuietCascade(logging.Filter):
    """Drop the lines that only repeat a failure: each step skipped because of it
    ("Dependencies for step ... were not executed"), and the run's own failure line."""

    def __init__(self, show_failures: bool):
        super().__init__()
        self.show_failures = show_failures

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        kind = getattr(meta.get("dagster_event"), "event_type", None)
        if kind in (DagsterEventType.STEP_SKIPPED, DagsterEventType.RUN_FAILURE):
            return False
        message = str(meta.get("orig_message", ""))
        # Steps and checks skipped after a failure, or because there was nothing new.
        if message.startswith(("Dependencies for step", "Skipping step")):
            return False
        if message.startswith("Blocking asset check") and "emitted no result" in message:
            return False
        return self.show_failures or kind != DagsterEventType.STEP_FAILURE


class _StepFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        stamp = self.formatTime(record, "%H:%M:%S")
        return f"{stamp} {step:<22} {message}"


def why_it_failed(events) -> list[str]:
    """What stopped a run, said once, ending with what failed: each step failure (a blocking
    check's failure as the checks themselves, each with its file, rows and values)."""
    failed: list[str] = []
    checks: list[str] = []
    failed_steps = {e.step_key for e in events if e.event_type == DagsterEventType.STEP_FAILURE}
    for event in events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            check = event.event_specific_data
            if check.passed or check.severity != AssetCheckSeverity.ERROR:
                continue
            if event.step_key not in failed_steps or not check.description:
                continue
            lines = check.description.strip().splitlines()
            where = check.asset_key.to_user_string()
            checks.append(f"blocking check {check.check_name} on {where} failed: {lines[0]}")
            checks += [f"  {line}" for line in lines[1:]]
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            if err and err.cls_name == "DagsterAssetCheckFailedError":
                continue  # the checks say which, and why
            lines = step_error_lines(err)
            failed.append(f"step {event.step_key} failed: {lines[0]}")
            failed += [f"  {line}" for line in lines[1:]]
    intro = (
        "nothing was published (the steps after the failure did not run); the published "
        "warehouse is as it was. Why:"
    )
    return [intro, *failed, *checks]


# Dagster's wrapper of an exception raised in a step's code: what was raised is its cause.
_WRAPPER = "DagsterExecutionStepExecutionError"
_OUT_OF_MEMORY = (
    "DuckDB reached its memory limit ({name}={limit}): give it more memory, or run on a machine "
    "with more"
)


def step_error_lines(err) -> list[str]:
    """A failed step's error as the user needs it (`err`: Dagster's serialised error): a
    Failure's description, or what the step's code raised (Dagster's wrapper around it says
    only which step), without class names; a hint where the remedy is a setting."""
    while err is not None and err.cls_name == _WRAPPER and err.cause is not None:
        err = err.cause
    lines = _error_lines(err.message if err else "unknown error")
    if err is not None and err.cls_name == "OutOfMemoryException":
        limit = VARIABLES["memory_limit"]
        given = os.environ.get(limit.name) or limit.default
        lines.append(_OUT_OF_MEMORY.format(name=limit.name, limit=given))
    return lines


def _error_lines(message: str) -> list[str]:
    """A step's error without its class name (a Failure's description, an exception's text)."""
    text = message.strip()
    first, _, rest = text.partition(": ")
    if rest and "." in first and " " not in first:  # "dagster._core....Failure: text"
        text = rest
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[:20] or ["unknown error"]
