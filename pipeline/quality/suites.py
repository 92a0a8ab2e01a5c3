"""The expectation suites: GX 1.x suites kept as files (expectations/*.json), loaded at run time.

Each expectation has GX's own `severity`: `critical` = blocking (stops publishing), `warning` =
reported only. `meta.field` names the CLD field a rule belongs to and `meta.chk` the national
DQ check code (cld.md 1.4: -1 blank but mandatory, -2..-6 invalid, -7 Release 1 value);
`meta.scope` is `row` (the default) or `file` (one row per file). A value set may be written
`{"$codes": field}` (the field's Release 2 values) or `{"$seed": name, "column": c}` (a seed's
column): they are resolved when the suite is loaded.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core import contract
from pipeline.quality.codes import SEEDS_DIR, local_mappings, r2_values

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"


def _seed_column(seed: str, column: str) -> list[str]:
    with (SEEDS_DIR / f"{seed}.csv").open(newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f) if row[column]]


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and "$codes" in value:
        return r2_values(value["$codes"])
    if isinstance(value, dict) and "$seed" in value:
        return _seed_column(value["$seed"], value["column"])
    return value


@dataclass
class Suite:
    name: str
    meta: dict
    expectations: list[dict]  # GX expectation configurations, value sets resolved
    digest: str  # changes when the suite file or the code lists change

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "")

    def scoped(self, scope: str) -> list[tuple[int, dict]]:
        return [
            (i, e)
            for i, e in enumerate(self.expectations)
            if e.get("meta", {}).get("scope", "row") == scope
        ]


def load_suite(name: str, suites_dir: Path | None = None) -> Suite:
    path = (suites_dir or SUITES_DIR) / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    exps = []
    for e in data["expectations"]:
        e = json.loads(json.dumps(e))
        e["kwargs"] = {k: _resolve(v) for k, v in e["kwargs"].items()}
        e.setdefault("severity", "warning")
        exps.append(e)
    # The local mappings in force change what the code rules find, so they are in the digest.
    local = [list(vars(m).values()) for m in local_mappings()]
    digest = hashlib.sha256(
        json.dumps([data.get("meta"), exps, local], sort_keys=True).encode()
    ).hexdigest()[:16]
    return Suite(data["name"], data.get("meta", {}), exps, digest)


def suite_for_kind(kind: str) -> Suite:
    """The suite of a raw table: expectations/raw_<table>.json."""
    return load_suite(f"raw_{contract.RAW_TABLE[kind]}")


def is_blocking(expectation: dict) -> bool:
    return expectation.get("severity", "warning") == "critical"
