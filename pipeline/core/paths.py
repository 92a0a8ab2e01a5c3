"""Where things live inside a warehouse directory, and who may read them.

<warehouse>/work/primed.duckdb        the one writable database (raw, staging, marts)
<warehouse>/archive/                  a copy of every landing file loaded
<warehouse>/quality/                  GX results and per-file caches of the checks
<warehouse>/alerts/                   alerts raised (alerts.jsonl)
<warehouse>/secrets/                  the demo's local pseudonym key (never in the repo)
<warehouse>/releases/<run id>/        each published release, read-only once written
<warehouse>/published -> releases/..  symlink swapped atomically to the newest release

Private by default (docs/data-protection.md): whatever the umask primed is started with, what
it creates is its owner's alone (folders 700, files 600), so every part that holds a value
(the work database and its temporary files, the archive, the quality results, the alerts, the
key, dbt's target and logs) is private to the service. Only the releases are readable by
others: by everyone (folders 755, files 444), or, when PRIMED_PUBLISH_GROUP names a group (the
BI readers), by that group alone (750, 440). The warehouse folder itself lets them through to
`published` without listing what else is there (711, or 710 for the group).
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError

GROUP_ENV = "PRIMED_PUBLISH_GROUP"
PRIVATE = ("work", "archive", "quality", "alerts", "secrets")  # the parts others never read


def private_umask() -> None:
    """From now on this process creates files and folders for its owner alone (umask 077, or
    stricter if it was)."""
    os.umask(os.umask(0o077) | 0o077)


def publish_group() -> int | None:
    """The group that may read what is published (PRIMED_PUBLISH_GROUP), as a gid."""
    name = Settings.from_env().publish_group
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise PrimedError(f"{GROUP_ENV} names the group {name!r}, which does not exist") from None


def shared_modes() -> tuple[int, int, int | None]:
    """(folder mode, file mode, group) of what is published."""
    gid = publish_group()
    return (0o750, 0o440, gid) if gid is not None else (0o755, 0o444, None)


def _chgrp(path: Path, gid: int | None) -> None:
    if gid is None or path.lstat().st_gid == gid:
        return
    try:
        os.chown(path, -1, gid, follow_symlinks=False)
    except PermissionError:
        raise PrimedError(
            f"cannot give {path} to the group {grp.getgrgid(gid).gr_name} ({GROUP_ENV}): the "
            "user primed runs as must be a member of it"
        ) from None


def _set_mode(path: Path, mode: int) -> None:
    if stat.S_IMODE(path.stat().st_mode) == mode:
        return
    try:
        path.chmod(mode)
    except PermissionError:
        raise PrimedError(
            f"cannot set the mode of {path} to {mode:o}: the user primed runs as must own it"
        ) from None


def share(path: Path) -> None:
    """Make a published folder (a release, a report site) and all in it readable by its
    readers, read-only: shared_modes()."""
    folder_mode, file_mode, gid = shared_modes()
    for item in [path, *path.rglob("*")]:
        if item.is_symlink():
            continue
        _chgrp(item, gid)
        item.chmod(folder_mode if item.is_dir() else file_mode)


def append_record(path: Path, record: dict) -> None:
    """Append one JSON line to one of the archive's logs, on disk before this returns."""
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
        out.flush()
        os.fsync(out.fileno())


@contextmanager
def swapped_in(final: Path) -> Iterator[Path]:
    """A folder to fill, built beside `final` and put in its place whole when the block ends
    without an error (a reader sees the old folder or the new one); left out otherwise."""
    building = final.with_name(f".{final.name}.{os.getpid()}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        yield building
        old = final.with_name(f".{final.name}.{os.getpid()}.old")
        if final.exists():
            final.rename(old)
        building.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def make_private(path: Path) -> None:
    """A folder and all in it for the service alone (700, 600): for what a tool copied in with
    its source's modes (dagster-dbt copies dbt's parse state into the target folder)."""
    if not path.exists():
        return
    for item in [path, *path.rglob("*")]:
        if not item.is_symlink():
            _set_mode(item, 0o700 if item.is_dir() else 0o600)


def private_dir(path: Path) -> Path:
    """A folder for the service alone (made 700 if it is new)."""
    if not path.is_dir():
        private_umask()
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
    return path


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

    @property
    def quality_dir(self) -> Path:
        return self.root / "quality"

    @property
    def alerts_dir(self) -> Path:
        return self.root / "alerts"

    def ensure(self) -> WarehousePaths:
        """The warehouse's folders, private (and this process's umask 077) but for releases/,
        which, like the warehouse folder, lets the readers of what is published through."""
        private_umask()
        folder_mode, _file_mode, gid = shared_modes()
        self.root.mkdir(parents=True, exist_ok=True)
        _chgrp(self.root, gid)
        _set_mode(self.root, 0o710 if gid is not None else 0o711)
        for d in (self.work_dir, self.tmp_dir, self.archive_dir, self.quality_dir):
            private_dir(d)
        self.releases_dir.mkdir(exist_ok=True)
        _chgrp(self.releases_dir, gid)
        _set_mode(self.releases_dir, folder_mode)
        return self

    def loose_modes(self) -> list[str]:
        """What in the private parts others than the service could read or write (modes looser
        than 700 / 600), and whether anyone but the service could change what is published: one
        line per part, with an example and the fix."""
        lines = []
        for name in PRIVATE:
            part = self.root / name
            if not part.exists():
                continue
            loose = [
                p
                for p in [part, *part.rglob("*")]
                if not p.is_symlink() and p.lstat().st_mode & 0o077
            ]
            if loose:
                first = loose[0]
                lines.append(
                    f"{name}/: {len(loose)} item(s) others than primed's user may read, e.g. "
                    f"{first.relative_to(self.root)} (mode {stat.S_IMODE(first.lstat().st_mode):o}"
                    f"); fix: chmod -R go-rwx {part}"
                )
        for part in (self.root, self.releases_dir):
            if part.is_dir() and part.stat().st_mode & 0o022:
                lines.append(
                    f"{part} may be written by others than primed's user (mode "
                    f"{stat.S_IMODE(part.stat().st_mode):o}): they could change what is "
                    f"published; fix: chmod go-w {part}"
                )
        return lines
