"""What is in the landing folder, and what each file is.

Every file in the landing folder (and in a zip there) gets a verdict: a contract kind to load, a
zip to open, or ignored / refused with the reason. Nothing is passed over in silence.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.core import contract
from pipeline.core.errors import FileRefused

WORKBOOKS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
COMPRESSED = (".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".7z", ".rar")
EXCEL_HOW_TO = (
    "open it in Excel and use File > Save As with the type 'CSV UTF-8 (Comma delimited) "
    "(*.csv)', one file per sheet, and drop the .csv in the landing folder"
)
ODS_HOW_TO = (
    "open it in LibreOffice Calc and use File > Save As with the type 'Text CSV (.csv)' and "
    "the character set 'Unicode (UTF-8)', one file per sheet, and drop the .csv in the "
    "landing folder"
)
ZIP_KIND = "zip"
OTHER_KIND = "other"  # the kind recorded for a file that is not a CSV of the contract


def workbook_reason(suffix: str) -> str:
    if suffix == ".ods":
        return f"is a spreadsheet (OpenDocument {suffix}), not CSV: {ODS_HOW_TO}"
    return f"is an Excel workbook ({suffix}), not CSV: {EXCEL_HOW_TO}"


@dataclass
class Found:
    """A landing file (or a file inside a landing zip) and what is to be done with it."""

    path: Path
    name: str  # as recorded: the file name, or its path below the landing folder when deeper
    kind: str | None  # a contract kind, ZIP_KIND, or None when not loaded
    status: str = ""  # "" = to load; "ignored" or "refused" (with the reason)
    reason: str = ""


def _suffix(name: str) -> str:
    low = name.lower()
    for double in (".csv.gz", ".tar.gz"):
        if low.endswith(double):
            return double
    return Path(low).suffix


def classify_parts(parts: tuple[str, ...]) -> tuple[str | None, str, str]:
    """(kind, status, reason) for a file at `parts` below the landing folder (or in a zip)."""
    name = parts[-1]
    low = name.lower()
    folder = parts[:-1]
    if low.startswith("~$"):
        return None, "ignored", "an Office lock file (the workbook is open somewhere)"
    if low.startswith(".") or any(p.startswith(".") or p == "__MACOSX" for p in folder):
        return None, "ignored", "a hidden file (its name or folder starts with '.')"
    in_reference = len(folder) == 1 and folder[0].lower() == "reference"
    if folder and not in_reference:
        return (
            None,
            "ignored",
            f"in the subfolder {'/'.join(folder)}/: only files in the landing folder itself and "
            "in reference/ are loaded",
        )
    suffix = _suffix(name)
    if suffix in WORKBOOKS:
        return None, "refused", workbook_reason(suffix)
    if suffix == ".zip":
        return ZIP_KIND, "", ""
    if suffix in COMPRESSED or suffix == ".tar.gz":
        return (
            None,
            "refused",
            f"is a compressed file of a kind primed cannot open ({suffix}): send CSV files as "
            "they are, each gzipped (.csv.gz), or together in a .zip",
        )
    if suffix not in (".csv", ".csv.gz"):
        return (
            None,
            "ignored",
            "not a CSV file (primed loads .csv, .csv.gz, and .zip files holding CSV files; "
            "rename a CSV export that has another extension)",
        )
    stem = low[: -len(suffix)]
    if in_reference:
        if stem in contract.REFERENCE_COLUMNS:
            return f"ref_{stem}", "", ""
        known = ", ".join(f"{n}.csv" for n in contract.REFERENCE_COLUMNS)
        return None, "ignored", f"not a reference file primed knows ({known})"
    return ("payments" if low.startswith("payments") else "cld"), "", ""


def discover(landing: Path) -> list[Found]:
    """Every file below the landing folder with its verdict: reference files first (so that
    extracts loaded in the same run can be checked against them), then by name."""
    if not landing.is_dir():
        raise FileRefused(str(landing), "the landing folder does not exist")
    found = []
    for path in sorted(landing.rglob("*")):
        if path.is_dir():
            continue
        parts = path.relative_to(landing).parts
        kind, status, reason = classify_parts(parts)
        deep = len(parts) > 2 or (len(parts) == 2 and kind is None)
        name = "/".join(parts) if deep else path.name
        found.append(Found(path, name, kind, status, reason))
    return sorted(found, key=_load_order)


def _load_order(f: Found) -> tuple:
    return (bool(f.status), not (f.kind or "").startswith("ref_"), f.name)


def zip_members(
    archive: zipfile.ZipFile, in_reference: bool
) -> list[tuple[zipfile.ZipInfo, tuple[str, ...], str | None, str, str]]:
    """The files in a zip with their verdict, in load order. A zip made from one folder holds
    everything inside that folder: read as the folder's contents."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    parts = [PurePosixPath(i.filename).parts for i in infos]
    tops = {p[0] for p in parts if p[0] != "__MACOSX"}
    top = next(iter(tops)) if len(tops) == 1 else None
    strip = (
        top is not None
        and top.lower() != "reference"
        and all(len(p) > 1 for p in parts if p[0] == top)
    )
    entries = []
    for info, p in zip(infos, parts, strict=True):
        if strip and p[0] == top:
            p = p[1:]
        if in_reference:
            p = ("reference", *p)
        kind, status, reason = classify_parts(p)
        if kind == ZIP_KIND:
            kind, status = None, "ignored"
            reason = "a zip inside a zip is not opened; unzip it and drop what it holds"
        elif not status and info.flag_bits & 0x1:
            status, reason = "refused", "is password-protected; zip it again without a password"
        entries.append((info, p, kind, status, reason))
    entries.sort(key=lambda e: (bool(e[3]), not (e[2] or "").startswith("ref_"), e[0].filename))
    return entries
