"""What a check found (`CheckOutcome`) and where its GX results are kept.

Every GX run's output is saved as JSON under `<warehouse>/quality/<run id>/` (a file's row
rules: the combinations of values validated in that run; those seen before take their saved
verdicts); a check's metadata holds the path (the "link"). Only the newest runs' folders are
kept (PRIMED_KEEP_QUALITY_RUNS, `Settings.keep_quality_runs`; about 2.5 MB a run at Ealing's
size). Folders starting `_` are caches kept across runs: `_cache` (raw checks' summaries per
file and suite version, and the row rules' verdicts per combination of coded values) and
`_dq_reports` (the DQ report of each loaded file).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CheckOutcome:
    name: str
    asset: str  # "raw/cld_events", "marts/rpt_spend_monthly"...
    passed: bool
    blocking: bool
    description: str
    metadata: dict = field(default_factory=dict)


def safe_name(text: str) -> str:
    """A file name part: anything but letters, digits, `.`, `_` and `-` as `_`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text))[:120]


DQ_CACHE = "_dq_reports"  # the DQ reports' analyses of loaded files, in quality_dir


def quality_dir(work_db: Path) -> Path:
    """`<warehouse>/quality` of a warehouse's work database (`<warehouse>/work/primed.duckdb`)."""
    return Path(work_db).resolve().parent.parent / "quality"


def run_dir(root: Path, run_id: str, keep: int) -> Path:
    """The run's folder for GX results; only the newest `keep` runs' folders are kept (this
    one included). Caches (`_*`) stay."""
    path = root / safe_name(run_id)
    path.mkdir(parents=True, exist_ok=True)
    runs = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_") and p != path),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[: max(len(runs) - (keep - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)
    return path
