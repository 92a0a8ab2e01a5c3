"""Every `PRIMED_*` setting, read once from the environment, validated, and passed down.

`Settings.from_env()` is called where a process starts (the CLI, Dagster's code location, a
test) and the object is handed to the stages; a bad value stops at once with the variable's
name. `VARIABLES` is the one list of what exists: the README describes them, and
`release_settings()` says which of them change what a release holds (the run-state
fingerprint), so a new variable is declared here or nowhere.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from pipeline.core.errors import PrimedError

PROJECT_DIR = Path(__file__).resolve().parents[2]
log = logging.getLogger("primed")


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    parse: Callable[[str, str], object]
    rule: bool = False  # True: changes what a release holds (part of its inputs fingerprint)


def _text(name: str, raw: str) -> str:
    return raw.strip()


def _whole(minimum: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise PrimedError(f"{name} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise PrimedError(f"{name} must be at least {minimum}, not {value}")
        return value

    return parse


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise PrimedError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value < 0:
        raise PrimedError(f"{name} must not be negative, not {raw!r}")
    return value


def _switch(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value not in {"0", "1", "true", "false", "yes", "no", "on", "off", ""}:
        raise PrimedError(f"{name} must be 1 or 0, not {raw!r}")
    return value in {"1", "true", "yes", "on"}


def _amount(name: str, raw: str) -> str:
    value = raw.strip()
    try:
        amount_bytes(value)
    except PrimedError:
        raise PrimedError(f"{name} must be an amount such as 2GB or 1500MB, not {raw!r}") from None
    return value


_UNITS = {"K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_IEC_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def amount_bytes(amount: str) -> int:
    """The bytes of an amount such as 2GB or 1500MiB (units as DuckDB reads them)."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT])(i?)B", amount.strip(), flags=re.IGNORECASE)
    if found is None:
        raise PrimedError(f"not an amount such as 2GB or 1500MB: {amount!r}")
    number, unit, iec = found.groups()
    return int(float(number) * (_IEC_UNITS if iec else _UNITS)[unit.upper()])


def _target(name: str, raw: str) -> str:
    value = raw.strip().lower() or "duckdb"
    if value not in {"duckdb", "postgres", "spark"}:
        raise PrimedError(f"{name} must be duckdb, postgres or spark, not {raw!r}")
    return value


def _key(name: str, raw: str) -> str:
    value = raw.strip()
    if value and len(value) < 16:
        raise PrimedError(f"{name} is too short: use at least 16 characters")
    return value


def _timezone(name: str, raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = raw.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PrimedError(
            f"{name} must be a time zone such as Europe/London, not {raw!r}"
        ) from None
    return value


def _cron(name: str, raw: str) -> str:
    value = " ".join(raw.split())
    if len(value.split(" ")) != 5:
        raise PrimedError(f"{name} must be a cron schedule of five fields, not {raw!r}")
    return value


V = Variable
# attribute name -> variable; the attribute is what the code reads.
VARIABLES: dict[str, Variable] = {
    "landing": V("PRIMED_LANDING", str(PROJECT_DIR / "data" / "landing"), _text),
    "warehouse": V("PRIMED_WAREHOUSE", str(PROJECT_DIR / "warehouse"), _text),
    "memory_limit": V("PRIMED_MEMORY_LIMIT", "2GB", _amount),
    "pseudonym_key": V("PRIMED_PSEUDONYM_KEY", "", _key),
    "publish_group": V("PRIMED_PUBLISH_GROUP", "", _text),
    "lock_wait_seconds": V("PRIMED_LOCK_WAIT_SECONDS", "0", _seconds),
    "settle_seconds": V("PRIMED_SETTLE_SECONDS", "30", _seconds),
    "keep_releases": V("PRIMED_KEEP_RELEASES", "3", _whole(1)),
    "keep_quality_runs": V("PRIMED_KEEP_QUALITY_RUNS", "30", _whole(1)),
    "retain_months": V("PRIMED_RETAIN_MONTHS", "24", _whole(1)),
    "max_data_age_days": V("PRIMED_MAX_DATA_AGE_DAYS", "120", _whole(1)),
    "alert_command": V("PRIMED_ALERT_COMMAND", "", _text),
    "docs_site": V("PRIMED_DOCS_SITE", "1", _switch, rule=True),
    "dbt_target": V("PRIMED_DBT_TARGET", "duckdb", _target, rule=True),
    "spark_dir": V("PRIMED_SPARK_DIR", "", _text),
    "raw_parquet": V("PRIMED_RAW_PARQUET", "", _text),
    "publish_pg": V("PRIMED_PUBLISH_PG", "", _text, rule=True),
    "publish_pg_schema": V("PRIMED_PUBLISH_PG_SCHEMA", "marts", _text, rule=True),
    "publish_pg_reader": V("PRIMED_PUBLISH_PG_READER", "primed_reader", _text, rule=True),
    "publish_pg_swap_timeout": V("PRIMED_PUBLISH_PG_SWAP_TIMEOUT", "300", _seconds),
    "schedule_cron": V("PRIMED_SCHEDULE", "0 6 * * *", _cron),
    "timezone": V("PRIMED_TIMEZONE", "Europe/London", _timezone),
    "writer_pool": V("PRIMED_WRITER_POOL", "duckdb_writer", _text),
}
DQ_PREFIX = "PRIMED_DQ_"  # PRIMED_DQ_<PARAMETER>: a mart check's threshold (quality suites)
# Read by dbt's profiles.yml, not by Python: set for dbt by `dbt_environment()`, or by the user.
DBT_ONLY = ("PRIMED_WORK_DB", "PRIMED_PG_HOST", "PRIMED_PG_PORT", "PRIMED_PG_USER",
            "PRIMED_PG_PASSWORD", "PRIMED_PG_DATABASE", "PRIMED_SPARK_MASTER",
            "PRIMED_SPARK_DRIVER_MEMORY", "PRIMED_SPARK_SHUFFLE_PARTITIONS",
            "PRIMED_SPARK_JAVA_OPTIONS", "PRIMED_SPARK_FILE_FORMAT", "PRIMED_DOCS_DB")  # fmt: skip
# Used by the test suite only.
TEST_ONLY = (
    "PRIMED_CHROMIUM",
    "PRIMED_TEST_DEMO_DIR",
    "PRIMED_SKIP_BROWSER",
    "PRIMED_DUCKDB_1X_VERSIONS",
    "PRIMED_DUCKDB_1X_CLI",
)
# Set by primed for the alert command it runs, not read.
OUTPUTS = ("PRIMED_ALERT_KIND", "PRIMED_ALERT_SUBJECT")


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    memory_limit: str
    pseudonym_key: str
    publish_group: str
    lock_wait_seconds: float
    settle_seconds: float
    keep_releases: int
    keep_quality_runs: int
    retain_months: int
    max_data_age_days: int
    alert_command: str
    docs_site: bool
    dbt_target: str
    spark_dir: str
    raw_parquet: str
    publish_pg: str
    publish_pg_schema: str
    publish_pg_reader: str
    publish_pg_swap_timeout: float
    schedule_cron: str
    timezone: str
    writer_pool: str
    dq_parameters: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """The settings in `environ` (default: this process's environment), each validated;
        `overrides` (attribute=value) win, for callers that were given a value directly."""
        env = os.environ if environ is None else environ
        unknown = sorted(
            k
            for k in env
            if k.startswith("PRIMED_")
            and k not in {v.name for v in VARIABLES.values()}
            and k not in DBT_ONLY
            and k not in TEST_ONLY + OUTPUTS
            and not k.startswith(DQ_PREFIX)
        )
        if unknown:  # said, not refused: a misspelt setting would otherwise pass unseen
            log.warning(
                "unknown setting %s ignored: README.md lists the PRIMED_* variables",
                ", ".join(unknown),
            )
        values: dict[str, object] = {}
        for attr, var in VARIABLES.items():
            raw = env.get(var.name)
            values[attr] = var.parse(var.name, var.default if raw is None or raw == "" else raw)
        values["landing"] = Path(values["landing"]).resolve()
        values["warehouse"] = Path(values["warehouse"]).resolve()
        dq = {}
        for k, raw in env.items():
            if k.startswith(DQ_PREFIX) and raw.strip():
                try:
                    dq[k[len(DQ_PREFIX) :].lower()] = float(raw)
                except ValueError:
                    raise PrimedError(f"{k} must be a number, not {raw!r}") from None
        values["dq_parameters"] = dq
        values.update(overrides)
        return cls(**values)

    def release_settings(self) -> list[tuple[str, str]]:
        """The settings that change what a release holds, as (variable, value), for the inputs
        fingerprint; the rest say how runs operate."""
        out = [(v.name, str(getattr(self, a))) for a, v in VARIABLES.items() if v.rule]
        out += [(DQ_PREFIX + k.upper(), str(v)) for k, v in sorted(self.dq_parameters.items())]
        return out


assert {f.name for f in fields(Settings)} == {*VARIABLES, "dq_parameters"}
