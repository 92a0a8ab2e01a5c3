"""A corrected re-export wins (measures.md, "A corrected file supersedes").

One warehouse, landings in sequence, each loaded by the real ingestion and built by real dbt:
an extract; its corrected re-export under the same name; another correction under another
name; an older period's extract landing late; then the newest correction withdrawn.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.core.paths import WarehousePaths
from pipeline.ingest import ingest
from tests.conftest import cld_row, dbt_build, write_csv

pytestmark = pytest.mark.slow  # five dbt builds

SELECT = "+fct_reviews +fct_assessments +dim_team +dq_row_accounting +dq_cld_files"
NAME = "cld_2024Q4.csv"


def review(ref: str, person: str, **kw) -> dict:
    row = {"event_type": "Review", "event_reference": ref, "la_person_unique_identifier": person,
           "nhs_number": "", "event_start_date": "2024-02-01", "event_end_date": "",
           "event_outcome": "", "event_status": "Open"}  # fmt: skip
    return cld_row(**(row | kw))


def completed(ref: str, person: str, outcome: str = "Continuation of support or services"):
    return review(ref, person, event_end_date="2024-03-10", event_outcome=outcome,
                  event_status="Completed")  # fmt: skip


ASSESSMENT = cld_row(
    event_type="Assessment", event_reference="A9", la_person_unique_identifier="P9",
    nhs_number="", event_start_date="2024-01-05", event_end_date="2024-01-20",
    assessment_type="Long term assessment", event_outcome="NFA: Other",
)  # fmt: skip
ORIGINAL = [cld_row(), *(review(f"V{n}", f"P{n}") for n in (1, 2, 3)), ASSESSMENT]
# The re-export: the three reviews were completed, and the assessment was recorded in error.
CORRECTED = [cld_row(), *(completed(f"V{n}", f"P{n}") for n in (1, 2, 3))]


class Warehouse:
    def __init__(self, base: Path):
        self.base = base
        self.landing = base / "landing"
        self.paths = WarehousePaths.at(base / "warehouse")

    def land(self, name: str, rows: list[dict]) -> None:
        for old in self.landing.glob("*.csv"):
            old.unlink()
        write_csv(self.landing / name, rows)

    def run(self) -> None:
        report = ingest(self.landing, self.paths.root)
        assert [f.status for f in report.files] == ["loaded"]
        dbt_build(self.paths, SELECT, self.base)

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.paths.work_db), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def reviews(self) -> dict[str, tuple]:
        rows = self.query(
            "SELECT event_reference, event_status, event_outcome, source_rows "
            "FROM marts.fct_reviews"
        )
        return {r[0]: r[1:] for r in rows}

    def files(self) -> list[tuple]:
        return self.query(
            "SELECT file_id, file_name, file_status, superseded_by_file_id "
            "FROM marts.dq_cld_files ORDER BY file_id"
        )

    def accounting(self) -> dict[int, tuple]:
        rows = self.query(
            "SELECT file_id, file_status, sum(rows_loaded), sum(rows_superseded), "
            "sum(rows_withdrawn), sum(rows_counted) FROM marts.dq_row_accounting "
            "GROUP BY ALL ORDER BY file_id"
        )
        return {r[0]: r[1:] for r in rows}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, dbt_manifest) -> Warehouse:
    return Warehouse(tmp_path_factory.mktemp("supersede"))


def test_an_extract_on_its_own_counts(warehouse):
    warehouse.land(NAME, ORIGINAL)
    warehouse.run()
    assert warehouse.reviews() == {f"V{n}": ("Open", None, 1) for n in (1, 2, 3)}
    assert warehouse.query("SELECT event_reference FROM marts.fct_assessments") == [("A9",)]
    assert warehouse.files() == [(1, NAME, "current", None)]


def test_a_corrected_reexport_under_the_same_name_supersedes_it(warehouse):
    warehouse.land(NAME, CORRECTED)
    warehouse.run()
    done = ("Completed", "Continuation of support or services", 1)
    assert warehouse.reviews() == {f"V{n}": done for n in (1, 2, 3)}
    # The assessment that the correction no longer contains stops counting.
    assert warehouse.query("SELECT count(*) FROM marts.fct_assessments") == [(0,)]
    assert warehouse.files() == [(1, NAME, "superseded", 2), (2, NAME, "current", None)]
    assert warehouse.accounting() == {1: ("superseded", 5, 5, 0, 0), 2: ("current", 4, 0, 0, 4)}


def test_a_correction_under_another_name_supersedes_too(warehouse):
    rows = [*CORRECTED[:3], completed("V3", "P3", "NFA: Support ended as planned")]
    warehouse.land("cld_2024Q4_resent.csv", rows)
    warehouse.run()
    assert warehouse.reviews()["V3"] == ("Completed", "NFA: Support ended as planned", 1)
    # Both earlier loads now give way to the file that counts.
    assert [f[2:] for f in warehouse.files()] == [
        ("superseded", 3), ("superseded", 3), ("current", None)
    ]  # fmt: skip


def test_an_older_period_landing_late_never_overrides_a_newer_one(warehouse):
    older = {"reporting_period_start_date": "2023-01-01", "reporting_period_end_date": "2023-12-31"}
    rows = [review("V1", "P1", **older), review("V7", "P7", **older, event_start_date="2023-11-01")]
    warehouse.land("cld_2023Q3.csv", rows)
    warehouse.run()
    reviews = warehouse.reviews()
    # V1: the newer period's completed row still wins; the older file's row is merged into it.
    assert reviews["V1"] == ("Completed", "Continuation of support or services", 2)
    # V7, only in the older file, counts: a different period supersedes nothing.
    assert reviews["V7"] == ("Open", None, 1)
    assert warehouse.files()[-1] == (4, "cld_2023Q3.csv", "current", None)
    assert warehouse.files()[2] == (3, "cld_2024Q4_resent.csv", "current", None)


def test_a_withdrawn_correction_gives_way_to_the_file_it_superseded(warehouse, capsys):
    paths = str(warehouse.paths.root)
    assert main(["withdraw", "cld_2024Q4_resent.csv", "--warehouse", paths,
                 "--reason", "sent by mistake"]) == 0  # fmt: skip
    assert "withdrew cld_2024Q4_resent.csv (id 3)" in capsys.readouterr().out
    # Two loads share the first name: the command asks which.
    assert main(["withdraw", NAME, "--warehouse", paths, "--reason", "x"]) == 2
    assert "2 loaded files are named 'cld_2024Q4.csv'" in capsys.readouterr().err
    dbt_build(warehouse.paths, SELECT, warehouse.base)
    assert warehouse.reviews()["V3"] == ("Completed", "Continuation of support or services", 1)
    assert [f[2:] for f in warehouse.files()] == [
        ("superseded", 2), ("current", None), ("withdrawn", None), ("current", None)
    ]  # fmt: skip
    assert warehouse.accounting()[3] == ("withdrawn", 4, 0, 4, 0)
    assert main(["withdraw", "3", "--warehouse", paths, "--restore"]) == 0
    dbt_build(warehouse.paths, SELECT, warehouse.base)
    assert warehouse.files()[2] == (3, "cld_2024Q4_resent.csv", "current", None)
