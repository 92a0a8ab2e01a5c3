"""Run-time settings that come from the environment, never from the repository."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, private_dir

KEY_ENV = "PRIMED_PSEUDONYM_KEY"
log = logging.getLogger("primed")

# Telemetry off: these machines have no internet, and councils' data stays local.
QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}


def quiet_telemetry() -> None:
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)


MEMORY_ENV = "PRIMED_MEMORY_LIMIT"


def memory_limit() -> str:
    """DuckDB's memory in each of primed's processes (ingestion, the dbt build through
    profiles.yml): PRIMED_MEMORY_LIMIT, default 2GB; beyond it DuckDB spills to disk."""
    value = os.environ.get(MEMORY_ENV, "2GB").strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value, flags=re.IGNORECASE):
        raise PrimedError(f"{MEMORY_ENV} must be an amount such as 2GB or 1500MB, not {value!r}")
    return value


def pseudonym_key(paths: WarehousePaths) -> str:
    """The key for keyed pseudonyms: PRIMED_PSEUDONYM_KEY, else a local key kept beside the
    warehouse (created on first use, readable by its owner only)."""
    key = os.environ.get(KEY_ENV, "").strip()
    if key:
        if len(key) < 16:
            raise PrimedError(f"{KEY_ENV} is too short: use at least 16 characters")
        return key
    key_file = paths.secrets_dir / "pseudonym.key"
    if key_file.exists():
        return key_file.read_text().strip()
    private_dir(paths.secrets_dir)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    log.warning(
        "created a local pseudonym key at %s; set %s to manage the key yourself",
        key_file,
        KEY_ENV,
    )
    return key


def postgres_publish_target():
    """Where publishing also loads the marts (PRIMED_PUBLISH_PG), or None."""
    from pipeline.publish.postgres import PostgresTarget

    dsn = os.environ.get("PRIMED_PUBLISH_PG", "").strip()
    if not dsn:
        return None
    timeout = os.environ.get("PRIMED_PUBLISH_PG_SWAP_TIMEOUT", "300")
    try:
        swap_timeout = float(timeout)
    except ValueError:
        raise PrimedError(
            f"PRIMED_PUBLISH_PG_SWAP_TIMEOUT must be seconds, not {timeout!r}"
        ) from None
    return PostgresTarget(
        dsn,
        schema=os.environ.get("PRIMED_PUBLISH_PG_SCHEMA", "marts"),
        reader_role=os.environ.get("PRIMED_PUBLISH_PG_READER", "primed_reader"),
        swap_timeout=swap_timeout,
    )


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(("primed-fingerprint|" + key).encode()).hexdigest()[:16]
