"""The published interface as the dbt project declares it: contracts, docs, tests, exposures."""

from __future__ import annotations

import json

import pytest

from tests.conftest import dbt_build

REQUIRED_COLUMNS = {
    "rpt_team_workload_monthly": "team_code, month_end, event_type, open_count, allocated_count, "
    "awaiting_allocation_count, due_in_month_count, overdue_count",
    "rpt_team_completed_monthly": "team_code, month, event_type, completed_count, "
    "completed_on_time_count, team_fte, completed_per_fte",
    "rpt_assessment_outcomes_monthly": "team_code, month, event_outcome, outcome_group, "
    "completed_count, share_of_month",
    "rpt_front_door_monthly": "team_code, month, contacts_count, completed_count, referred_count, "
    "resolved_count, conversion_rate",
    "rpt_placement_spend_monthly": "month, service_type, days_in_month, total_spend, "
    "avg_daily_spend, avg_active_placements, avg_daily_cost_per_placement",
    "rpt_review_impact_monthly": "team_code, month, reviews_completed, cost_before_weekly, "
    "cost_after_weekly, net_weekly_change, net_annualised_change",
    "rpt_reviewed_12m_monthly": "month_end, eligible_people, reviewed_people, reviewed_share",
    "rpt_spend_committed_vs_paid_monthly": "month, service_type, committed_spend, paid_spend, "
    "difference",
    "rpt_spend_movement_monthly": "team_code, month, opening_weekly_cost, new_services_weekly, "
    "ended_services_weekly, review_changes_weekly, other_changes_weekly, closing_weekly_cost, "
    "placement_spend, placement_days",
    "fct_commitment_movements": "service_event_id, team_code, month, movement_type, weekly_change",
    "rpt_scorecard": "team_code, measure, period_start, period_end, actual, target, tolerance, "
    "direction, difference, rag, is_exception",
    "rpt_actions": "action_id, team_code, raised_date, meeting, action, owner, due_date, status, "
    "completed_date, measure, is_overdue",
}
FACTS_AND_DIMS = [
    "dim_date", "dim_team", "dim_worker", "dim_person",
    "fct_requests", "fct_assessments", "fct_reviews", "fct_services", "fct_payments",
]  # fmt: skip


@pytest.fixture(scope="module")
def manifest(dbt_manifest):
    return json.loads(dbt_manifest.read_text())


def marts(manifest) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "marts"
    }


def test_every_required_mart_and_column_is_published(manifest):
    published = marts(manifest)
    assert set(REQUIRED_COLUMNS) | set(FACTS_AND_DIMS) <= set(published)
    for name, columns in REQUIRED_COLUMNS.items():
        declared = set(published[name]["columns"])
        missing = {c.strip() for c in columns.split(",")} - declared
        assert not missing, f"{name} lacks {missing}"
    for name in ("fct_requests", "fct_assessments", "fct_reviews", "fct_services"):
        needed = {"team_code", "worker_id", "event_status", "event_start_date", "event_outcome",
                  "event_outcome_group"}  # fmt: skip
        assert needed <= set(published[name]["columns"]), name
    assert "cost_per_week" in published["fct_services"]["columns"]


def test_every_published_mart_has_an_enforced_contract_and_documented_columns(manifest):
    for name, node in marts(manifest).items():
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        assert node["description"].strip(), f"{name} has no description"
        undocumented = [c for c, v in node["columns"].items() if not v["description"].strip()]
        assert not undocumented, f"{name}: undocumented {undocumented}"
        assert node["config"]["persist_docs"] == {"relation": True, "columns": True}


def test_keys_and_relationships_are_tested(manifest):
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    tested = {
        (t["attached_node"] or "").split(".")[-1]: t
        for t in tests
        if t.get("test_metadata", {}).get("name") in ("unique", "unique_combination")
    }
    for name in marts(manifest):
        assert name in tested, f"{name} has no key test"
    relationships = {
        (t["attached_node"].split(".")[-1], t["test_metadata"]["kwargs"]["column_name"])
        for t in tests
        if t.get("test_metadata", {}).get("name") == "relationships"
    }
    for fact in ("fct_requests", "fct_assessments", "fct_reviews", "fct_services"):
        assert (fact, "team_code") in relationships
        assert (fact, "person_id") in relationships


def test_each_standard_report_has_an_exposure(manifest):
    exposed = {
        dep.split(".")[-1]
        for e in manifest["exposures"].values()
        for dep in e["depends_on"]["nodes"]
    }
    assert set(REQUIRED_COLUMNS) <= exposed


def test_unit_tests_cover_every_report_mart(manifest):
    unit_tested = {u["model"] for u in manifest.get("unit_tests", {}).values()}
    assert set(REQUIRED_COLUMNS) <= unit_tested
    assert {"int_events_deduplicated", "int_service_costs", "stg_cld__code_values"} <= unit_tested


def test_unit_tests_pass(demo_copy, tmp_path):
    """A run builds and data-tests the warehouse but leaves the unit tests (SQL checked against
    fixed inputs) to the test suite: here they run on (a copy of) the demo's work database."""
    _, paths = demo_copy
    result = dbt_build(paths, "test_type:unit", tmp_path, command="test")
    ran = [r for r in result.result if r.node.resource_type == "unit_test"]
    assert len(ran) > 25 and all(r.status == "pass" for r in ran)
