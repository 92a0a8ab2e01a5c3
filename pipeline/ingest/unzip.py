"""Streaming one file out of a landing zip into the warehouse's tmp folder (never all of it in
memory), hashing it on the way; refused with the reason when it cannot be unpacked."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
import zlib
from pathlib import Path

from pipeline.core.errors import FileRefused
from pipeline.ingest.encoding import CHUNK


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"


def extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, name: str) -> str:
    """Stream one file out of a zip (never all of it in memory); its SHA-256."""
    free = shutil.disk_usage(out.parent).free
    if info.file_size > free - (256 << 20):
        raise FileRefused(
            name,
            f"needs {_size(info.file_size)} to unpack but {out.parent} has {_size(free)} free",
        )
    digest = hashlib.sha256()
    try:
        with archive.open(info) as src, out.open("wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
    except NotImplementedError as exc:
        raise FileRefused(
            name, f"is compressed in a way primed cannot read ({exc}); zip it again as usual"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise FileRefused(name, f"could not be unpacked from the zip ({exc})") from None
    return digest.hexdigest()
