"""Run-time settings that come from the environment, never from the repository."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets

from pipeline.core.config import VARIABLES, Settings
from pipeline.core.paths import WarehousePaths, private_dir

KEY_ENV = VARIABLES["pseudonym_key"].name
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


def pseudonym_key(paths: WarehousePaths, config: Settings) -> str:
    """The key for keyed pseudonyms: PRIMED_PSEUDONYM_KEY (at least 16 characters, as
    `Settings` checks), else a local key kept beside the warehouse (created on first use,
    readable by its owner only)."""
    if config.pseudonym_key:
        return config.pseudonym_key
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


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(("primed-fingerprint|" + key).encode()).hexdigest()[:16]
