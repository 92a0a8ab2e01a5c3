"""Publishing: the marts as a read-only DuckDB file and Parquet files, swapped in atomically.

A release is built beside the published one, in `<warehouse>/releases/<id>/`, from the work
database opened read-only: the DuckDB file, a Parquet file per mart, the data-quality
report of every loaded extract (`quality/index.html`) and the dbt docs the run made of the marts
(`docs/`); with `PRIMED_PUBLISH_PG`, the marts are also loaded into a PostgreSQL schema beside
the published one (pipeline/publish/postgres.py).
Only when it is complete are the server's schema (one transaction) and the
`<warehouse>/published` symlink (one rename) swapped, so a reader sees the old release or the
new one, never a mix; a reader holding the old file open keeps reading it, and never blocks the
next run, which writes a new file rather than the one being read. Old releases are pruned as
pipeline/publish/pruning.py says: never the live one, nor one a reader holds open.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths, share, swapped_in
from pipeline.core.run_state import inputs_fingerprint
from pipeline.core.sql import literal as _q
from pipeline.core.sql import table_exists
from pipeline.ingest import files_not_counting
from pipeline.publish.postgres import load_release, publish_target
from pipeline.publish.pruning import prune_releases

PUBLISHED_SCHEMA = "marts"
# Written in a storage format that DuckDB 1.x readers can open as well as 2.x.
STORAGE_VERSION = "v1.0.0"
DBT_DOCS_DIR = "dbt-docs"  # the docs the dbt step made, in the work folder


@dataclass
class Release:
    path: Path
    run_id: str
    data_date: str | None
    tables: dict[str, int]


def _ident(name: str) -> str:
    """A mart's name, checked to be a plain name (it becomes a SQL name and a file name)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise PrimedError(f"unexpected table name {name!r} in the marts schema")
    return name


def publish(
    warehouse: WarehousePaths,
    run_id: str,
    progress: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> Release:
    say = progress or (lambda msg: None)
    settings = settings or Settings.from_env()
    paths = warehouse.ensure()
    if not paths.work_db.exists():
        raise PrimedError(f"there is no work database at {paths.work_db} to publish from")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}_{re.sub(r'[^A-Za-z0-9]', '', run_id)[:12]}"
    final = paths.releases_dir / name
    server = None
    try:
        with swapped_in(final) as building:
            (building / "parquet").mkdir()
            release = _build(paths.work_db, building, run_id, say, settings)
            _quality_reports(paths, building / "quality", say, settings)
            _docs(paths, building, say)
            share(building)  # read-only, readable by the readers of what is published
            target = publish_target(settings)
            if target is not None:
                # Loaded beside the server's published schema; swapped in with the file.
                server = load_release(building / "primed.duckdb", target, say, PUBLISHED_SCHEMA)
        if server is not None:
            server.swap()
    except BaseException:
        if server is not None and not server.con.closed:
            server.discard()
        raise
    _swap_symlink(paths.published, Path("releases") / name)
    say(f"published {len(release.tables)} marts to {paths.published}")
    prune_releases(paths, keep=settings.keep_releases, also_keep=final)
    release.path = paths.published
    return release


def _build(
    work_db: Path, out: Path, run_id: str, say: Callable[[str], None], settings: Settings
) -> Release:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_q(str(work_db))} AS work (READ_ONLY)")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'work' "
                "AND schema_name = ? ORDER BY table_name",
                [PUBLISHED_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise PrimedError("the work database has no marts to publish; run dbt first")
        db_file = out / "primed.duckdb"
        con.execute(f"ATTACH {_q(str(db_file))} AS pub (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute(f"CREATE SCHEMA pub.{PUBLISHED_SCHEMA}")
        counts: dict[str, int] = {}
        for table in map(_ident, tables):
            src = f"work.{PUBLISHED_SCHEMA}.{table}"
            dst = f"pub.{PUBLISHED_SCHEMA}.{table}"
            con.execute(f"CREATE TABLE {dst} AS SELECT * FROM {src}")
            _copy_comments(con, table, dst)
            parquet = out / "parquet" / f"{table}.parquet"
            con.execute(f"COPY {src} TO {_q(str(parquet))} (FORMAT parquet, COMPRESSION zstd)")
            counts[table] = con.execute(f"SELECT count(*) FROM {dst}").fetchall()[0][0]
            say(f"  {table}: {counts[table]:,} rows")
        for line in files_not_counting(con, f"work.{PUBLISHED_SCHEMA}"):
            say(f"  not counted: {line}")
        data_date = _data_date(con)
        con.execute(
            f"""CREATE TABLE pub.{PUBLISHED_SCHEMA}._release AS
                SELECT ? AS run_id, ? AS published_at, ?::DATE AS data_date,
                       ? AS storage_version, ? AS inputs_fingerprint""",
            [run_id, datetime.now(UTC).replace(tzinfo=None), data_date, STORAGE_VERSION,
             inputs_fingerprint(con, "work", settings)],
        )  # fmt: skip
        con.execute("DETACH pub")
        return Release(out, run_id, data_date, counts)
    finally:
        con.close()


def _quality_reports(
    paths: WarehousePaths, out: Path, say: Callable[[str], None], settings: Settings
) -> None:
    """The DQ report of every loaded CLD file, with the reconciliation, in the release."""
    from pipeline import quality
    from pipeline.quality.results import DQ_CACHE, quality_dir

    started = time.perf_counter()
    tolerance = quality.mart_check_parameters(settings=settings)["tolerance"]
    cache = quality_dir(paths.work_db) / DQ_CACHE  # raw checks fill it
    reports = quality.dq_report_for_loaded_files(
        paths.work_db, out, tolerance, cache, settings=settings
    )
    say(
        f"  data-quality reports: {len(reports)} file(s), {out.name}/index.html "
        f"in {time.perf_counter() - started:.1f}s"
    )


def _docs(paths: WarehousePaths, out: Path, say: Callable[[str], None]) -> None:
    """The dbt docs site this run's dbt step made of the marts (absent: the reports step
    makes it from the published file)."""
    from pipeline.publish import docs_site

    made = paths.work_dir / DBT_DOCS_DIR
    if (made / "static_index.html").exists():
        docs_site.install_docs(made, out)
        say(f"  dbt docs: {docs_site.DOCS_DIR_NAME}/index.html")


def _copy_comments(con: duckdb.DuckDBPyConnection, table: str, dst: str) -> None:
    """dbt persists model and column docs as comments; BI tools show them."""
    rows = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = 'work' AND schema_name = ? "
        "AND table_name = ? AND comment IS NOT NULL",
        [PUBLISHED_SCHEMA, table],
    ).fetchall()
    if rows:
        con.execute(f"COMMENT ON TABLE {dst} IS {_q(rows[0][0])}")
    for column, comment in con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = 'work' "
        "AND schema_name = ? AND table_name = ? AND comment IS NOT NULL",
        [PUBLISHED_SCHEMA, table],
    ).fetchall():
        con.execute(f'COMMENT ON COLUMN {dst}."{column}" IS {_q(comment)}')


def _data_date(con: duckdb.DuckDBPyConnection) -> str | None:
    """The data date the build computed (None for a work database without one)."""
    if not table_exists(con, "intermediate", "int_data_dates", "work"):
        return None
    row = con.execute("SELECT data_date FROM work.intermediate.int_data_dates").fetchall()
    return str(row[0][0]) if row and row[0][0] is not None else None


def _swap_symlink(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise PrimedError(
            f"{link} is a real folder, not the symlink primed manages; move it away first"
        )
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target, target_is_directory=True)
    os.replace(tmp, link)  # atomic on POSIX


def current_release(warehouse: WarehousePaths) -> dict | None:
    """What is published now (run id, time, data date), or None."""
    if not warehouse.published_db.exists():
        return None
    con = duckdb.connect(str(warehouse.published_db), read_only=True)
    try:
        row = con.execute(
            f"SELECT run_id, published_at, data_date FROM {PUBLISHED_SCHEMA}._release"
        ).fetchall()[0]
    finally:
        con.close()
    return {"run_id": row[0], "published_at": str(row[1]), "data_date": str(row[2])}
