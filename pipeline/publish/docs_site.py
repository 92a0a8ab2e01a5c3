"""The dbt docs site, published beside the reports: `<warehouse>/published/docs/`.

`dbt docs generate --static` writes one self-contained `static_index.html` (the manifest and
the catalog embedded, no script or font fetched), which opens straight from a file share.
A run generates it right after `dbt build`, in the same step and with dbt's parse of the
build, its catalog limited to the marts about to be published (`<work>/dbt-docs/`); publishing
installs it in the release. `build_docs_site` makes it afresh from the *published* DuckDB file,
opened read-only through a throw-away profile (`primed report`, or a run whose dbt step could
not): either way the docs describe exactly what is published (schema `marts`). Nothing here
needs the network; the manifest says `send_anonymous_usage_stats: false`, so the page loads no
tracker either.

The site: `docs/index.html` (the static page), plus `manifest.json` and `catalog.json` for
tools that read dbt artefacts.

The docs depend on the project's code and dbt's settings, not on the data (DuckDB's catalog has
no row counts): a run whose code, dbt environment and versions are those of the docs the last
run made (`docs_key`) keeps those docs instead of generating them again (`reuse_docs`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, share, swapped_in
from pipeline.core.run_state import code_fingerprint
from pipeline.core.settings import quiet_telemetry
from pipeline.transform.dbt_project import PROJECT_DIR, THREADS_VARIABLE, dbt_env

DOCS_DIR_NAME = "docs"
# The docs as a run's dbt step makes them (in <warehouse>/work/dbt-docs/): the catalog of the
# published marts only (a selection needs dbt to compile the selected models).
DOCS_ARGS = ["docs", "generate", "--static", "--select", "tag:published"]
DOCS_FILES = ("static_index.html", "manifest.json", "catalog.json")
KEY_FILE = "docs_key.txt"  # beside the docs a run made: what they were made from
DB_ENV = "PRIMED_DOCS_DB"
PROFILE = """primed:
  target: published
  outputs:
    published:
      type: duckdb
      path: "{{ env_var('PRIMED_DOCS_DB') }}"
      config_options:
        access_mode: READ_ONLY
      threads: 1
"""


def build_docs_into(release_dir: Path, published_db: Path | None = None) -> Path:
    """Generate the docs from the release's DuckDB file into `<release_dir>/docs/`.

    dbt runs in a child process: dbt-duckdb keeps its connection open for the life of the
    process, and a read-only connection left open would stop this process from opening the
    same file again with other settings.
    """
    release_dir = Path(release_dir)
    db = Path(published_db or release_dir / "primed.duckdb").resolve()
    if not db.exists():
        raise PrimedError(f"there is no published warehouse at {db} to document")
    quiet_telemetry()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.publish.docs_site", str(release_dir), str(db)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise PrimedError(f"dbt docs generate failed: {lines[-1] if lines else proc.returncode}")
    share(release_dir / DOCS_DIR_NAME)  # made by a process of primed's, for its readers
    return release_dir / DOCS_DIR_NAME


def _generate(release_dir: Path, db: Path) -> Path:
    """In this process: dbt parse, dbt docs generate --static, then swap the folder in."""
    from dbt.cli.main import dbtRunner

    quiet_telemetry()
    with tempfile.TemporaryDirectory(prefix="primed-docs-") as tmp:
        work = Path(tmp)
        (work / "profiles.yml").write_text(PROFILE)
        common = [
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(work),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--quiet",
        ]
        with dbt_env({DB_ENV: str(db)}):
            runner = dbtRunner()
            # --no-compile reads the manifest `parse` writes.
            for args in (["parse"], ["docs", "generate", "--no-compile", "--static"]):
                result = runner.invoke([*args, *common])
                if not result.success:
                    raise PrimedError(f"dbt {' '.join(args)} failed: {result.exception}")
        return install_docs(work / "target", release_dir)


def docs_key(dbt_environment: Mapping[str, str]) -> str:
    """What the docs of a run's marts are made from: the project's code, the variables dbt
    reads (but how many models it builds at once), and the versions of dbt and DuckDB (the
    catalog's type names)."""
    h = hashlib.sha256(code_fingerprint().encode())
    h.update(repr(sorted(i for i in dbt_environment.items() if i[0] != THREADS_VARIABLE)).encode())
    for package in ("dbt-core", "dbt-duckdb", "duckdb"):
        h.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return h.hexdigest()


def reuse_docs(previous: Path, docs: Path, key: str) -> bool:
    """Move the docs a former run made (`previous`) to `docs` when they were made from `key`."""
    try:
        made_from = (previous / KEY_FILE).read_text()
    except OSError:
        return False
    if made_from != key or not all((previous / name).is_file() for name in DOCS_FILES):
        return False
    previous.rename(docs)
    return True


def install_docs(target: Path, release_dir: Path) -> Path:
    """Copy the docs dbt wrote to its `target` folder into `<release_dir>/docs/`, swapped in
    whole."""
    final = release_dir / DOCS_DIR_NAME
    with swapped_in(final) as building:
        shutil.copyfile(target / "static_index.html", building / "index.html")
        for name in ("manifest.json", "catalog.json"):
            shutil.copyfile(target / name, building / name)
    return final


def build_docs_site(warehouse_dir: str | Path) -> Path:
    """Generate the docs of the current release into `<warehouse>/published/docs/`."""
    paths = WarehousePaths.at(warehouse_dir)
    if not paths.published.exists():
        raise PrimedError(f"nothing is published in {paths.root} yet; run primed first")
    release_dir = paths.published.resolve()
    build_docs_into(release_dir, release_dir / "primed.duckdb")
    return paths.published / DOCS_DIR_NAME


if __name__ == "__main__":
    try:
        _generate(Path(sys.argv[1]), Path(sys.argv[2]))
    except PrimedError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
