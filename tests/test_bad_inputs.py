"""A corpus of the faults real exports have, each with its exact outcome.

Every case builds its landing file(s) in a temporary folder, loads them, and asserts one of:
the rows loaded; rows quarantined with the field and reason; or the file refused whole with a
message naming it. Never a traceback, never a silent drop: rows read = loaded + quarantined.
"""

from __future__ import annotations

import codecs
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest import ingest
from pipeline.paths import WarehousePaths
from tests.conftest import HEADERS, cld_row

GOOD = cld_row()
COLUMNS = list(GOOD)


def line(row: dict, sep: str = ",") -> str:
    return sep.join(str(row.get(c, "")) for c in COLUMNS)


def header(sep: str = ",") -> str:
    return sep.join(HEADERS[c] for c in COLUMNS)


def text_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        (landing / name).write_bytes(text.encode(encoding))

    return build


def rows_file(name: str, *rows: dict) -> Callable[[Path], None]:
    return text_file(name, header() + "\n" + "".join(line(r) + "\n" for r in rows))


@dataclass
class Case:
    build: Callable[[Path], None]
    loaded: int = 0
    quarantined: dict[int, str] = field(default_factory=dict)  # row -> reason (substring)
    refused: str = ""  # substring of the refusal
    status: str = ""  # expected file status when not loaded/refused
    check: Callable[[Path, WarehousePaths], None] | None = None


def _symlink(landing: Path) -> None:
    target = landing.parent / "elsewhere.csv"
    target.write_text(header() + "\n" + line(GOOD) + "\n")
    os.symlink(target, landing / "cld_link.csv")


def _long_line(landing: Path) -> None:
    (landing / "cld_long.csv").write_text(
        header() + ",Event Description\n"
        + line(GOOD) + "," + "x" * 10_000_000 + "\n"
        + line(GOOD) + ",short\n"
    )  # fmt: skip


def _still_writing(landing: Path) -> None:
    rows_file("cld_partial.csv", GOOD)(landing)
    now = time.time()
    os.utime(landing / "cld_partial.csv", (now, now))


def _description_is(expected: str) -> Callable[[Path, WarehousePaths], None]:
    def check(landing: Path, paths: WarehousePaths) -> None:
        con = duckdb.connect(str(paths.work_db), read_only=True)
        got = con.execute("SELECT event_description FROM raw.cld_events").fetchall()
        con.close()
        assert got[0][0] == expected

    return check


def _warned(expected: str) -> Callable[[Path, WarehousePaths], None]:
    def check(landing: Path, paths: WarehousePaths) -> None:
        con = duckdb.connect(str(paths.work_db), read_only=True)
        got = con.execute("SELECT reason FROM raw._files").fetchall()
        con.close()
        assert expected in (got[0][0] or ""), got

    return check


CASES: dict[str, Case] = {
    "wrong headers": Case(
        text_file("cld_wrong.csv", "Name,Address,Phone\nA,B,C\n"),
        refused="no header names from the contract were found in row 1",
    ),
    "missing required header": Case(
        text_file("cld_noreq.csv", "LA Code,NHS Number,Event Start Date\nE09000009,1,2024-01-01\n"),
        refused="missing required column(s): Reporting Period End Date, Event Type",
    ),
    "duplicate header": Case(
        text_file("cld_dup.csv", header() + ",Event_Type\n" + line(GOOD) + ",Request\n"),
        refused="both name field 'Event Type'",
    ),
    "header only": Case(text_file("cld_header_only.csv", header() + "\n"), loaded=0),
    "empty file": Case(text_file("cld_empty.csv", ""), refused="the file is empty"),
    "blank first line": Case(
        text_file("cld_blank.csv", "\n" + header() + "\n"), refused="the first line is empty"
    ),
    "truncated last line": Case(
        text_file("cld_trunc.csv", header() + "\n" + line(GOOD) + "\nE09000009,2023-04-01,20"),
        loaded=1,
        quarantined={2: "MISSING COLUMNS"},
    ),
    "windows-1252 text": Case(
        text_file(
            "cld_1252.csv",
            header() + ",Event Description\n" + line(GOOD) + ",Café – “annual” £\n",
            encoding="cp1252",
        ),
        loaded=1,
        check=_description_is("Café – “annual” £"),
    ),
    "utf-8 with BOM": Case(
        text_file("cld_bom.csv", "\ufeff" + header() + "\n" + line(GOOD) + "\n"), loaded=1
    ),
    "utf-16": Case(
        lambda landing: (landing / "cld_u16.csv").write_bytes(
            codecs.BOM_UTF16_LE + (header() + "\n" + line(GOOD) + "\n").encode("utf-16-le")
        ),
        refused="UTF-16",
    ),
    "binary garbage": Case(
        lambda landing: (landing / "cld_bin.csv").write_bytes(bytes(range(256)) * 4),
        refused="UTF-16 or binary",
    ),
    "semicolon delimiters": Case(
        text_file("cld_semi.csv", header(";") + "\n" + line(GOOD, ";") + "\n"), loaded=1
    ),
    "excel saved as csv": Case(
        lambda landing: (landing / "cld_excel.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 64),
        refused="Excel workbook",
    ),
    "crlf line endings": Case(
        text_file("cld_crlf.csv", header() + "\r\n" + line(GOOD) + "\r\n"), loaded=1
    ),
    "mixed line endings, CRLF and LF": Case(
        text_file(
            "cld_mixed_eol.csv",
            header()
            + "\r\n"
            + line(GOOD)
            + "\n"
            + line(dict(GOOD, event_reference="R2"))
            + "\r\n"
            + line(dict(GOOD, event_reference="R3", event_type="Bogus"))
            + "\n",
        ),
        loaded=3,
        check=_warned("line endings were mixed"),
    ),
    "quoted commas and newlines": Case(
        text_file(
            "cld_quoted.csv",
            header()
            + ",Event Description\n"
            + line(GOOD)
            + ',"line one, and\nline two"\n'
            + line(dict(GOOD, event_reference="R2"))
            + ",plain\n",
        ),
        loaded=2,
    ),
    "three date formats": Case(
        rows_file(
            "cld_dates.csv",
            dict(GOOD, event_start_date="2024-01-10"),
            dict(GOOD, event_start_date="10/01/2024"),
            dict(GOOD, event_start_date="2024/01/10"),
        ),
        loaded=2,
        quarantined={3: "Event Start Date: not a date (2024/01/10)"},
    ),
    "impossible date": Case(
        rows_file("cld_feb30.csv", dict(GOOD, event_end_date="30/02/2024")),
        quarantined={1: "Event End Date: not a date (30/02/2024)"},
    ),
    "end before start": Case(
        rows_file("cld_order.csv", dict(GOOD, event_end_date="2024-01-09")),
        quarantined={1: "Event End Date: before Event Start Date"},
    ),
    "missing mandatory field": Case(
        rows_file("cld_nostart.csv", dict(GOOD, event_start_date="")),
        quarantined={1: "Event Start Date: missing (mandatory)"},
    ),
    "no person identifier": Case(
        rows_file("cld_noid.csv", dict(GOOD, nhs_number="", la_person_unique_identifier="")),
        quarantined={1: "both missing: the person cannot be identified"},
    ),
    "negative cost": Case(
        text_file("cld_neg.csv", header() + ",Unit Cost\n" + line(GOOD) + ",-120.00\n"),
        quarantined={1: "Unit Cost: negative"},
    ),
    "text cost": Case(
        text_file("cld_tbc.csv", header() + ",Unit Cost\n" + line(GOOD) + ",TBC\n"),
        quarantined={1: "Unit Cost: not a number (TBC)"},
    ),
    "pound sign and thousands": Case(
        text_file("cld_money.csv", header() + ",Unit Cost\n" + line(GOOD) + ',"£1,309.00"\n'),
        loaded=1,
    ),
    "unknown code": Case(
        # Loaded as sent; the dbt guard then stops the run naming it (tests/test_pipeline.py).
        rows_file("cld_code.csv", dict(GOOD, event_outcome="Sent to panel")),
        loaded=1,
    ),
    "duplicate event rows": Case(rows_file("cld_twice.csv", GOOD, GOOD), loaded=2),
    "too many fields": Case(
        text_file("cld_many.csv", header() + "\n" + line(GOOD) + ",extra,fields\n"),
        quarantined={1: "TOO MANY COLUMNS"},
    ),
    "10 MB single line": Case(
        _long_line, loaded=1, quarantined={1: "Event Description: longer than 4,000 characters"}
    ),
    "name with spaces": Case(rows_file("cld extract Q1 2024.csv", GOOD), loaded=1),
    "unicode name": Case(rows_file("cld_éxtract_ü.csv", GOOD), loaded=1),
    "symlink in landing": Case(_symlink, refused="is a symbolic link"),
    "file still being written": Case(_still_writing, status="waiting"),
    "unknown extra column": Case(
        text_file("cld_extra.csv", header() + ",Local Flag\n" + line(GOOD) + ",Y\n"), loaded=1
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(tmp_path, name):
    case = CASES[name]
    landing = tmp_path / "landing"
    landing.mkdir()
    case.build(landing)
    paths = WarehousePaths.at(tmp_path / "wh")
    settle = 3600 if case.status == "waiting" else 0
    report = ingest(landing, paths.root, settle_seconds=settle)
    (result,) = report.files
    if case.refused:
        assert result.status == "refused"
        assert case.refused in result.reason, result.reason
    elif case.status:
        assert result.status == case.status, result.reason
    else:
        assert result.status == "loaded", result.reason
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        loaded = con.execute("SELECT count(*) FROM raw.cld_events").fetchall()[0][0]
        quarantined = dict(
            con.execute(
                "SELECT row_number, array_to_string(reasons, ' | ') FROM raw._quarantine"
            ).fetchall()
        )
    finally:
        con.close()
    assert loaded == case.loaded
    assert set(quarantined) == set(case.quarantined)
    for row, reason in case.quarantined.items():
        assert reason in quarantined[row], quarantined[row]
    if result.status == "loaded":
        assert result.rows_read == result.rows_loaded + result.rows_quarantined
        assert (result.rows_loaded, result.rows_quarantined) == (case.loaded, len(quarantined))
    if case.check:
        case.check(landing, paths)


def test_corpus_is_broad():
    assert len(CASES) >= 25
