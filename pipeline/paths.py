"""Where things live inside a warehouse directory.

<warehouse>/work/primed.duckdb        the one writable database (raw, staging, marts)
<warehouse>/archive/                  a copy of every landing file loaded
<warehouse>/releases/<run id>/        each published release, read-only once written
<warehouse>/published -> releases/..  symlink swapped atomically to the newest release
<warehouse>/secrets/                  the demo's local pseudonym key (never in the repo)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WarehousePaths:
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> WarehousePaths:
        return cls(Path(root).expanduser().resolve())

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def work_db(self) -> Path:
        return self.work_dir / "primed.duckdb"

    @property
    def tmp_dir(self) -> Path:
        return self.work_dir / "tmp"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def releases_dir(self) -> Path:
        return self.root / "releases"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def published_db(self) -> Path:
        return self.published / "primed.duckdb"

    @property
    def secrets_dir(self) -> Path:
        return self.root / "secrets"

    def ensure(self) -> WarehousePaths:
        for d in (self.work_dir, self.tmp_dir, self.archive_dir, self.releases_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self
