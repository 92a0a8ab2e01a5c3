"""Reading the generator's constant tables: the CSV and JSON files in `pipeline/demo/data/`.

They ship inside the package (pyproject's package-data), so an installed wheel has them; they
are read once, when the module that needs them is imported.
"""

from __future__ import annotations

import csv
import json
from importlib.resources import files


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of data/<name> (a CSV file with a header), in file order."""
    with (files(__package__) / "data" / name).open("r", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_json(name: str):
    return json.loads((files(__package__) / "data" / name).read_text(encoding="utf-8"))


def weights(name: str, *columns: str) -> tuple[tuple, ...]:
    """((value, weight, ...), ...) from data/<name>: the value column, then the named weight
    columns as numbers."""
    return tuple((r["value"], *(float(r[c]) for c in columns)) for r in read_csv(name))
