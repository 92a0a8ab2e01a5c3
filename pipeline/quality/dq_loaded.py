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
from pipeline.quality.dq_report import ValidationReport, connect, from_profile, report_from_json
from pipeline.quality.profile import Profile, profile
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
    done: list[ValidationReport] = []
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
        names = {f[0]: f[1] for f in files}
        cached = {f[0]: cache / cache_name(f[2], digest) if cache else None for f in files}
        reports = {
            i: report_from_json(p.read_text("utf-8")) for i, p in cached.items() if p and p.exists()
        }
        todo = [(i, names[i]) for i in names if i not in reports]
        if todo:  # one pass over every file not analysed yet
            relation, present, malformed = loaded_relation(con, "w.", todo)
            prof = profile(con, "cld", relation, None, suite_for_kind("cld"))
            fresh = reports_from_profile(prof, todo, present, malformed)
            for i, report in fresh.items():
                if cached[i]:
                    cache_report(cached[i], report)
            reports.update(fresh)
        for file_id, name, _sha, warnings in files:
            report = reports[file_id]
            report.file_name = name
            report.warnings = warnings.split("; ") if warnings else []
            report.reconciliation = recon
            write_report(report, out)
            done.append(report)
        if recon:
            write_csv(out / "reconciliation.csv", list(recon[0]), [r.values() for r in recon])
        write_index(done, recon, out, local_mappings())
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return done


def cache_name(sha256: str, digest: str) -> str:
    """A loaded file's analysis in the cache: its SHA-256 and the CLD suite's digest."""
    return f"{sha256[:32]}_{digest}.json"


def cache_report(path: Path, report: ValidationReport) -> None:
    path.write_text(json.dumps(asdict(report), default=str), encoding="utf-8")


def reports_from_profile(
    prof: Profile,
    files: list[tuple[int, str]],
    present: dict[int, set[str]],
    malformed: dict[int, list[int]],
) -> dict[int, ValidationReport]:
    """Each file's report from a profile of `loaded_relation` made with the DQ sets."""
    out = {}
    for file_id, name in files:
        report = ValidationReport(name, "checked")
        report.malformed_rows = malformed.get(file_id, [])
        from_profile(prof, file_id, present[file_id], report)
        out[file_id] = report
    return out


def loaded_relation(
    con: duckdb.DuckDBPyConnection, db: str, files: list[tuple[int, str]]
) -> tuple[str, dict[int, set[str]], dict[int, list[int]]]:
    """Loaded files' rows as one canonical relation (`_file`, `_loaded`, `_row`, every
    contract column as VARCHAR): raw.cld_events' rows and the rows quarantined at load (their
    record, read with the file's headers); with the fields each file has and its malformed
    lines' row numbers. `db` is the work database's prefix ("w." when attached as w)."""
    cols = [c.name for c in contract.CLD_COLUMNS]
    loaded = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in cols)
    ids = ", ".join(str(int(i)) for i, _n in files) or "NULL"
    found = con.execute(
        f"""SELECT file_id,
                any_value(json_keys(record)) FILTER (WHERE NOT json_exists(record, '$.line')),
                list(row_number ORDER BY row_number) FILTER (WHERE json_exists(record, '$.line'))
            FROM {db}raw._quarantine WHERE file_id IN ({ids}) GROUP BY file_id"""
    ).fetchall()
    keys = {int(i): k for i, k, _m in found if k}
    malformed = {int(i): [int(r) for r in m] for i, _k, m in found if m}
    parts = [
        f"SELECT _file_id AS _file, true AS _loaded, _row_number AS _row, {loaded} "
        f"FROM {db}raw.cld_events WHERE _file_id IN ({ids})"
    ]
    # A field raw does not keep (contract.Column.kept "none", names) is reported as not there.
    kept = {c.name for c in contract.CLD_COLUMNS if c.kept != "none"}
    present = {int(i): kept for i, _n in files}
    for file_id, name in files:
        if int(file_id) not in keys:
            continue
        headers = list(keys[int(file_id)])
        mapped, _unknown = ingest.map_headers(name, headers, "cld")
        # Each record parsed once, every field read in that pass (`_v`): a JSON path each
        # would parse the record once per field, and hold every parse of a vector of rows
        # in memory at once (gigabytes at 10k quarantined rows).
        fields = list(mapped.items())
        paths = ", ".join(literal("$." + json.dumps(headers[pos])) for pos, _c in fields)
        sources = {c.name: f"_v[{i}]" for i, (_pos, c) in enumerate(fields, start=1)}
        present[int(file_id)] = set(sources)
        read = f", json_extract_string(record, [{paths}]) AS _v" if fields else ""
        parts.append(
            f"SELECT {int(file_id)} AS _file, false AS _loaded, row_number AS _row, "
            f"{canonical_select('cld', sources)} FROM (SELECT row_number{read} "
            f"FROM {db}raw._quarantine "
            f"WHERE file_id = {int(file_id)} AND NOT json_exists(record, '$.line'))"
        )
    relation = (
        f"(SELECT _file, _loaded, _row, {canonical_select('cld', {c: c for c in cols})} "
        f"FROM ({' UNION ALL '.join(parts)}))"
    )
    return relation, present, malformed
