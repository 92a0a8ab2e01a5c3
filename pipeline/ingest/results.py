"""What ingestion says about each landing file: its outcome, a run's report, the progress line."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileResult:
    file_name: str
    kind: str
    status: str  # loaded | skipped | refused | ignored | waiting | unpacked (a zip)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "loaded"]

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "refused"]

    def summary(self) -> dict:
        return {
            "files_loaded": len(self.loaded),
            "files_skipped": sum(f.status == "skipped" for f in self.files),
            "files_refused": len(self.refused),
            "files_ignored": sum(f.status == "ignored" for f in self.files),
            "files_waiting": sum(f.status == "waiting" for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }


def describe(r: FileResult) -> str:
    """The progress line for one file's outcome."""
    if r.status == "loaded":
        text = f"loaded   {r.file_name}: {r.rows_loaded:,} rows"
        if r.reason:  # restored in a rebuild
            text += f" {r.reason}"
        if r.rows_quarantined:
            text += f", {r.rows_quarantined:,} quarantined"
        return text + "".join(f" (warning: {w})" for w in r.warnings)
    if r.status == "refused":
        return f"REFUSED  {r.file_name}: {r.reason}"
    return f"{r.status:<8} {r.file_name}: {r.reason}"
