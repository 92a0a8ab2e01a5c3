"""Writing the landing folder: each council's CLD extracts and payment files (a header, then
every shard's rows appended), the reference files, and the manifest
(`.primed-generator.json`: the summary plus every fault injected).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from pipeline.core.contract import CLD_COLUMNS, PAYMENT_COLUMNS, REFERENCE_COLUMNS
from pipeline.demo.authorities import LA
from pipeline.demo.extracts import Kept, lines_for
from pipeline.demo.faults import Faults
from pipeline.demo.formats import csv_row, day
from pipeline.demo.shard import Shard
from pipeline.demo.window import Window

MANIFEST_NAME = ".primed-generator.json"


class CouncilFiles:
    """One council's CLD extracts (one per period) and payment files (one per financial
    quarter), created with their headers and appended to shard by shard."""

    def __init__(self, out_dir: Path, la: LA, w: Window, quarters: list[tuple[int, int]]):
        self.la, self.periods, self.quarters = la, w.periods, quarters
        self.cld_paths = [out_dir / f"cld_{la.code}_{pe.isoformat()}.csv" for _ps, pe in w.periods]
        self.cld_rows = [0] * len(w.periods)
        self.pay_paths = {
            fq: out_dir / f"payments_{la.code}_{fq[0]}Q{fq[1]}.csv" for fq in quarters
        }
        self.pay_rows = 0
        for path in self.cld_paths:
            path.write_text(csv_row([c.header for c in CLD_COLUMNS]) + "\n", encoding="utf-8")
        for path in self.pay_paths.values():
            path.write_text(csv_row([c.header for c in PAYMENT_COLUMNS]) + "\n", encoding="utf-8")

    def add_extracts(self, sh: Shard, kept: Kept, faults: Faults) -> None:
        """A shard's rows of every extract, with their faults."""
        for k, (ps, pe) in enumerate(self.periods):
            prefix = f"{self.la.code},{ps.isoformat()},{pe.isoformat()},"
            lines = lines_for(sh, kept, day(ps), day(pe), prefix)
            lines = faults.inject(lines, self.cld_paths[k].name, self.cld_rows[k])
            _append(self.cld_paths[k], lines)
            self.cld_rows[k] += len(lines)

    def add_payments(self, by_q: dict[tuple[int, int], list[str]]) -> None:
        """A shard's payment lines, by financial quarter."""
        for fq, lines in by_q.items():
            _append(self.pay_paths[fq], lines)
            self.pay_rows += len(lines)

    def names(self) -> list[str]:
        return [p.name for p in self.cld_paths] + [p.name for p in self.pay_paths.values()]


def _append(path: Path, lines: list[str]) -> None:
    if lines:
        with path.open("a", encoding="utf-8", newline="") as fh:
            fh.write("\n".join(lines) + "\n")


def write_references(
    out_dir: Path, ref_rows: dict[str, list[list[str]]], say: Callable[[str], None]
) -> dict[str, int]:
    """Every reference/<name>.csv, with the contract's header; returns the rows of each."""
    written = {}
    for name, cols in REFERENCE_COLUMNS.items():
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow([c.header for c in cols])
        wr.writerows(ref_rows[name])
        (out_dir / "reference" / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")
        written[name] = len(ref_rows[name])
        say(f"wrote reference/{name}.csv")
    return written


def write_manifest(out_dir: Path, summary: dict, fault_list: list[dict]) -> None:
    manifest = dict(summary)
    manifest["fault_list"] = fault_list
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
