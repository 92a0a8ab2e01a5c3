"""Demo data: a synthetic council's landing folder, for trying primed and for its tests.

`generate()` writes what `shared/domain/extract-contract.md` says a council drops into the
landing folder: quarterly rolling-12-month CLD extracts with the local columns, quarterly
finance payment files, and the reference files (teams, workers, targets, population, actions),
for a borough sized like Ealing (`cld.md` section 3.3) at ``scale=1`` and for up to 32 London
boroughs. Everything is drawn from one ``numpy.random.Generator`` and one ``random.Random``
seeded with ``seed``; nothing depends on the clock or on set ordering, so a seed gives
byte-identical files. Faults (`FAULT_KINDS`: Release 1 codes, case variants, duplicate rows,
blank start dates, end before start, junk codes) are injected at ``fault_rate`` per kind and
listed in the manifest (`MANIFEST_NAME`); the codes come from the seed at `SEED_PATH`.

The modules, in the order a run uses them: `authorities` (councils, teams, workers), `window`
(periods and simulated days), `people`, `shard` (people and events held column-wise),
`simulate` (stock, front door, follow-ups) with `long_term`, `pathways` and `service_lines`,
`extracts`, `faults`, `payments`, `reference`, `writer`, and `generator` (the entry). Their
constant tables are data files in `data/`, read at import by `codes`, `authorities` and
`reference`.
"""

from pipeline.demo.faults import FAULT_KINDS, SEED_PATH
from pipeline.demo.generator import generate
from pipeline.demo.writer import MANIFEST_NAME

__all__ = ["FAULT_KINDS", "MANIFEST_NAME", "SEED_PATH", "generate"]
