"""A corpus of the faults real exports have, each with its exact outcome.

Every case builds its landing file(s) in a temporary folder, loads them, and asserts one of:
the rows loaded; rows quarantined with the field and reason; or the file refused whole with a
message naming it. Never a traceback, never a silent drop: rows read = loaded + quarantined,
and every file in the landing folder has its row in raw._files (loaded, waiting, skipped,
refused or ignored, with the reason).
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipeline.core.paths import WarehousePaths
from pipeline.ingest import ingest
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
    # Several files (a zip and what it holds, two landing files): name -> (status, reason).
    files: dict[str, tuple[str, str]] = field(default_factory=dict)
    warned: str | None = None  # a loaded file's warnings hold this ("" = it has none)


def gz_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        (landing / name).write_bytes(gzip.compress(text.encode(encoding)))

    return build


def zip_file(name: str, members: dict[str, bytes | str]) -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        with zipfile.ZipFile(landing / name, "w", zipfile.ZIP_DEFLATED) as z:
            for member, content in members.items():
                z.writestr(member, content)

    return build


def _password_protected_zip(landing: Path) -> None:
    """A zip whose member is marked encrypted (Python writes none, so the flag is set)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("cld_secret.csv", header() + "\n" + line(GOOD) + "\n")
    data = bytearray(buf.getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    (landing / "cld_locked.zip").write_bytes(bytes(data))


def with_description(*descriptions: str) -> str:
    rows = [dict(GOOD, event_reference=f"R{i}") for i in range(1, len(descriptions) + 1)]
    return (
        header()
        + ",Event Description\n"
        + "".join(f"{line(r)},{d}\n" for r, d in zip(rows, descriptions, strict=True))
    )


DATE_HINT = (
    "where primed reads dates as YYYY-MM-DD or DD/MM/YYYY, optionally followed by a time "
    "HH:MM[:SS[.fff]]"
)


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


def _dates_are(start: str, end: str) -> Callable[[Path, WarehousePaths], None]:
    def check(landing: Path, paths: WarehousePaths) -> None:
        con = duckdb.connect(str(paths.work_db), read_only=True)
        got = con.execute(
            "SELECT DISTINCT event_start_date::VARCHAR, event_end_date::VARCHAR FROM raw.cld_events"
        ).fetchall()
        con.close()
        assert got == [(start, end)]

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
    # ---------------------------------------------------------------- issue 13: every file seen
    "gzipped CSV": Case(
        gz_file("cld_q1.csv.gz", header() + "\n" + line(GOOD) + "\n" + line(GOOD) + "\n"),
        loaded=2,
    ),
    "gzipped Windows-1252 with mixed line endings": Case(
        gz_file(
            "cld_q2.csv.gz",
            with_description("Café – £", "plain").replace("\n", "\r\n", 1),
            encoding="cp1252",
        ),
        loaded=2,
        warned="line endings were mixed (CRLF and LF) and were read as LF",
    ),
    "truncated gzip": Case(
        lambda landing: (landing / "cld_cut.csv.gz").write_bytes(
            gzip.compress((header() + "\n" + line(GOOD) + "\n").encode())[:-12]
        ),
        refused="the .gz file is damaged or incomplete",
    ),
    "zip of a folder holding CSVs": Case(
        zip_file(
            "extract_2024Q1.zip",
            {
                "2024Q1/cld_a.csv": header()
                + "\n"
                + line(GOOD)
                + "\n"
                + line(dict(GOOD, event_start_date="31/02/2024"))
                + "\n",
                "2024Q1/reference/teams.csv": "Team Code,Team Name\nARC,Advice\n",
                "2024Q1/readme.txt": "extracted by the case system",
                "__MACOSX/2024Q1/._cld_a.csv": "resource fork",
            },
        ),  # fmt: skip
        loaded=1,
        quarantined={2: "Event Start Date: not a date (31/02/2024)"},
        files={
            "extract_2024Q1.zip/2024Q1/reference/teams.csv": ("loaded", ""),
            "extract_2024Q1.zip/2024Q1/cld_a.csv": ("loaded", ""),
            "extract_2024Q1.zip/2024Q1/readme.txt": ("ignored", "not a CSV file"),
            "extract_2024Q1.zip/__MACOSX/2024Q1/._cld_a.csv": ("ignored", "a hidden file"),
            "extract_2024Q1.zip": ("unpacked", "4 file(s) inside: 2 ignored, 2 loaded"),
        },
    ),
    "zip holding a workbook and a zip": Case(
        zip_file("send.zip", {"cld_q1.xlsx": b"PK\x03\x04", "inner.zip": b"PK\x05\x06"}),
        files={
            "send.zip/cld_q1.xlsx": ("refused", "is an Excel workbook (.xlsx), not CSV: open it"),
            "send.zip/inner.zip": ("ignored", "a zip inside a zip is not opened"),
            "send.zip": ("unpacked", "2 file(s) inside: 1 ignored, 1 refused"),
        },
    ),
    "damaged zip": Case(
        lambda landing: (landing / "cld_q1.zip").write_bytes(b"PK\x03\x04 not really a zip"),
        refused="is not a readable zip file",
    ),
    "password-protected zip": Case(
        _password_protected_zip,
        files={
            "cld_locked.zip/cld_secret.csv": ("refused", "is password-protected; zip it again"),
            "cld_locked.zip": ("unpacked", "1 file(s) inside: 1 refused"),
        },
    ),
    "excel workbook": Case(
        lambda landing: (landing / "cld_2024Q1.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 64),
        refused="is an Excel workbook (.xlsx), not CSV: open it in Excel and use File > Save As "
        "with the type 'CSV UTF-8 (Comma delimited) (*.csv)', one file per sheet",
    ),
    "old excel workbook": Case(
        lambda landing: (landing / "cld_2024Q1.xls").write_bytes(b"\xd0\xcf\x11\xe0" * 16),
        refused="is an Excel workbook (.xls), not CSV",
    ),
    "opendocument spreadsheet": Case(
        lambda landing: (landing / "cld_2024Q1.ods").write_bytes(b"PK\x03\x04" * 16),
        refused="open it in LibreOffice Calc and use File > Save As with the type 'Text CSV",
    ),
    "7z archive": Case(
        lambda landing: (landing / "cld_2024Q1.7z").write_bytes(b"7z\xbc\xaf\x27\x1c"),
        refused="is a compressed file of a kind primed cannot open (.7z)",
    ),
    "readme in the landing folder": Case(
        text_file("README.txt", "Quarterly extract, see the email"),
        files={"README.txt": ("ignored", "not a CSV file")},
    ),
    "csv in an unknown subfolder": Case(
        lambda landing: rows_file("old/cld_2019.csv", GOOD)((landing / "old").mkdir() or landing),
        files={"old/cld_2019.csv": ("ignored", "in the subfolder old/: only files in the")},
    ),
    "unknown reference file": Case(
        lambda landing: text_file("reference/budget.csv", "Team Code,Budget\nARC,1\n")(
            (landing / "reference").mkdir() or landing
        ),
        files={"reference/budget.csv": ("ignored", "not a reference file primed knows")},
    ),
    "office lock file": Case(
        text_file("~$cld_2024Q1.xlsx", "owner"),
        files={"~$cld_2024Q1.xlsx": ("ignored", "an Office lock file")},
    ),
    "same content under two names": Case(
        lambda landing: [rows_file(n, GOOD)(landing) for n in ("cld_a.csv", "cld_b.csv")] and None,
        loaded=1,
        files={
            "cld_a.csv": ("loaded", ""),
            "cld_b.csv": ("skipped", "already loaded as cld_a.csv (same content)"),
        },
    ),
    # ---------------------------------------------------------------- issue 13: dates and times
    "SQL Server datetimes at midnight": Case(
        rows_file(
            "cld_sqlserver.csv",
            dict(
                GOOD,
                event_start_date="2024-01-10 00:00:00.000",
                event_end_date="2024-01-12 00:00:00",
                reporting_period_end_date="2024-03-31T00:00:00",
            ),
        ),
        loaded=1,
        warned="",
        check=_dates_are("2024-01-10", "2024-01-12"),
    ),
    "ISO datetimes with a time of day": Case(
        rows_file(
            "cld_iso.csv",
            dict(GOOD, event_start_date="2024-01-10T09:30:00"),
            dict(GOOD, event_start_date="2024-01-10T00:00:00", event_reference="R2"),
        ),
        loaded=2,
        warned="Event Start Date: 1 date(s) with a time of day other than midnight (first in "
        "row 1): the date was kept, the time dropped",
        check=_dates_are("2024-01-10", "2024-01-12"),
    ),
    "spreadsheet dates with hours and minutes": Case(
        rows_file(
            "cld_sheet.csv",
            dict(GOOD, event_start_date="10/01/2024 00:00", event_end_date="12/01/2024 17:05"),
            dict(GOOD, event_end_date="12/01/2024 08:00:59", event_reference="R2"),
        ),
        loaded=2,
        warned="Event End Date: 2 date(s) with a time of day other than midnight (first in row "
        "1): the date was kept, the time dropped",
        check=_dates_are("2024-01-10", "2024-01-12"),
    ),
    "datetime with an impossible time": Case(
        rows_file("cld_25h.csv", dict(GOOD, event_start_date="2024-01-10 25:00:00")),
        quarantined={1: "Event Start Date: not a date (2024-01-10 25:00:00)"},
    ),
    "every row fails on the same field": Case(
        rows_file(
            "cld_dots.csv",
            *(dict(GOOD, event_start_date="10.01.2024", event_reference=f"R{i}") for i in range(4)),
        ),
        quarantined={r: "Event Start Date: not a date (10.01.2024)" for r in (1, 2, 3, 4)},
        warned="every row (4) fails on Event Start Date: not a date, written as 99.99.9999 in 4 "
        f"rows (e.g. '10.01.2024'), {DATE_HINT}",
    ),
    "every row fails on a personal field": Case(
        rows_file(
            "cld_dob.csv",
            *(dict(GOOD, date_of_birth="03.02.1950", event_reference=f"R{i}") for i in range(3)),
        ),
        quarantined={r: "Date of Birth: not a date" for r in (1, 2, 3)},
        warned=f"every row (3) fails on Date of Birth: not a date, written as 99.99.9999 in 3 "
        f"rows, {DATE_HINT}",
    ),
    # ---------------------------------------------------------------- issue 13: stray bytes
    "stray NUL in a free-text field": Case(
        text_file("cld_nul.csv", with_description("ok", "a\x00b", "fine")),
        loaded=2,
        quarantined={
            2: "Event Description: holds a NUL byte (0x00), a stray byte from the exporting system"
        },
        warned="1 stray NUL byte(s) (0x00) in the file: the rows holding them are quarantined",
    ),
    "stray NUL in the first row": Case(
        text_file("cld_nul_first.csv", with_description("\x00", "fine")),
        loaded=1,
        quarantined={1: "Event Description: holds a NUL byte (0x00)"},
    ),
    "NUL padding in every row": Case(
        text_file("cld_padded.csv", with_description("a\x00\x00", "b\x00\x00", "c\x00\x00")),
        quarantined={r: "Event Description: holds a NUL byte" for r in (1, 2, 3)},
        warned="6 stray NUL byte(s) (0x00) in the file: the rows holding them are quarantined",
    ),
    "utf-16 without a byte-order mark": Case(
        text_file("cld_u16le.csv", header() + "\n" + line(GOOD) + "\n", encoding="utf-16-le"),
        refused="the file is UTF-16 or binary (every other byte is 0)",
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
    if case.files:
        got = {r.file_name: (r.status, r.reason) for r in report.files}
        assert set(got) == set(case.files), got
        for name, (status, reason) in case.files.items():
            assert got[name][0] == status, got[name]
            assert reason in got[name][1], got[name]
    else:
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
                "SELECT row_number, array_to_string(reasons, ' | ') FROM raw._quarantine "
                "WHERE kind = 'cld'"
            ).fetchall()
        )
        registry = con.execute(
            "SELECT file_name, status, coalesce(reason, '') FROM raw._files"
        ).fetchall()
    finally:
        con.close()
    assert loaded == case.loaded
    assert set(quarantined) == set(case.quarantined)
    for row, reason in case.quarantined.items():
        assert reason in quarantined[row], quarantined[row]
    # Every file, and every file in a zip, has its row in raw._files with what became of it.
    assert sorted((n, s) for n, s, _r in registry) == sorted(
        (r.file_name, r.status) for r in report.files
    )
    for path in landing.rglob("*"):
        if path.is_file():
            rel = path.relative_to(landing).as_posix()
            assert any(n in (path.name, rel) for n, _s, _r in registry), rel
    for result in report.loaded:
        assert result.rows_read == result.rows_loaded + result.rows_quarantined
    if report.loaded and case.refused == "":
        cld = [r for r in report.loaded if r.kind == "cld"]
        assert sum(r.rows_loaded for r in cld) == case.loaded
        assert sum(r.rows_quarantined for r in cld) == len(quarantined)
    if case.warned is not None:
        warnings = [w for _n, s, r in registry if s == "loaded" and r for w in r.split("; ")]
        assert warnings == ([case.warned] if case.warned else []) or case.warned in warnings, (
            warnings
        )
    if case.check:
        case.check(landing, paths)


def test_corpus_is_broad():
    assert len(CASES) >= 25


def test_a_blocking_check_names_the_check_file_rows_and_value(tmp_path):
    """A worker id listed twice: the blocking check's one line says which rule, which file and
    rows, and which value (the run's last line, see tests/test_pipeline.py)."""
    from pipeline import quality

    landing = tmp_path / "landing"
    (landing / "reference").mkdir(parents=True)
    (landing / "reference" / "workers.csv").write_text(
        "Worker ID,Team Code,Role,FTE\nW1,ARC,Social worker,1\nW2,ARC,OT,1\n"
        "W1,ARC,Social worker,0.5\n"
    )
    paths = WarehousePaths.at(tmp_path / "wh")
    ingest(landing, paths.root)
    outcomes = quality.check_raw_extracts(paths.work_db, "run-1")
    (blocking,) = [o for o in outcomes if o.name == "raw_ref_workers_blocking"]
    assert not blocking.passed
    assert blocking.description == "Worker ID unique: workers.csv rows 1, 3 (2 rows, value 'W1')"
