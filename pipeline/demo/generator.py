"""`generate()`: one landing folder, council by council and, within a council, shard by shard
(a shard is at most one Ealing's worth of people, so memory stays bounded at large scales:
every shard appends its rows to the same files).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.demo.authorities import LA, LAS, make_la
from pipeline.demo.extracts import finish
from pipeline.demo.faults import Faults, load_codes
from pipeline.demo.formats import EV_NAMES
from pipeline.demo.payments import payment_lines
from pipeline.demo.reference import reference_rows
from pipeline.demo.shard import Shard
from pipeline.demo.simulate import simulate
from pipeline.demo.window import Window, make_window
from pipeline.demo.writer import MANIFEST_NAME, CouncilFiles, write_manifest, write_references


def generate(
    out_dir: Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    las: int = 1,
    fault_rate: float = 0.002,
    start_year: int = 2022,
    years: int = 3,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write a synthetic landing folder into out_dir and return a summary.

    ``scale`` multiplies people and events (1 = a borough sized like Ealing); ``las`` is the
    number of local authorities (Ealing first, then other London boroughs); ``fault_rate`` is
    the share of CLD rows given each kind of fault (0 = clean). Returns the files written, rows
    per file type and faults by kind; the same plus every fault is written to
    ``out_dir/.primed-generator.json``.
    """
    if not 1 <= las <= len(LAS):
        raise ValueError(f"las must be between 1 and {len(LAS)}")
    if scale <= 0 or years < 1:
        raise ValueError("scale must be > 0 and years >= 1")
    out_dir = Path(out_dir)
    (out_dir / "reference").mkdir(parents=True, exist_ok=True)
    r = random.Random(seed)
    run = _Run(
        out_dir=out_dir,
        scale=scale,
        w=make_window(start_year, years),
        quarters=[(fy, q) for fy in range(start_year, start_year + years) for q in (1, 2, 3, 4)],
        g=np.random.default_rng(seed),
        r=r,
        faults=Faults(fault_rate, load_codes(), r),
        say=progress or (lambda _m: None),
    )
    la_objs = [_write_council(run, make_la(li, r)) for li in range(las)]
    ref_rows = reference_rows(la_objs, scale, start_year, years, seed, run.w)
    for name, n in write_references(out_dir, ref_rows, run.say).items():
        run.files.append(f"reference/{name}.csv")
        run.rows[name] = n
    summary = {
        "seed": seed,
        "scale": scale,
        "las": [la.code for la in la_objs],
        "fault_rate": fault_rate,
        "start_year": start_year,
        "years": years,
        "period_ends": [pe.isoformat() for _ps, pe in run.w.periods],
        "files": run.files,
        "rows": run.rows,
        "unique_events": run.events,
        "faults": dict(run.faults.counts),
    }
    write_manifest(out_dir, summary, run.faults.items)
    run.say(f"wrote {MANIFEST_NAME}")
    return summary


@dataclass
class _Run:
    """What every council of a run shares: its settings, random generators, the faults
    injected, and the files, rows and events written so far."""

    out_dir: Path
    scale: float
    w: Window
    quarters: list[tuple[int, int]]
    g: np.random.Generator
    r: random.Random
    faults: Faults
    say: Callable[[str], None]
    files: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {"cld": 0, "payments": 0})
    events: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EV_NAMES, 0))
    nhs_state: dict[str, int] = field(default_factory=lambda: {"next": 0})  # unique across LAs


def _write_council(run: _Run, la: LA) -> LA:
    """Simulate one council shard by shard, appending each shard's extract rows and payments
    to the council's files."""
    council = CouncilFiles(run.out_dir, la, run.w, run.quarters)
    la_scale = run.scale * la.size
    n_shards = max(1, math.ceil(la_scale - 1e-9))
    for sh_no in range(n_shards):
        shard = Shard(la, run.w, la_scale / n_shards, run.g, run.r, run.nhs_state)
        simulate(shard)
        kept = finish(shard, ref_blank_rate=0.01)
        for t, name in enumerate(EV_NAMES):
            run.events[name] += int((kept.type == t).sum())
        council.add_extracts(shard, kept, run.faults)
        run.say(
            f"{la.code}: shard {sh_no + 1}/{n_shards} simulated and written "
            f"({len(kept.idx)} events)"
        )
        council.add_payments(payment_lines(shard, kept, run.w, run.g, run.quarters))
    for name in council.names():
        run.files.append(name)
        run.say(f"wrote {name}")
    run.rows["payments"] += council.pay_rows
    run.rows["cld"] += sum(council.cld_rows)
    return la
