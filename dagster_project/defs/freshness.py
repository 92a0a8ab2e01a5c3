"""Freshness: Dagster asset checks that warn when the published data is getting old.

The measure of freshness is the **data date**: the latest `Reporting Period End Date` loaded
(measures.md), published as `marts._release.data_date`. It is chosen over the time the newest
landing file was loaded because a load time only says the pipeline ran: an old extract loaded
again today would look fresh, while the data date says how current the figures are.

Two checks on the `published/warehouse` asset, both WARN (they never fail a run):

* `extract_is_fresh`: the data date is no more than `PRIMED_MAX_DATA_AGE_DAYS` (default 120:
  a quarterly extract plus a month's grace; `settings.max_data_age_days`) days before today;
* `marts_share_the_data_date`: every published mart with a `data_date` column carries the
  release's data date, so no mart is left behind on an older extract.

Both read the published DuckDB file read-only, so they never wait for the writer.
"""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from dagster_project.defs.publish import PUBLISHED_KEY
from dagster_project.defs.resources import PrimedResource
from pipeline.core.config import VARIABLES

MAX_AGE = VARIABLES["max_data_age_days"]


def published_data_dates(published_db: Path) -> tuple[date | None, dict[str, date | None]]:
    """The release's data date, and the latest `data_date` of every mart that has one."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        release = con.execute("select max(data_date) from marts._release").fetchall()[0][0]
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_columns() where schema_name = 'marts' "
                "and column_name = 'data_date' and table_name <> '_release' order by 1"
            ).fetchall()
        ]
        marts = {
            t: con.execute(f'select max(data_date) from marts."{t}"').fetchall()[0][0]
            for t in tables
        }
    finally:
        con.close()
    return release, marts


def freshness_checks(
    *, today: Callable[[], date] = date.today, asset_key: AssetKey = PUBLISHED_KEY
) -> list[AssetChecksDefinition]:
    """Asset checks on the published warehouse (WARN severity); see the module docstring.
    `today` is for tests."""
    return [_extract_is_fresh(today, asset_key), _marts_share_the_data_date(asset_key)]


def _extract_is_fresh(today: Callable[[], date], asset_key: AssetKey) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_key,
        name="extract_is_fresh",
        description="The data date (latest Reporting Period End Date loaded) is no older than "
        f"{MAX_AGE.name} days (default {MAX_AGE.default}).",
    )
    def extract_is_fresh(primed: PrimedResource) -> AssetCheckResult:
        paths = primed.paths
        if not paths.published_db.exists():
            return _nothing_published(paths.root)
        limit = primed.max_data_age_days
        data_date, _ = published_data_dates(paths.published_db)
        if data_date is None:
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.WARN,
                description="the published release has no data date",
            )
        age = (today() - data_date).days
        passed = age <= limit
        return AssetCheckResult(
            passed=passed,
            severity=AssetCheckSeverity.WARN,
            description=(
                f"data up to {data_date}, {age} days old"
                + ("" if passed else f": older than {limit} days; is an extract missing?")
            ),
            metadata={
                "data_date": MetadataValue.text(str(data_date)),
                "age_days": MetadataValue.int(age),
                "max_age_days": MetadataValue.int(limit),
            },
        )

    return extract_is_fresh


def _marts_share_the_data_date(asset_key: AssetKey) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_key,
        name="marts_share_the_data_date",
        description="Every published mart with a data_date column carries the release's data date.",
    )
    def marts_share_the_data_date(primed: PrimedResource) -> AssetCheckResult:
        paths = primed.paths
        if not paths.published_db.exists():
            return _nothing_published(paths.root)
        data_date, marts = published_data_dates(paths.published_db)
        behind = {t: str(d) for t, d in marts.items() if d is not None and d != data_date}
        return AssetCheckResult(
            passed=not behind,
            severity=AssetCheckSeverity.WARN,
            description=(
                f"{len(marts)} marts, all at {data_date}"
                if not behind
                else f"{len(behind)} mart(s) not at the release's data date {data_date}"
            ),
            metadata={
                "data_date": MetadataValue.text(str(data_date)),
                "marts_behind": MetadataValue.json(behind),
            },
        )

    return marts_share_the_data_date


def _nothing_published(root: Path) -> AssetCheckResult:
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description=f"nothing is published in {root} yet",
    )
