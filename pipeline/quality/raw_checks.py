"""The raw suites (expectations/raw_<table>.json) on every loaded file, as checks.

Two outcomes per raw table: its blocking rules (a failure in a file loaded by this run stops
dbt, so publishing) and its warning rules (reported only). A file already validated with the
same suite version (same SHA-256) is not read again: its summary is cached under
`<warehouse>/quality/_cache/`, beside the row rules' verdicts on every combination of values
seen so far (a new file's combinations seen before are not validated again). Each file's GX
output and each check's index of failures are saved in the run's folder (`results.run_dir`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core import contract
from pipeline.core.config import Settings
from pipeline.quality.codes import read_local_mappings, use_local_mappings
from pipeline.quality.frames import (
    BATCH_ROWS,
    FILE_FRAMES,
    batches,
    frame_columns,
    frame_sql,
    raw_files_relation,
    raw_relation,
)
from pipeline.quality.gx_run import (
    ExpectationResult,
    gx_version,
    run_file_scope,
    run_frames,
    run_grouped,
)
from pipeline.quality.profile import Profile, profile
from pipeline.quality.results import DQ_CACHE, CheckOutcome, quality_dir, run_dir, safe_name
from pipeline.quality.suites import Suite, is_blocking, suite_for_kind

Results = tuple[list[ExpectationResult], list[dict]]  # a file's results, GX's own output
log = logging.getLogger(__name__)


def validate_relation(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    relation: str,
    parameters: dict | None = None,
) -> Results:
    """Run a raw suite over one canonical relation (one file)."""
    return validate_relations(con, suite, {0: relation}, parameters)[0]


def validate_relations(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    relations: dict[Any, str],
    parameters: dict | None = None,
) -> dict[Any, Results]:
    """Run a raw suite over several files' relations (one canonical relation per file)."""
    out: dict[Any, Results] = {}
    if not relations:
        return out
    if suite.kind.startswith("ref_"):  # small files: plain rows (uniqueness rules need them)
        for key, relation in relations.items():
            raw: list[dict] = []
            sql = frame_sql(suite.kind, relation, frame_columns(suite))
            res = run_frames(suite, "row", batches(con, sql, BATCH_ROWS), parameters, raw)
            out[key] = (res, raw)
        return out
    keys = list(relations)
    union = " UNION ALL ".join(
        f"SELECT {i} AS _file, true AS _loaded, * FROM {r}"
        for i, r in enumerate(relations.values())
    )
    fresh, _profile = validate_files(con, suite, f"({union})", list(range(len(keys))))
    return {keys[i]: results for i, results in fresh.items()}


def validate_files(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    relation: str,
    files: list[int],
    dq_suite: Suite | None = None,
    verdicts: dict[str, list[int]] | None = None,
) -> tuple[dict[int, Results], Profile]:
    """Run a raw suite over several files at once: `relation` holds their rows (`_file`,
    `_loaded`, `_row`, the contract's columns as VARCHAR). One DuckDB pass (`profile`) makes
    the grouped frame, one GX run checks every file's row rules (the combinations `verdicts`
    has not seen) and one the file rules; with `dq_suite` the same pass counts what the DQ
    reports show (`dq_report.from_profile`)."""
    import pandas as pd

    prof = profile(con, suite.kind, relation, suite, dq_suite)
    shared: list[dict] = []
    frame = prof.gx_frame()
    sets = prof.sets[: prof.gx_sets]
    per_file = run_grouped(suite, frame, prof.gx_columns, sets, shared, verdicts)
    file_results: dict[Any, list[ExpectationResult]] = {}
    if suite.scoped("file") and suite.kind in FILE_FRAMES:
        loaded = f"(SELECT * FROM {relation} WHERE _loaded)"
        fdf = con.execute(FILE_FRAMES[suite.kind].format(rel=loaded)).df()
        fdf = pd.concat([fdf.drop(columns="_file"), fdf[["_file"]]], axis=1)
        file_results = run_file_scope(suite, fdf, shared)
    out = {}
    for key in files:
        results = per_file.get(key, []) + file_results.get(key, [])
        results.sort(key=lambda r: r.index)
        out[key] = (results, shared)
    return out, prof


def check_raw_extracts(
    work_db: str | Path,
    run_id: str,
    loaded_since: Any = None,
    out_root: str | Path | None = None,
    settings: Settings | None = None,
) -> list[CheckOutcome]:
    """Run the raw suites on every loaded file; two outcomes per raw table (blocking rules,
    warning rules). A file already validated with the same suite (same SHA-256) is not read
    again: its saved result is reused. With `loaded_since`, only files loaded since then can
    fail a blocking check (older files were let through by earlier runs); all are reported."""
    settings = settings or Settings.from_env()
    work_db = Path(work_db)
    root = Path(out_root) if out_root else quality_dir(work_db)
    folder = run_dir(root, run_id, settings.keep_quality_runs)
    cache = root / "_cache"
    cache.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(work_db), read_only=True)
    con.execute(f"SET memory_limit = '{settings.memory_limit}'")
    con.execute("SET enable_progress_bar = false")
    outcomes: list[CheckOutcome] = []
    try:
        use_local_mappings(read_local_mappings(con))
        files = con.execute(
            "SELECT file_id, file_name, kind, sha256, loaded_at FROM raw._files "
            "WHERE status = 'loaded' ORDER BY file_id"
        ).fetchall()
        for kind in contract.RAW_TABLE:
            mine = [f for f in files if f[2] == kind]
            suite = suite_for_kind(kind)
            per_file = _file_summaries(con, kind, suite, mine, cache, folder, loaded_since)
            outcomes += _raw_outcomes(kind, suite, per_file, folder)
    finally:
        con.close()
    return outcomes


def _file_summaries(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    suite: Suite,
    files: list[tuple],
    cache: Path,
    folder: Path,
    loaded_since: Any,
) -> list[tuple[str, bool, dict]]:
    """(file name, loaded since `loaded_since`, summary of its results) for each file of a
    kind: validated now (GX output in the run's folder, summary cached) or from the cache."""
    table = contract.RAW_TABLE[kind]
    todo = [f for f in files if not (cache / f"{kind}_{f[3][:32]}_{suite.digest}.json").exists()]
    fresh = _validate_now(con, kind, suite, todo, cache)
    per_file = []
    for file_id, name, _k, sha, loaded_at in files:
        cached = cache / f"{kind}_{sha[:32]}_{suite.digest}.json"
        if file_id in fresh:
            results, raw = fresh[file_id]
            path = folder / f"{table}__{safe_name(name)}.json"
            summary = {
                "suite": suite.name,
                "file": name,
                "sha256": sha,
                "gx_results_path": str(path),
                "results": [r.summary() for r in results],
            }
            path.write_text(json.dumps({**summary, "gx_validation_results": raw}, default=str))
            cached.write_text(json.dumps(summary, default=str))
        else:
            summary = json.loads(cached.read_text())
        new = loaded_since is None or loaded_at >= loaded_since
        per_file.append((name, new, summary))
    return per_file


def _validate_now(
    con: duckdb.DuckDBPyConnection, kind: str, suite: Suite, files: list[tuple], cache: Path
) -> dict[int, Results]:
    """Validate a kind's files now: reference files one by one; CLD and payments files all in
    one pass, which also counts, for each CLD file, what its DQ report shows (saved in the
    reports' cache, so that publishing reads no row again). The row rules' verdicts on each
    distinct combination of values are kept in `cache` for the next run's files."""
    if not files:
        return {}
    if kind.startswith("ref_"):
        return validate_relations(con, suite, {f[0]: raw_relation(kind, f[0]) for f in files})
    ids = [f[0] for f in files]
    with _saved_verdicts(cache, kind, suite) as verdicts:
        if kind != "cld":
            relation = raw_files_relation(kind, ids)
            return validate_files(con, suite, relation, ids, verdicts=verdicts)[0]
        from pipeline.quality import dq_loaded

        relation, present, malformed = dq_loaded.loaded_relation(con, "", [f[:2] for f in files])
        fresh, prof = validate_files(con, suite, relation, ids, dq_suite=suite, verdicts=verdicts)
    reports = dq_loaded.reports_from_profile(prof, [f[:2] for f in files], present, malformed)
    dq_cache = cache.parent / DQ_CACHE
    dq_cache.mkdir(parents=True, exist_ok=True)
    for file_id, _name, _k, sha, _at in files:
        dq_loaded.cache_report(dq_cache / dq_loaded.cache_name(sha, suite.digest), reports[file_id])
    return fresh


# The verdicts file's layout: a new number when the key of a combination changes meaning.
VERDICTS_FORMAT = 1


@contextlib.contextmanager
def _saved_verdicts(cache: Path, kind: str, suite: Suite) -> Iterator[dict[str, list[int]]]:
    """The row rules' verdicts by combination of values, for this suite version (its rules
    and the local code mappings: `suite.digest`), this layout and this GX; saved again when
    the block ends without an error and found something new. The cache only saves work: an
    unreadable file counts as empty, and a file that cannot be written is left as it was,
    with a warning (the checks' results stand either way)."""
    name = f"{kind}_combinations_v{VERDICTS_FORMAT}_{suite.digest}_gx{gx_version()}.json"
    path = cache / name
    verdicts: dict[str, list[int]] = {}
    if path.exists():
        try:
            verdicts = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            log.warning("verdicts cache %s unreadable (%s): validating anew", path, exc)
    seen = len(verdicts)
    yield verdicts
    if len(verdicts) == seen:
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=cache, prefix=f".{name}.")
        with os.fdopen(fd, "w") as f:
            json.dump(verdicts, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("verdicts cache %s not saved (%s)", path, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        return
    for old in cache.glob(f"{kind}_combinations_*.json"):
        if old != path:
            old.unlink(missing_ok=True)


def _failing(per_file: list[tuple[str, bool, dict]], blocking: bool) -> tuple[dict, bool]:
    """The failed rules of one severity across the files, each with where it failed, and
    whether any failed in a file loaded since `loaded_since`."""
    failing: dict[tuple, dict] = {}
    failed_new = False
    for name, new, summary in per_file:
        for r in summary["results"]:
            if r["blocking"] != blocking or r["success"]:
                continue
            key = (r["expectation"], r["column"], r.get("rule", ""))
            f = failing.setdefault(
                key,
                {
                    "field": r.get("field"),
                    "rule": r.get("rule", ""),
                    "expectation": r["expectation"],
                    "unexpected_rows": 0,
                    "files": [],
                },
            )
            f["unexpected_rows"] += r["unexpected_count"]
            f["files"].append(name)
            f.setdefault("where", []).append(
                {
                    "file": name,
                    "rows": r["unexpected_count"],
                    "example_rows": r.get("example_rows", []),
                    "values": list(r.get("unexpected_values") or {})[:3],
                }
            )
            failed_new = failed_new or new
    return failing, failed_new


def _raw_outcomes(kind: str, suite: Suite, per_file: list, folder: Path) -> list[CheckOutcome]:
    """The kind's two outcomes (blocking rules, warning rules), each with an index of its
    failures saved in the run's folder."""
    table = contract.RAW_TABLE[kind]
    out = []
    for blocking in (True, False):
        failing, failed_new = _failing(per_file, blocking)
        label = "blocking" if blocking else "warnings"
        passed = not failed_new if blocking else not failing
        index = folder / f"{table}__{label}.json"
        ranked = sorted(failing.values(), key=lambda f: -f["unexpected_rows"])
        meta = {
            "suite": suite.name,
            "files_checked": len(per_file),
            "failed_rules": len(failing),
            "failures": ranked[:30],
            "gx_results": [s["gx_results_path"] for _n, _new, s in per_file],
        }
        index.write_text(json.dumps(meta, indent=1, default=str))
        meta["gx_results_index"] = str(index)
        n_rules = sum(is_blocking(e) == blocking for e in suite.expectations)
        description = f"{n_rules} {label} rules of expectations/{suite.name}.json"
        if failing:
            description = "\n".join(explain_failure(kind, f) for f in ranked[:5])
            if len(ranked) > 5:
                description += f"\n... and {len(ranked) - 5} more rule(s); see {index}"
        out.append(
            CheckOutcome(
                name=f"{suite.name}_{label}",
                asset=f"raw/{table}",
                passed=passed,
                blocking=blocking,
                description=description,
                metadata=meta,
            )
        )
    return out


def explain_failure(kind: str, failure: dict) -> str:
    """One line: the rule, then where it failed, file by file, with example rows and (for
    fields that are not personal data) the values, e.g. "Worker ID unique: workers.csv
    rows 1, 158 (2 rows, value 'EALW01001')"."""
    headers = {c.name: c.header for c in contract.KIND_COLUMNS[kind]}
    header = headers.get(str(failure.get("field")), "")
    rule = failure.get("rule") or failure["expectation"]
    what = rule if not header or header.lower() in rule.lower() else f"{header}: {rule}"
    places = []
    for w in failure.get("where", [])[:3]:
        rows = w["example_rows"]
        text = w["file"]
        if rows:
            more = ", ..." if w["rows"] > len(rows) else ""
            text += f" row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}{more}"
        detail = f"{w['rows']:,} row{'s' if w['rows'] != 1 else ''}"
        if w["values"]:
            detail += ", value " + ", ".join(f"'{v}'" for v in w["values"])
        places.append(f"{text} ({detail})")
    if len(failure.get("where", [])) > 3:
        places.append(f"and {len(failure['where']) - 3} more file(s)")
    return f"{what}: {'; '.join(places)}" if places else what
