"""The one settings object: every variable declared once, documented, validated by name."""

import logging
from pathlib import Path

import pytest

from pipeline.core.config import VARIABLES, Settings, amount_bytes
from pipeline.core.errors import PrimedError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_declared_setting_is_in_the_readme():
    text = README.read_text()
    missing = [v.name for v in VARIABLES.values() if v.name not in text]
    assert missing == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PRIMED_MEMORY_LIMIT", "lots", "PRIMED_MEMORY_LIMIT must be an amount"),
        ("PRIMED_KEEP_RELEASES", "0", "PRIMED_KEEP_RELEASES must be at least 1"),
        ("PRIMED_SETTLE_SECONDS", "soon", "PRIMED_SETTLE_SECONDS must be a number of seconds"),
        ("PRIMED_DBT_TARGET", "oracle", "PRIMED_DBT_TARGET must be duckdb, postgres or spark"),
        ("PRIMED_TIMEZONE", "Mars/Olympus", "PRIMED_TIMEZONE must be a time zone"),
        ("PRIMED_SCHEDULE", "daily", "PRIMED_SCHEDULE must be a cron schedule"),
        ("PRIMED_DQ_TOLERANCE", "a bit", "PRIMED_DQ_TOLERANCE must be a number"),
    ],
)
def test_a_bad_value_stops_with_the_variables_name(name, value, message):
    with pytest.raises(PrimedError, match=message):
        Settings.from_env({name: value})


def test_defaults_and_what_changes_a_release(caplog):
    with caplog.at_level(logging.WARNING, logger="primed"):
        s = Settings.from_env({"PRIMED_KEEP_RELEASE": "5", "PRIMED_DQ_TOLERANCE": "0.1"})
    assert "unknown setting PRIMED_KEEP_RELEASE ignored" in caplog.text  # a misspelling is said
    assert (s.keep_releases, s.memory_limit, s.writer_pool, s.timezone) == (
        3,
        "2GB",
        "duckdb_writer",
        "Europe/London",
    )
    assert s.dq_parameters == {"tolerance": 0.1}
    rules = dict(s.release_settings())
    assert rules["PRIMED_DBT_TARGET"] == "duckdb" and rules["PRIMED_DQ_TOLERANCE"] == "0.1"
    assert "PRIMED_LOCK_WAIT_SECONDS" not in rules  # how a run operates, not what it holds


def test_amounts_read_as_duckdb_reads_them():
    assert amount_bytes("2GB") == 2 * 10**9 and amount_bytes(" 1.5 gib ") == 1.5 * 2**30
    assert amount_bytes("1500MB") == 1_500_000_000 and amount_bytes("64KiB") == 65536
    with pytest.raises(PrimedError, match="not an amount"):
        amount_bytes("lots")
