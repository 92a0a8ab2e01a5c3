"""The published_marts suite: the candidate marts (the work database) against the release
now published.

DuckDB builds a small frame per check from the marts (row counts now and in the published
release, shares, the months each team is active, committed spend month on month, payments
against committed cost); GX validates each frame with its expectation of
expectations/published_marts.json, per mart where the expectation's asset is `*`. The
thresholds are the suite's parameters (`mart_check_parameters`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core.config import Settings
from pipeline.core.paths import WarehousePaths
from pipeline.core.sql import literal
from pipeline.quality.gx_run import run_frames
from pipeline.quality.reconciliation import SPEND_MART, reconciliation_sql
from pipeline.quality.results import CheckOutcome, quality_dir, run_dir, safe_name
from pipeline.quality.suites import Suite, is_blocking, load_suite

DEFAULT_PARAMETERS = {
    "min_row_ratio": 0.8,
    "max_row_ratio": 5.0,
    "max_spend_factor": 1.5,
    "tolerance": 0.05,
}
# Shares and rates in the marts that must lie between 0 and 1.
SHARE_COLUMNS = {
    "rpt_assessment_outcomes_monthly": ("share_of_month",),
    "rpt_front_door_monthly": ("conversion_rate",),
    "rpt_reviewed_12m_monthly": ("reviewed_share",),
}
MART_CHECK_NAMES = {
    "row_counts": "row_count_vs_previous_publish",
    "shares": "shares_between_0_and_1",
    "team_months": "no_team_missing_from_active_month",
    "spend_months": "spend_month_on_month_within_factor",
    "reconciliation": "payments_reconcile_with_committed_cost",
}
TEAM_MONTHS_SQL = """WITH present AS (
                   SELECT team_code, month FROM cand.marts.rpt_team_workload_monthly
                   WHERE open_count > 0
                   UNION SELECT team_code, month FROM cand.marts.rpt_team_completed_monthly
                   WHERE completed_count > 0),
               span AS (SELECT team_code, min(month) AS first, max(month) AS last
                        FROM present GROUP BY team_code),
               months AS (SELECT DISTINCT month FROM present)
               SELECT span.team_code, strftime(months.month, '%Y-%m') AS month,
                      present.team_code IS NOT NULL AS present
               FROM span JOIN months ON months.month BETWEEN span.first AND span.last
               LEFT JOIN present ON present.team_code = span.team_code
                    AND present.month = months.month
               ORDER BY 1, 2"""
# The first and the latest month are partial: not compared.
SPEND_MONTHS_SQL = f"""WITH m AS (SELECT month, sum(committed_spend) AS committed
                          FROM cand.marts.{SPEND_MART} GROUP BY month),
               r AS (SELECT month, committed, lag(committed) OVER (ORDER BY month) AS previous
                     FROM m)
               SELECT strftime(month, '%Y-%m') AS month, committed, previous,
                      CASE WHEN previous > 0 THEN committed / previous END AS ratio
               FROM r WHERE month < (SELECT max(month) FROM m)
                 AND month > (SELECT min(month) + INTERVAL 1 MONTH FROM m)
               ORDER BY month"""


# --------------------------------------------------------------------------- frames


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'marts'",
            [db],
        ).fetchall()
    }


def _row_counts(con: duckdb.DuckDBPyConnection, cand: set[str], prev: set[str]):
    rows = []
    for t in sorted(cand - {"_release"}):
        n = con.execute(f"SELECT count(*) FROM cand.marts.{t}").fetchall()[0][0]
        p = (
            con.execute(f"SELECT count(*) FROM prev.marts.{t}").fetchall()[0][0]
            if t in prev
            else None
        )
        rows.append((t, n, p, (n / p) if p else None))
    import pandas as pd

    return pd.DataFrame(
        rows, columns=["mart", "candidate_rows", "previous_rows", "row_ratio"]
    ).set_index("mart", drop=False)


def _mart_frames(con: duckdb.DuckDBPyConnection, has_previous: bool) -> dict[str, Any]:
    cand = _tables(con, "cand")
    prev = _tables(con, "prev") if has_previous else set()
    frames: dict[str, Any] = {"row_counts": _row_counts(con, cand, prev)}
    parts = [
        f"SELECT '{t}' AS mart, '{c}' AS column_name, {c}::DOUBLE AS value FROM cand.marts.{t} "
        f"WHERE {c} IS NOT NULL"
        for t, cs in SHARE_COLUMNS.items()
        if t in cand
        for c in cs
    ]
    if parts:
        df = con.execute(" UNION ALL ".join(parts)).df()
        frames["shares"] = df.set_index("mart", drop=False)
    if {"rpt_team_workload_monthly", "rpt_team_completed_monthly"} <= cand:
        frames["team_months"] = con.execute(TEAM_MONTHS_SQL).df()
    if SPEND_MART in cand:
        frames["spend_months"] = con.execute(SPEND_MONTHS_SQL).df()
        frames["reconciliation"] = con.execute(reconciliation_sql("cand")).df()
    return frames


def _candidate_frames(candidate_db: str | Path, previous_db: str | Path | None) -> dict[str, Any]:
    """The frames of the candidate marts, the row counts against the previous publish's."""
    has_previous = bool(previous_db and Path(previous_db).exists())
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute(f"ATTACH {literal(str(candidate_db))} AS cand (READ_ONLY)")
        if has_previous:
            con.execute(f"ATTACH {literal(str(previous_db))} AS prev (READ_ONLY)")
        return _mart_frames(con, has_previous)
    finally:
        con.close()


# --------------------------------------------------------------------------- checks


def mart_check_parameters(
    parameters: dict | None = None, settings: Settings | None = None
) -> dict[str, float]:
    """DEFAULT_PARAMETERS, overridden by the published_marts suite's meta.parameters, then by
    `parameters`, then by the settings' PRIMED_DQ_<NAME> variables (`Settings.dq_parameters`,
    read from the environment when no settings are given)."""
    overrides = (settings or Settings.from_env()).dq_parameters
    suite = load_suite("published_marts")
    params = {**DEFAULT_PARAMETERS, **suite.meta.get("parameters", {}), **(parameters or {})}
    for k in list(params):
        if k in overrides:
            params[k] = float(overrides[k])
    return params


def check_published_marts(
    candidate_db: str | Path,
    previous_db: str | Path | None,
    run_id: str,
    out_dir: str | Path | None = None,
    parameters: dict | None = None,
    settings: Settings | None = None,
) -> list[CheckOutcome]:
    """The published_marts suite on the candidate marts (normally the work database), against
    the previous publish when there is one. Parameters: `mart_check_parameters`."""
    settings = settings or Settings.from_env()
    suite = load_suite("published_marts")
    params = mart_check_parameters(parameters, settings)
    params["min_spend_ratio"] = 1 / params["max_spend_factor"]
    params["neg_tolerance"] = -params["tolerance"]
    root = Path(out_dir) if out_dir else quality_dir(Path(candidate_db))
    folder = run_dir(root, run_id, settings.keep_quality_runs)
    frames = _candidate_frames(candidate_db, previous_db)
    outcomes: list[CheckOutcome] = []
    for e in suite.expectations:
        frame_name = e["meta"]["frame"]
        df = frames.get(frame_name)
        if df is None:
            continue
        one = Suite(f"{suite.name}_{frame_name}", suite.meta, [e], suite.digest)
        per_asset = (
            [(f"marts/{m}", df[df["mart"] == m]) for m in sorted(set(df["mart"]))]
            if e["meta"]["asset"] == "*"
            else [(e["meta"]["asset"], df)]
        )
        for asset, sub in per_asset:
            outcomes.append(_mart_outcome(one, frame_name, asset, sub, params, folder))
    return outcomes


def _mart_outcome(
    one: Suite, frame_name: str, asset: str, sub, params: dict, folder: Path
) -> CheckOutcome:
    """One expectation (the suite `one`) on one mart's part of its frame; GX output saved."""
    (e,) = one.expectations
    name = MART_CHECK_NAMES.get(frame_name, frame_name)
    raw: list[dict] = []
    res = run_frames(one, "row", [sub], params, raw)[0] if len(sub) else None
    path = folder / f"{safe_name(asset)}__{name}.json"
    path.write_text(json.dumps({"parameters": params, "gx_validation_results": raw}, default=str))
    passed = res.success if res else True
    detail = _frame_detail(frame_name, sub, params)
    rule = e["meta"].get("rule", "")
    return CheckOutcome(
        name=name,
        asset=asset,
        passed=passed,
        blocking=is_blocking(e),
        description=rule if passed else f"{rule}: {_explain_mart(detail)}",
        metadata={
            "gx_results_path": str(path),
            "rows_checked": len(sub),
            "unexpected_rows": res.unexpected_count if res else 0,
            "parameters": {k: round(v, 4) for k, v in params.items()},
            **detail,
        },
    )


def _explain_mart(detail: dict) -> str:
    """What a failed mart check found, in a line (the frame's detail, as its metadata)."""
    if "candidate_rows" in detail:
        prev = detail["previous_rows"]
        before = "none" if prev is None else f"{prev:,}"
        return f"{detail['candidate_rows']:,} rows now, {before} in the published release"
    if "out_of_range" in detail:
        return f"{detail['out_of_range']:,} value(s) outside 0 to 1"
    if "missing_team_months" in detail:
        missing = detail["missing_team_months"]
        return "missing: " + ", ".join(f"{m['team_code']} {m['month']}" for m in missing[:5])
    if "jumps" in detail:
        return "months: " + ", ".join(
            f"{j['month']} ({j['committed']} after {j['previous']})" for j in detail["jumps"][:5]
        )
    if "beyond_tolerance" in detail:
        examples = detail["examples"][:3]
        return f"{detail['beyond_tolerance']} month and service type row(s), e.g. " + ", ".join(
            f"{x['month']} {x['service_type']} ({x['relative_difference']:+.1%})" for x in examples
        )
    return "see the check's metadata"


def _frame_detail(frame_name: str, df, params: dict) -> dict:
    if frame_name == "row_counts":
        r = df.iloc[0]
        prev = r["previous_rows"]
        return {
            "candidate_rows": int(r["candidate_rows"]),
            "previous_rows": None if prev is None or prev != prev else int(prev),
        }
    if frame_name == "shares":
        return {"out_of_range": int(((df["value"] < 0) | (df["value"] > 1)).sum())}
    if frame_name == "team_months":
        missing = df[~df["present"].astype(bool)]
        return {"missing_team_months": missing[["team_code", "month"]].head(20).to_dict("records")}
    if frame_name == "spend_months":
        f = params["max_spend_factor"]
        bad = df[(df["ratio"] > f) | (df["ratio"] < 1 / f)]
        return {"jumps": bad.round(2).head(20).to_dict("records")}
    if frame_name == "reconciliation":
        t = params["tolerance"]
        bad = df[df["relative_difference"].abs() > t]
        return {"beyond_tolerance": len(bad), "examples": bad.round(3).head(20).to_dict("records")}
    return {}


def check_published_marts_for(
    paths: WarehousePaths, run_id: str, settings: Settings | None = None
) -> list[CheckOutcome]:
    """Convenience: the work database's marts against the published release."""
    previous = paths.published_db if paths.published_db.exists() else None
    return check_published_marts(paths.work_db, previous, run_id, settings=settings)
