"""The DQ report of every CLD file already loaded, published with each release.

Each report counts the file's loaded rows (raw.cld_events) and the rows quarantined at load
(raw._quarantine), as ingestion numbered them; with the reconciliation of payments against
committed cost, an index of the files (`index.html`, `index.csv`) and the council's own code
mappings in force.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import duckdb

from pipeline import ingest
from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.core.sql import literal
from pipeline.quality.codes import local_mappings, read_local_mappings, use_local_mappings
from pipeline.quality.dq_page import write_csv, write_index, write_report
from pipeline.quality.dq_report import ValidationReport, analyse, connect, report_from_json
from pipeline.quality.reconciliation import reconciliation
from pipeline.quality.rules_sql import canonical_select
from pipeline.quality.suites import suite_for_kind


def dq_report_for_loaded_files(
    work_db: str | Path,
    out_dir: str | Path,
    tolerance: float = 0.05,
    cache_dir: str | Path | None = None,
    settings: Settings | None = None,
) -> list[ValidationReport]:
    """A DQ report per CLD file already loaded (raw rows + quarantined rows), an index of them
    (`index.html`, `index.csv`), and `reconciliation.csv` with the reconciliation rows in each
    report, when the spend mart exists. A loaded file's rows never change, so with a
    `cache_dir` each file is analysed once (per version of the rules). Returns the reports."""
    memory_limit = (settings or Settings.from_env()).memory_limit
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="primed-dq-", dir=cache or out))
    reports: list[ValidationReport] = []
    con = connect(tmp, memory_limit)
    try:
        con.execute(f"ATTACH {literal(str(work_db))} AS w (READ_ONLY)")
        use_local_mappings(read_local_mappings(con, "w"))
        digest = suite_for_kind("cld").digest
        recon = reconciliation(con, tolerance, db="w")
        files = con.execute(
            "SELECT file_id, file_name, sha256, reason FROM w.raw._files WHERE kind = 'cld' "
            "AND status = 'loaded' ORDER BY file_id"
        ).fetchall()
        for file_id, name, sha, warnings in files:
            cached = cache / f"{sha[:32]}_{digest}.json" if cache else None
            report = _file_report(con, int(file_id), name, cached)
            report.file_name = name
            report.warnings = warnings.split("; ") if warnings else []
            report.reconciliation = recon
            write_report(report, out)
            reports.append(report)
        if recon:
            write_csv(out / "reconciliation.csv", list(recon[0]), [r.values() for r in recon])
        write_index(reports, recon, out, local_mappings())
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return reports


def _file_report(
    con: duckdb.DuckDBPyConnection, file_id: int, name: str, cached: Path | None
) -> ValidationReport:
    """A loaded file's report: from the cache, or analysed now (and cached)."""
    if cached and cached.exists():
        return report_from_json(cached.read_text(encoding="utf-8"))
    report = ValidationReport(name, "checked")
    relation, present, malformed = _loaded_relation(con, file_id, name)
    report.malformed_rows = malformed
    analyse(con, relation, present, report)
    if cached:
        cached.write_text(json.dumps(asdict(report), default=str), encoding="utf-8")
    return report


def _loaded_relation(con, file_id: int, name: str) -> tuple[str, set[str], list[int]]:
    """A loaded file's rows as a canonical relation: raw.cld_events' rows and the rows
    quarantined at load (their record, read with the file's headers), with which fields the
    file has and its malformed lines' row numbers."""
    cols = [c.name for c in contract.CLD_COLUMNS]
    loaded = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in cols)
    keys = con.execute(
        "SELECT json_keys(record) FROM w.raw._quarantine WHERE file_id = ? "
        "AND NOT json_exists(record, '$.line') LIMIT 1",
        [file_id],
    ).fetchall()
    malformed = [
        int(r[0])
        for r in con.execute(
            "SELECT row_number FROM w.raw._quarantine WHERE file_id = ? "
            "AND json_exists(record, '$.line') ORDER BY 1",
            [file_id],
        ).fetchall()
    ]
    quarantined = ""
    # A field raw does not keep (contract.Column.kept "none", names) is reported as not there.
    present = {c.name for c in contract.CLD_COLUMNS if c.kept != "none"}
    if keys:
        headers = list(keys[0][0])
        mapped, _unknown = ingest.map_headers(name, headers, "cld")
        sources = {
            c.name: f"json_extract_string(record, {literal('$.' + json.dumps(h))})"
            for pos, c in mapped.items()
            for h in [headers[pos]]
        }
        present = set(sources)
        quarantined = (
            f" UNION ALL SELECT row_number AS _row, {canonical_select('cld', sources)} "
            f"FROM w.raw._quarantine WHERE file_id = {file_id} "
            "AND NOT json_exists(record, '$.line')"
        )
    relation = (
        f"(SELECT _row_number AS _row, {loaded} FROM w.raw.cld_events "
        f"WHERE _file_id = {file_id}{quarantined})"
    )
    relation = f"(SELECT _row, {canonical_select('cld', {c: c for c in cols})} FROM {relation})"
    return relation, present, malformed
