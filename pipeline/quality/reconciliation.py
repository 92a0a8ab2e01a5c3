"""Payments against committed cost, per month and service type, from the spend mart.

The mart check `payments_reconcile_with_committed_cost` and the DQ report's reconciliation
section read the same rows (`reconciliation_sql`).
"""

from __future__ import annotations

import duckdb

from pipeline.core.sql import table_exists

SPEND_MART = "rpt_spend_committed_vs_paid_monthly"


def reconciliation_sql(db: str = "cand") -> str:
    """Committed vs paid per month and service type (the spend mart), relative difference.
    Months before the first payment (no payments extract covers them) and the latest, partial
    month are left out."""
    return f"""
        SELECT strftime(month, '%Y-%m') AS month, service_type,
               round(sum(committed_spend), 2) AS committed_spend,
               round(sum(paid_spend), 2) AS paid_spend,
               round(sum(paid_spend) - sum(committed_spend), 2) AS difference,
               CASE WHEN sum(committed_spend) > 0
                    THEN (sum(paid_spend) - sum(committed_spend)) / sum(committed_spend)
                    WHEN sum(paid_spend) <> 0 THEN 1e9 END AS relative_difference
        FROM {db}.marts.{SPEND_MART}
        WHERE month < (SELECT max(month) FROM {db}.marts.{SPEND_MART})
          AND month >= (SELECT min(month) FROM {db}.marts.{SPEND_MART}
                        WHERE paid_spend <> 0)
        GROUP BY ALL ORDER BY month, service_type"""


def reconciliation(
    con: duckdb.DuckDBPyConnection, tolerance: float = 0.05, db: str = "w"
) -> list[dict]:
    """Months and service types where payments differ from committed cost by more than the
    tolerance (a share of committed). Empty when the spend mart is not built yet."""
    if not table_exists(con, "marts", SPEND_MART, db):
        return []
    rows = con.execute(reconciliation_sql(db)).fetchall()
    out = []
    for month, service_type, committed, paid, diff, rel in rows:
        beyond = rel is not None and abs(rel) > tolerance
        if rel is not None and rel >= 1e8:  # paid with nothing committed (e.g. Unmatched)
            rel = None
        out.append(
            {
                "month": month,
                "service_type": service_type,
                "committed_spend": committed,
                "paid_spend": paid,
                "difference": diff,
                "relative_difference": None if rel is None else round(rel, 4),
                "tolerance": tolerance,
                "beyond_tolerance": beyond,
            }
        )
    return out
