"""Whether a landing file is text, and how DuckDB's reader is to get it.

One pass over the file's bytes (decompressed when gzipped) refuses what is not text (empty, a
workbook, UTF-16, binary), finds the encoding (UTF-8, else Windows-1252, else refused), and
counts stray NUL bytes and mixed line endings. A file that is not plain UTF-8 with one kind of
line ending is read from a UTF-8 copy in the warehouse's tmp folder.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.core.errors import FileRefused
from pipeline.ingest.scan import EXCEL_HOW_TO

CHUNK = 1 << 20
HEAD_BYTES = 4096
# C0 control bytes other than tab, LF and CR: a text file has none, or a stray one.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))
BINARY_SHARE = 0.08  # above this share of control bytes in the head, the file is not text


@dataclass
class ByteFacts:
    """What one pass over a file's bytes found (besides their hash)."""

    encoding: str  # utf-8 | cp1252
    nul_bytes: int = 0
    mixed_line_endings: bool = False


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzipped."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _check_head(name: str, head: bytes) -> None:
    if not head:
        raise FileRefused(name, "the file is empty")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(name, f"the file is an Excel workbook, not CSV: {EXCEL_HOW_TO}")
    utf16 = "save it again as CSV in UTF-8 (or Windows-1252)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(name, f"the file is UTF-16 text (it starts with a UTF-16 mark); {utf16}")
    if b"\x00" not in head:  # as before NULs were told apart: nothing more is refused
        return
    half = len(head) // 4
    if len(head) >= 8 and max(head[0::2].count(0), head[1::2].count(0)) > half:
        raise FileRefused(name, f"the file is UTF-16 or binary (every other byte is 0); {utf16}")
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    if controls > BINARY_SHARE * len(head):
        raise FileRefused(
            name,
            f"the file is UTF-16 or binary, not text ({controls} of its first {len(head):,} "
            "bytes are control bytes); save it as CSV in UTF-8 or Windows-1252",
        )


def _scan(f: BinaryIO, encoding: str) -> ByteFacts:
    """Decode the whole stream (raises UnicodeDecodeError) and, in the same pass, count NUL
    bytes and line endings. A few NULs in a text file are stray bytes, not a binary file."""
    decoder = codecs.getincrementaldecoder(encoding)()
    nuls = crlf = 0
    after_cr = lone_lf = False
    while chunk := f.read(CHUNK):
        decoder.decode(chunk)
        # A byte that is absent is found absent at memory speed; counting costs more.
        if b"\x00" in chunk:
            nuls += chunk.count(b"\x00")
        joined = after_cr and chunk[:1] == b"\n"  # a CRLF split between two chunks
        if joined or b"\r" in chunk:
            pairs = chunk.count(b"\r\n") + joined
            crlf += pairs
            lone_lf = lone_lf or chunk.count(b"\n") > pairs
        else:
            lone_lf = lone_lf or b"\n" in chunk
        after_cr = chunk.endswith(b"\r")
    decoder.decode(b"", final=True)
    # Some lines end CRLF and others LF (a file edited on two systems): DuckDB's reader refuses
    # that, a LF-only copy reads. LFs inside quoted cells count too, which is harmless.
    return ByteFacts(encoding, nuls, bool(crlf) and lone_lf)


def inspect_bytes(path: Path, name: str | None = None) -> ByteFacts:
    """The encoding ('utf-8' or 'cp1252', checked over the whole file; anything else is
    refused), stray NUL bytes and mixed line endings, of the file or the CSV it gzips."""
    name = name or path.name
    try:
        with open_bytes(path) as f:
            _check_head(name, f.read(HEAD_BYTES))
            f.seek(0)
            try:
                return _scan(f, "utf-8")
            except UnicodeDecodeError:
                pass
            f.seek(0)
            try:
                return _scan(f, "cp1252")
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    name,
                    "the file is neither UTF-8 nor Windows-1252 "
                    f"(byte 0x{exc.object[exc.start]:02x})",
                ) from None
    except (OSError, EOFError, zlib.error) as exc:
        if path.name.lower().endswith(".gz"):
            raise FileRefused(name, f"the .gz file is damaged or incomplete ({exc})") from None
        raise FileRefused(name, f"cannot be read ({exc})") from None


def transcode_to_utf8(
    path: Path, encoding: str, tmp_dir: Path, unify_line_endings: bool = False
) -> Path:
    """A UTF-8 copy of the file (decompressed) in tmp_dir; with unify_line_endings, CRLF
    becomes LF."""
    out = tmp_dir / f"{path.name}.{os.getpid()}.utf8.csv"
    with (
        io.TextIOWrapper(open_bytes(path), encoding=encoding, newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        if not unify_line_endings:
            shutil.copyfileobj(src, dst, CHUNK)
            return out
        carry = ""
        while chunk := src.read(CHUNK):
            chunk = carry + chunk
            carry = "\r" if chunk.endswith("\r") else ""
            dst.write(chunk[: len(chunk) - len(carry)].replace("\r\n", "\n"))
        dst.write(carry)
    return out


def readable_source(
    path: Path, tmp_dir: Path, name: str | None = None
) -> tuple[Path, ByteFacts, list[str]]:
    """The file as DuckDB's reader will read it (the file itself, gzipped or not, or a UTF-8,
    consistently ended copy when it is not that already), what its bytes hold, and warnings
    about what was changed."""
    facts = inspect_bytes(path, name)
    warnings = []
    if facts.nul_bytes:
        warnings.append(
            f"{facts.nul_bytes:,} stray NUL byte(s) (0x00) in the file: the rows holding them "
            "are quarantined"
        )
    if facts.encoding == "utf-8" and not facts.mixed_line_endings:
        return path, facts, warnings
    if facts.mixed_line_endings:
        warnings.append("line endings were mixed (CRLF and LF) and were read as LF")
    copy = transcode_to_utf8(path, facts.encoding, tmp_dir, facts.mixed_line_endings)
    return copy, facts, warnings
