"""Tests for the demo data generator (pipeline/demo/) and the code-mapping seed."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.core.contract import CLD_COLUMNS, PAYMENT_COLUMNS, REFERENCE_COLUMNS
from pipeline.demo import FAULT_KINDS, MANIFEST_NAME, SEED_PATH, generate

SCALE = 0.05
CLD_HEADERS = [c.header for c in CLD_COLUMNS]
CODE_FIELDS = [c.name for c in CLD_COLUMNS if c.kind == "code"]
NAME = {c.header: c.name for c in CLD_COLUMNS}
PERIOD_ENDS = [
    "2022-06-30",
    "2022-09-30",
    "2022-12-31",
    "2023-03-31",
    "2023-06-30",
    "2023-09-30",
    "2023-12-31",
    "2024-03-31",
    "2024-06-30",
    "2024-09-30",
    "2024-12-31",
    "2025-03-31",
]


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, rec, strict=True)) for rec in reader]
    return header, rows


def read_cld(path: Path) -> list[dict[str, str]]:
    """CLD rows keyed by canonical column name."""
    _header, rows = read_csv(path)
    return [{NAME[k]: v for k, v in row.items()} for row in rows]


def seed_rows() -> list[dict[str, str]]:
    with SEED_PATH.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def seed() -> dict[str, dict[str, dict[str, str]]]:
    """field -> normalised raw value -> seed row"""
    out: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for row in seed_rows():
        out[row["field"]][norm(row["raw_value"])] = row
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out, seed=11, scale=SCALE, fault_rate=0.01)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("clean")
    return out, generate(out, seed=5, scale=SCALE, fault_rate=0.0)


@pytest.fixture(scope="module")
def manifest(demo) -> dict:
    return json.loads((demo[0] / MANIFEST_NAME).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def faulty_rows(manifest) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for f in manifest["fault_list"]:
        out[f["file"]].add(f["row"])
    return out


# ---------------------------------------------------------------------------------------------
# The seed


def test_seed_columns_and_unique_normalised_keys():
    with SEED_PATH.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["field", "raw_value", "r2_value", "r2_group", "release", "sort_order"]
    keys = Counter((r["field"], norm(r["raw_value"])) for r in seed_rows())
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes, f"(field, normalised raw_value) not unique: {dupes}"


def test_seed_covers_every_coded_field():
    fields = {r["field"] for r in seed_rows()}
    # Total Hrs Caring per week: a Release 2 list of bands that extracts may still send as a
    # number of hours (Release 1); the export and the DQ report read its bands here.
    assert set(CODE_FIELDS) | {"team_type", "total_hrs_caring_per_week"} == fields


def test_seed_rows_are_consistent():
    rows = seed_rows()
    r2 = {(r["field"], r["r2_value"]): r for r in rows if r["release"] == "R2"}
    for r in rows:
        assert r["release"] in ("R2", "R1", "invalid"), r
        int(r["sort_order"])
        if r["release"] == "R2":
            assert r["raw_value"] == r["r2_value"]
        elif r["release"] == "invalid":
            assert r["r2_value"] == r["r2_group"] == "Invalid and not mapped"
        elif r["r2_value"] != "Invalid and not mapped":
            target = r2[(r["field"], r["r2_value"])]  # R1 maps onto an R2 value
            assert r["r2_group"] == target["r2_group"]
            assert r["sort_order"] == target["sort_order"]
    for f in CODE_FIELDS:
        assert any(r["field"] == f and r["release"] == "invalid" for r in rows), f


def test_seed_groups_and_hierarchy():
    rows = [r for r in seed_rows() if r["release"] == "R2"]
    outcomes = {r["r2_value"]: r for r in rows if r["field"] == "event_outcome"}
    assert sorted(int(r["sort_order"]) for r in outcomes.values()) == list(range(1, 18))
    assert outcomes["Progress to reablement/ST-Max"]["sort_order"] == "1"
    assert outcomes["NFA: Other"]["sort_order"] == "17"
    for v, r in outcomes.items():
        assert r["r2_group"] == ("NFA" if v.startswith("NFA:") else v)
    groups = {r["r2_group"] for r in rows if r["field"] == "service_type"}
    assert groups == {"Long term support", "Short term support", "Unpaid carer support"}
    groups = {r["r2_group"] for r in rows if r["field"] == "primary_support_reason"}
    assert groups == {
        "Physical support",
        "Sensory support",
        "Support with memory and cognition",
        "Learning disability support",
        "Mental health support",
        "Social support",
        "Unknown",
    }
    acc = {r["r2_value"]: r["r2_group"] for r in rows if r["field"] == "accommodation_status"}
    assert acc["Registered care home"] == "Not settled"
    assert acc["Owner occupier or shared ownership scheme"] == "Settled"
    eth = {r["r2_value"]: r["r2_group"] for r in rows if r["field"] == "ethnicity"}
    assert eth["White: Irish"] == "White"
    assert eth["Black, Black British, Caribbean or African: African"] == (
        "Black, Black British, Caribbean or African"
    )


def test_seed_maps_known_release1_values(seed):
    assert seed["event_outcome"][norm("NFA - Moved to another LA")]["r2_value"] == (
        "NFA: Responsibility moved to another local authority"
    )
    assert seed["service_type"][norm("Carer Support: Direct to Carer")]["r2_value"] == (
        "Unpaid carer support: Direct to unpaid carer"
    )
    assert seed["client_type"][norm("Carer")]["r2_value"] == "Unpaid carer"
    assert seed["event_outcome"][norm("TBC")]["release"] == "invalid"


# ---------------------------------------------------------------------------------------------
# Files, headers, determinism


def test_files_written(demo):
    out, summary = demo
    cld = sorted(p.name for p in out.glob("cld_*.csv"))
    assert cld == [f"cld_E09000009_{d}.csv" for d in PERIOD_ENDS]
    pay = sorted(p.name for p in out.glob("payments_*.csv"))
    assert pay == sorted(
        f"payments_E09000009_{y}Q{q}.csv" for y in (2022, 2023, 2024) for q in (1, 2, 3, 4)
    )
    for name in REFERENCE_COLUMNS:
        assert (out / "reference" / f"{name}.csv").exists()
    assert set(summary["files"]) == set(cld) | set(pay) | {
        f"reference/{n}.csv" for n in REFERENCE_COLUMNS
    }
    assert summary["rows"]["cld"] > 0 and summary["rows"]["payments"] > 0


def test_headers_are_the_contract(demo):
    out, _ = demo
    for path in out.glob("cld_*.csv"):
        assert read_csv(path)[0] == CLD_HEADERS
    for path in out.glob("payments_*.csv"):
        assert read_csv(path)[0] == [c.header for c in PAYMENT_COLUMNS]
    for name, cols in REFERENCE_COLUMNS.items():
        assert read_csv(out / "reference" / f"{name}.csv")[0] == [c.header for c in cols]


def test_row_counts_match_summary(demo):
    out, summary = demo
    n_cld = sum(len(read_csv(p)[1]) for p in out.glob("cld_*.csv"))
    n_pay = sum(len(read_csv(p)[1]) for p in out.glob("payments_*.csv"))
    assert summary["rows"]["cld"] == n_cld
    assert summary["rows"]["payments"] == n_pay


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=3, scale=0.02)
    generate(b, seed=3, scale=0.02)
    generate(c, seed=4, scale=0.02)
    sa, sb, sc = _snapshot(a), _snapshot(b), _snapshot(c)
    assert sa == sb
    assert MANIFEST_NAME in sa
    assert sa.keys() == sc.keys()
    assert sa["cld_E09000009_2024-03-31.csv"] != sc["cld_E09000009_2024-03-31.csv"]


def test_progress_is_called_for_each_file(tmp_path):
    msgs: list[str] = []
    summary = generate(tmp_path, seed=1, scale=0.01, progress=msgs.append)
    for f in summary["files"]:
        assert any(f in m for m in msgs), f


# ---------------------------------------------------------------------------------------------
# Content


def test_every_coded_value_is_in_the_seed(demo, seed):
    out, _ = demo
    unknown = Counter()
    for path in out.glob("cld_*.csv"):
        for row in read_cld(path):
            for f in CODE_FIELDS:
                v = row[f]
                if v and norm(v) not in seed[f]:
                    unknown[(f, v)] += 1
    _, teams = read_csv(out / "reference" / "teams.csv")
    for t in teams:
        if norm(t["Team Type"]) not in seed["team_type"]:
            unknown[("team_type", t["Team Type"])] += 1
    assert not unknown, unknown.most_common(10)


def test_clean_run_uses_release2_values_only(clean, seed):
    out, summary = clean
    assert all(n == 0 for n in summary["faults"].values())
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["fault_list"] == []
    r2 = {(r["field"], r["raw_value"]) for r in seed_rows() if r["release"] == "R2"}
    for path in out.glob("cld_*.csv"):
        rows = read_cld(path)
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
        assert len(lines) == len(set(lines)), f"duplicate rows in clean {path.name}"
        for row in rows:
            for f in CODE_FIELDS:
                if row[f]:
                    assert (f, row[f]) in r2, (path.name, f, row[f])
            assert row["event_start_date"]
            if row["event_end_date"]:
                assert row["event_end_date"] >= row["event_start_date"]


def test_faults_are_where_the_manifest_says(demo, manifest, seed):
    out, summary = demo
    kinds = {"r1_value", "case_variant", "duplicate_row", "missing_start_date",
             "end_before_start", "unknown_code"}  # fmt: skip
    assert set(manifest["faults"]) == kinds == set(FAULT_KINDS)
    assert all(manifest["faults"][k] > 0 for k in kinds)
    assert summary["faults"] == manifest["faults"]
    assert len(manifest["fault_list"]) == sum(manifest["faults"].values())
    cache: dict[str, list[dict[str, str]]] = {}
    for fault in manifest["fault_list"]:
        if fault["file"] not in cache:
            cache[fault["file"]] = read_cld(out / fault["file"])
        rows = cache[fault["file"]]
        row = rows[fault["row"] - 1]
        kind, f = fault["kind"], fault["field"]
        if kind == "duplicate_row":
            assert row == rows[fault["row"] - 2]
        elif kind == "missing_start_date":
            assert row["event_start_date"] == ""
        elif kind == "end_before_start":
            assert row["event_end_date"] < row["event_start_date"]
        elif kind == "unknown_code":
            assert seed[f][norm(row[f])]["release"] == "invalid"
        elif kind == "r1_value":
            assert seed[f][norm(row[f])]["release"] == "R1"
        elif kind == "case_variant":
            entry = seed[f][norm(row[f])]
            assert entry["release"] == "R2" and entry["raw_value"] != row[f]
    # the fault rate is respected roughly (per kind, per row)
    rate = manifest["faults"]["missing_start_date"] / summary["rows"]["cld"]
    assert 0.005 < rate < 0.015


def test_extract_inclusion_rules(demo, faulty_rows):
    out, _ = demo
    for pe_s in PERIOD_ENDS:
        name = f"cld_E09000009_{pe_s}.csv"
        rows = read_cld(out / name)
        nxt = date.fromisoformat(pe_s) + timedelta(days=1)
        ps_s = nxt.replace(year=nxt.year - 1).isoformat()
        for i, row in enumerate(rows, 1):
            assert row["la_code"] == "E09000009"
            assert row["reporting_period_start_date"] == ps_s
            assert row["reporting_period_end_date"] == pe_s
            if i in faulty_rows[name]:
                continue
            start, end, status = row["event_start_date"], row["event_end_date"], row["event_status"]
            assert start <= pe_s
            if status == "Open":
                assert end == "" and row["event_outcome"] == ""
            else:
                assert ps_s <= end <= pe_s, (name, i, row["event_type"], start, end)
            if row["event_type"] != "Service":
                assert status != "Open" or end == ""
                assert end != "" or status == "Open"


def test_event_references_stable_and_mostly_filled(demo, faulty_rows):
    out, _ = demo
    seen: dict[str, tuple[str, str, str]] = {}
    blank = total = 0
    open_then_done = set()
    status_by_ref: dict[str, list[str]] = defaultdict(list)
    for pe_s in PERIOD_ENDS:
        name = f"cld_E09000009_{pe_s}.csv"
        refs_here = Counter()
        for i, row in enumerate(read_cld(out / name), 1):
            total += 1
            ref = row["event_reference"]
            if not ref:
                blank += 1
                continue
            if i in faulty_rows[name]:
                continue
            refs_here[ref] += 1
            key = (row["event_type"], row["event_start_date"], row["la_person_unique_identifier"])
            assert seen.setdefault(ref, key) == key, ref
            status_by_ref[ref].append(row["event_status"])
        assert max(refs_here.values()) == 1
    for ref, statuses in status_by_ref.items():
        if statuses[0] == "Open" and statuses[-1] == "Completed":
            open_then_done.add(ref)
    assert 0.003 < blank / total < 0.03
    assert len(open_then_done) > 50


def test_volumes_are_ealing_like(demo):
    """Requests ~4,000 a month; people in long-term support ~5,000 a year (scaled)."""
    out, _ = demo
    rows = read_cld(out / "cld_E09000009_2025-03-31.csv")
    requests = [r for r in rows if r["event_type"] == "Request"]
    per_month = len(requests) / 12 / SCALE
    assert 3000 < per_month < 5000
    lts_people = {
        r["la_person_unique_identifier"]
        for r in rows
        if r["event_type"] == "Service" and r["service_type"].startswith("Long term")
    }
    assert 3500 < len(lts_people) / SCALE < 6500
    outcomes = Counter(r["event_outcome"] for r in requests if r["event_status"] == "Completed")
    progressed = (
        outcomes["Progress to assessment, review or reassessment"]
        + outcomes["Progress to reablement/ST-Max"]
    )
    assert 0.2 < progressed / sum(outcomes.values()) < 0.4


def test_reviews_recur_about_yearly(demo):
    out, _ = demo
    by_person: dict[str, set[str]] = defaultdict(set)
    for pe_s in PERIOD_ENDS:
        for row in read_cld(out / f"cld_E09000009_{pe_s}.csv"):
            if (
                row["event_type"] == "Review"
                and row["event_status"] == "Completed"
                and row["review_reason"] == "Planned"
                and row["event_end_date"]
            ):
                by_person[row["la_person_unique_identifier"]].add(row["event_end_date"])
    gaps = []
    for ends in by_person.values():
        ds = sorted(date.fromisoformat(d) for d in ends)
        gaps += [(b - a).days for a, b in zip(ds, ds[1:], strict=False)]
    assert len(gaps) > 30
    gaps.sort()
    median = gaps[len(gaps) // 2]
    assert 300 <= median <= 600, median


def test_work_items_have_teams_workers_and_due_dates(demo):
    out, _ = demo
    _, workers = read_csv(out / "reference" / "workers.csv")
    team_of = {w["Worker ID"]: w["Team Code"] for w in workers}
    _, teams = read_csv(out / "reference" / "teams.csv")
    team_codes = {t["Team Code"] for t in teams}
    rows = read_cld(out / "cld_E09000009_2024-12-31.csv")
    unallocated_open = 0
    for row in rows:
        assert row["team_code"] in team_codes
        if row["worker_id"]:
            assert team_of[row["worker_id"]] == row["team_code"]
            assert row["allocated_date"]
        if row["event_type"] in ("Assessment", "Review") and row["event_start_date"]:
            assert row["due_date"]
            if row["event_status"] == "Open" and not row["worker_id"]:
                unallocated_open += 1
    assert unallocated_open > 0


def test_nhs_numbers_are_valid_test_numbers(demo):
    out, _ = demo
    rows = read_cld(out / "cld_E09000009_2025-03-31.csv")
    by_person: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        nhs = row["nhs_number"]
        if not nhs:
            continue
        assert re.fullmatch(r"999\d{7}", nhs)
        total = sum(int(d) * w for d, w in zip(nhs[:9], range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        assert check != 10 and check == int(nhs[9])
        by_person[nhs].add(row["la_person_unique_identifier"])
    assert all(len(ids) == 1 for ids in by_person.values())


def test_no_event_starts_after_death(demo, faulty_rows):
    out, _ = demo
    name = "cld_E09000009_2025-03-31.csv"
    deaths = 0
    for i, row in enumerate(read_cld(out / name), 1):
        if row["date_of_death"] and i not in faulty_rows[name]:
            deaths += 1
            assert row["event_start_date"] <= row["date_of_death"]
            assert row["date_of_death"] <= "2025-03-31"
    assert deaths > 0


def test_payments_join_service_lines(demo):
    out, _ = demo
    services: dict[str, dict[str, str]] = {}
    for pe_s in PERIOD_ENDS:
        for row in read_cld(out / f"cld_E09000009_{pe_s}.csv"):
            if row["event_reference"].startswith("EAL-S"):  # event type may carry a fault
                services[row["event_reference"]] = row
    ids: set[str] = set()
    ratios = []
    credits = 0
    for path in sorted(out.glob("payments_*.csv")):
        fy, q = (int(x) for x in re.search(r"_(\d{4})Q(\d)\.csv$", path.name).groups())
        q_start = date(fy, 1 + 3 * q, 1) if q < 4 else date(fy + 1, 1, 1)
        q_next = date(fy, 4 + 3 * q, 1) if q < 3 else date(fy + 1, 3 * q - 8, 1)
        for p in read_csv(path)[1]:
            assert p["Payment ID"] not in ids
            ids.add(p["Payment ID"])
            assert p["LA Code"] == "E09000009"
            assert p["Period Start Date"] <= p["Period End Date"]
            assert q_start.isoformat() <= p["Payment Date"] < q_next.isoformat()
            amount = float(p["Amount"])
            if amount < 0:
                credits += 1
                continue
            ref = p["Event Reference"]
            if not ref:
                continue
            svc = services[ref]
            assert svc["la_person_unique_identifier"] == p["LA Person Unique Identifier"]
            if svc["cost_frequency"] == "Weekly":
                days = (
                    date.fromisoformat(p["Period End Date"])
                    - date.fromisoformat(p["Period Start Date"])
                ).days + 1
                ratios.append(amount / (float(svc["unit_cost"]) / 7 * days))
    assert credits > 0
    ratios.sort()
    assert len(ratios) > 100
    assert 0.97 < ratios[len(ratios) // 2] < 1.03


def test_reference_files(demo):
    out, _ = demo
    _, teams = read_csv(out / "reference" / "teams.csv")
    assert 10 <= len(teams) <= 15
    kinds = {t["Team Type"] for t in teams}
    assert {"Front door", "Reablement", "Hospital discharge", "Long term", "Reviews"} <= kinds
    _, workers = read_csv(out / "reference" / "workers.csv")
    per_team = Counter(w["Team Code"] for w in workers)
    assert all(5 <= n <= 25 for n in per_team.values())
    assert all(0.5 <= float(w["FTE"]) <= 1.0 for w in workers)
    _, pop = read_csv(out / "reference" / "population.csv")
    got = {(p["Year"], p["Age Band"]): int(p["Population"]) for p in pop}
    assert got[("2024", "18-64")] == 254980 and got[("2024", "65+")] == 48645
    assert ("2022", "65+") in got
    _, targets = read_csv(out / "reference" / "targets.csv")
    measures = {t["Measure"] for t in targets}
    assert measures == {
        "contacts_count",
        "conversion_rate",
        "completed_on_time_share",
        "overdue_count",
        "reviewed_share",
        "avg_daily_spend_placements",
    }
    codes = {t["Team Code"] for t in teams}
    assert all(t["Team Code"] in codes | {""} for t in targets)
    # Worker-level targets name a worker of the target's team.
    team_of = {w["Worker ID"]: w["Team Code"] for w in workers}
    mine = [t for t in targets if t["Worker ID"]]
    assert mine and all(team_of[t["Worker ID"]] == t["Team Code"] for t in mine)
    _, actions = read_csv(out / "reference" / "actions.csv")
    assert 25 <= len(actions) <= 40
    assert {a["Status"] for a in actions} <= {"Open", "Done", "Dropped"}
    assert all(a["Completed Date"] for a in actions if a["Status"] == "Done")
    assert {a["Measure"] for a in actions} <= measures


def test_several_las(tmp_path):
    summary = generate(tmp_path, seed=2, scale=0.01, las=3, fault_rate=0.0)
    assert summary["las"] == ["E09000009", "E09000005", "E09000015"]
    for la in summary["las"]:
        assert len(list(tmp_path.glob(f"cld_{la}_*.csv"))) == 12
        assert len(list(tmp_path.glob(f"payments_{la}_*.csv"))) == 12
        rows = read_cld(tmp_path / f"cld_{la}_2025-03-31.csv")
        assert rows and all(r["la_code"] == la for r in rows)
    _, teams = read_csv(tmp_path / "reference" / "teams.csv")
    codes = [t["Team Code"] for t in teams]
    assert len(codes) == len(set(codes))
    _, pop = read_csv(tmp_path / "reference" / "population.csv")
    assert {p["LA Code"] for p in pop} == set(summary["las"])
    # One whole-service target per measure and year (targets.csv names no council): the
    # councils' contacts added up, each of which its front door's target is; shares kept.
    _, targets = read_csv(tmp_path / "reference" / "targets.csv")
    keys = [(t["Team Code"], t["Worker ID"], t["Measure"], t["Period Start"]) for t in targets]
    assert len(keys) == len(set(keys))
    year = [t for t in targets if t["Period Start"] == targets[0]["Period Start"]]
    service = {t["Measure"]: t["Target"] for t in year if not t["Team Code"]}
    front_doors = [t for t in year if t["Team Code"].endswith("-ARC")]
    contacts = [float(t["Target"]) for t in front_doors if t["Measure"] == "contacts_count"]
    assert len(contacts) == 3 and float(service["contacts_count"]) == sum(contacts)
    assert service["conversion_rate"] == "0.30"
    nhs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for la in summary["las"]:
        for r in read_cld(tmp_path / f"cld_{la}_2025-03-31.csv"):
            if r["nhs_number"]:
                nhs[r["nhs_number"]].add((la, r["la_person_unique_identifier"]))
    assert all(len(v) == 1 for v in nhs.values())
