"""Great Expectations execution: an ephemeral context, one validation definition per suite
version and scope, and the results summed into `ExpectationResult`s.

`run_frames` validates batches of one data set; `run_grouped` the grouped frame of several
files (each rule limited to its own grouping set, counts weighted by `_n`); `run_file_scope`
the whole-file rules on one summary row per file. GX's own JSON output goes to `raw_out`, with
the values of personal columns dropped (`scrub`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.settings import quiet_telemetry
from pipeline.quality.frames import (
    MAX_EXAMPLES,
    PII,
    expectation_columns,
    grouped_column,
)
from pipeline.quality.suites import Suite, is_blocking

MAX_VALUES = 20  # distinct unexpected values kept per expectation (coded fields only)
# Reference-file fields whose values are never shown (a person's name could be typed there).
NO_VALUES = PII | {"owner", "action", "meeting", "team_name"}
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}


def _gx():
    quiet_telemetry()  # GX too: no analytics from these machines
    # GX logs its set-up (temporary docs folders...) at INFO; the checks' results say enough.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


@contextlib.contextmanager
def gx_imported_meanwhile() -> Iterator[None]:
    """GX imported in a thread while the block runs, and waited for at its end. The import is
    about 3.5 s of Python; a block that spends its time in DuckDB (ingestion) leaves the
    interpreter free for it, and the checks after it find GX imported."""
    quiet_telemetry()
    thread = threading.Thread(target=_gx, name="import-gx", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


@functools.cache
def gx_context():
    """The ephemeral GX context and its one batch definition (a whole pandas DataFrame)."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    ds = ctx.data_sources.add_pandas("primed_frames")
    return ctx, ds.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


_validations: dict[tuple[str, str], Any] = {}


def _validation(suite: Suite, scope: str, indices: list[int]):
    key = (f"{suite.name}:{suite.digest}", scope)
    if key not in _validations:
        gx = _gx()
        ctx, batch_def = gx_context()
        name = f"{suite.name}__{scope}__{suite.digest}"
        gx_suite = gx.ExpectationSuite(
            name=name,
            expectations=[_to_gx(suite.expectations[i], j) for j, i in enumerate(indices)],
            meta=suite.meta,
        )
        gx_suite = ctx.suites.add(gx_suite)
        vd = gx.ValidationDefinition(data=batch_def, suite=gx_suite, name=name)
        _validations[key] = ctx.validation_definitions.add(vd)
    return _validations[key]


def _to_gx(e: dict, position: int):
    gx = _gx()
    cls_name = "".join(p.capitalize() for p in e["type"].split("_"))
    cls = getattr(gx.expectations, cls_name)
    kwargs = dict(e["kwargs"])
    meta = {**e.get("meta", {}), "_index": position}
    return cls(**kwargs, severity=e.get("severity", "warning"), meta=meta)


@dataclass
class ExpectationResult:
    index: int
    expectation: dict
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    values: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)
    error: str = ""

    def summary(self) -> dict:
        e = self.expectation
        meta = e.get("meta", {})
        out = {
            "expectation": e["type"],
            "column": e["kwargs"].get("column"),
            "field": meta.get("field"),
            "rule": meta.get("rule", ""),
            "chk": meta.get("chk"),
            "blocking": is_blocking(e),
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "example_rows": [int(x) for x in self.examples[:MAX_EXAMPLES]],
        }
        if self.values:
            out["unexpected_values"] = dict(self.values.most_common(MAX_VALUES))
        if self.error:
            out["error"] = self.error
        return out


def _shown(column: str | None) -> bool:
    if not column:
        return False
    base = column.split("__")[0].lstrip("_")
    return base not in NO_VALUES


def _raised(r: dict) -> str | None:
    """GX's message when the expectation raised an exception (a failure, said), else None."""
    info = r.get("exception_info") or {}
    if info.get("raised_exception"):
        return (info.get("exception_message") or "error")[:300]
    return None


def run_frames(
    suite: Suite,
    scope: str,
    frames: Iterable[Any],
    parameters: dict | None = None,
    raw_out: list | None = None,
) -> list[ExpectationResult]:
    """Validate DataFrames (batches of one data set) with one scope of a suite; sum results."""
    indices = [i for i, _ in suite.scoped(scope)]
    results = [ExpectationResult(i, suite.expectations[i]) for i in indices]
    if not indices:
        return results
    vd = _validation(suite, scope, indices)
    for df in frames:
        run = vd.run(
            batch_parameters={"dataframe": df},
            expectation_parameters=parameters or {},
            result_format=RESULT_FORMAT,
        )
        js = run.to_json_dict()
        if raw_out is not None:
            raw_out.append(scrub(js))
        ordered = sorted(js["results"], key=lambda r: r["expectation_config"]["meta"]["_index"])
        for agg, r in zip(results, ordered, strict=True):
            error = _raised(r)
            if error:
                agg.success = False
                agg.error = error
                continue
            res = r.get("result") or {}
            agg.success = agg.success and bool(r["success"])
            agg.element_count += int(res.get("element_count") or 0)
            agg.unexpected_count += int(res.get("unexpected_count") or 0)
            if _shown(agg.expectation["kwargs"].get("column")):
                for pc in res.get("partial_unexpected_counts") or []:
                    agg.values[str(pc["value"])] += pc["count"]
            for ix in res.get("partial_unexpected_index_list") or []:
                if len(agg.examples) < MAX_EXAMPLES:
                    agg.examples.append(ix.get("_row", ix) if isinstance(ix, dict) else ix)
    # Counts of unexpected values: GX gives counts within its partial list; the totals are
    # summed from every batch's unexpected_count.
    return results


def scrub(js: dict) -> dict:
    """Drop unexpected values of personal columns from a GX result (they are masked anyway)."""
    for r in js.get("results", []):
        col = (r.get("expectation_config") or {}).get("kwargs", {}).get("column")
        if not _shown(col):
            res = r.get("result") or {}
            for k in ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list"):
                res.pop(k, None)
    return js


def _drop_value_lists(js: dict) -> None:
    """The unexpected values' lists, which a COMPLETE result holds, dropped from it."""
    for r in js.get("results", []):
        (r.get("result") or {}).pop("unexpected_list", None)
        (r.get("result") or {}).pop("partial_unexpected_list", None)


# --------------------------------------------------------------------------- grouped frames


def _grouped_expectations(scoped: list[tuple[int, dict]], sets: list[tuple]) -> list[dict]:
    """The row rules, each limited to its grouping set's rows (`_set == k`), on the grouped
    column (`<col>__given` for null checks)."""
    exps = []
    for _i, e in scoped:
        e2 = json.loads(json.dumps(e))
        k = sets.index(tuple(expectation_columns(e)))
        cond = e["kwargs"].get("row_condition")
        e2["kwargs"]["row_condition"] = f"_set == {k}" + (f" and ({cond})" if cond else "")
        e2["kwargs"]["condition_parser"] = "pandas"
        e2["kwargs"]["column"] = grouped_column(e)
        exps.append(e2)
    return exps


def _grouped_results(i: int, e: dict, column: str, r: dict, df, element_counts) -> dict:
    """One rule's result per file (`_file`) of the grouped frame, weighted by `_n`: the
    file's groups whose combination GX found unexpected."""
    error = _raised(r)
    res = r.get("result") or {}
    bad = df[df["_combo"].isin(res.get("unexpected_index_list") or [])]
    by_file = dict(iter(bad.groupby("_file"))) if len(bad) else {}
    out = {}
    for f, element_count in element_counts.items():
        agg = ExpectationResult(i, e)
        out[f] = agg
        if error:
            agg.success, agg.error = False, error
            continue
        agg.element_count = int(element_count)
        mine = by_file.get(f)
        if mine is None:
            continue
        agg.unexpected_count = int(mine["_n"].sum())
        agg.success = agg.unexpected_count == 0
        if _shown(column) and not column.endswith("__given"):
            for v, n in zip(mine[column], mine["_n"], strict=True):
                agg.values[str(v)] += int(n)
        agg.examples = sorted(x for rows in mine["_rows"] for x in rows)[:MAX_EXAMPLES]
    return out


def _combo_key(columns: tuple, values: Iterable[Any]) -> str:
    """A combination of its set's columns (by name) and values, as text: the key of its
    verdicts in the cache."""
    return json.dumps(
        [list(columns), [None if v is None or v != v else v for v in values]], default=str
    )


def run_grouped(
    suite: Suite,
    df,
    cols: list[str],
    sets: list[tuple],
    raw_out: list | None = None,
    verdicts: dict[str, list[int]] | None = None,
) -> dict[Any, list[ExpectationResult]]:
    """Row rules on the grouped frame (`profile.Profile.gx_frame`), each expectation limited
    to its own grouping set (`_set`); results per `_file` (the frame may hold several files'
    groups). The row rules judge a row by its own values alone, so GX validates each distinct
    combination once, in one run (`_combo`), and each file's groups take its verdict.

    `verdicts` (combination -> the rules it breaks, kept by the caller for this suite version)
    holds the verdicts of combinations seen before: GX validates only the new ones, with only
    the rules of their sets (a new quarter's extract mostly repeats the codes of the last)."""
    df = df.reset_index(drop=True)
    df = df.astype({c: object for c in cols if df[c].dtype != object})
    df["_combo"] = df.groupby(["_set", *cols], dropna=False, sort=False).ngroup()
    scoped = suite.scoped("row")
    exps = _grouped_expectations(scoped, sets)
    # (row i of `checked` is combination i: ngroup numbers them 0, 1...)
    checked = df.drop_duplicates("_combo").sort_values("_combo")[["_set", *cols]]
    checked = checked.reset_index(drop=True)
    rule_set = [sets.index(tuple(expectation_columns(e))) for _i, e in scoped]
    results, js = _combination_verdicts(suite, exps, rule_set, sets, checked, verdicts)

    # Each rule's rows counted per file from one evaluation of its condition over the frame's
    # columns that the condition names (pandas pays for every evaluation by the frame's width).
    def rows_per_file(condition: str) -> dict:
        names = [c for c in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition) if c in df.columns]
        narrow = df[list(dict.fromkeys(["_file", "_n", *names]))]
        counts = narrow[narrow.eval(condition)].groupby("_file")["_n"].sum().to_dict()
        return {f: counts.get(f, 0) for f in files}

    files = sorted(set(df["_file"]))
    per_rule = [
        _grouped_results(
            i, e, e2["kwargs"]["column"], results[j],
            df[["_file", "_combo", "_n", "_rows", e2["kwargs"]["column"]]],
            rows_per_file(e2["kwargs"]["row_condition"]),
        )
        for j, ((i, e), e2) in enumerate(zip(scoped, exps, strict=True))
    ]  # fmt: skip
    out: dict[Any, list[ExpectationResult]] = {f: [r[f] for r in per_rule] for f in files}
    if raw_out is not None:
        js.setdefault("meta", {})["primed_note"] = (
            "validated on the distinct combinations of the files checked that no earlier run "
            "had validated with this suite version (one set per rule, row_condition "
            "'_set == k'), the others taking their saved verdicts; unexpected_index_list "
            "indexes the combinations validated; row counts per file (weighted by _n) are in "
            "the primed summary"
        )
        _drop_value_lists(js)
        raw_out.append(scrub(js))
    return out


def _combination_verdicts(
    suite: Suite,
    exps: list[dict],
    rule_set: list[int],
    sets: list[tuple],
    checked,
    verdicts: dict[str, list[int]] | None,
) -> tuple[list[dict], dict]:
    """Each grouped rule's result over `checked` (row i = combination i) in GX's shape, and
    GX's own output: saved verdicts where `verdicts` has the combination, GX's for the rest.
    Rule j reads the rows of set `rule_set[j]` (columns `sets[k]`). A new combination's
    verdicts are saved only when every rule of its set gave a full answer (no exception, and
    the rows it found whenever it failed)."""
    set_of = [int(k) for k in checked["_set"]]
    keys = [_combo_key(sets[k], (checked[c].iat[i] for c in sets[k])) for i, k in enumerate(set_of)]
    known = {} if verdicts is None else verdicts
    todo = [i for i, key in enumerate(keys) if key not in known]
    unexpected: list[list[int]] = [[] for _ in exps]
    for i, key in enumerate(keys):  # one pass: each saved combination lists the rules it breaks
        for j in known.get(key, ()):
            unexpected[j].append(i)
    results = [{"success": True, "result": {}} for _ in exps]
    js: dict = {"results": [], "meta": {"great_expectations_version": gx_version()}}
    run_rules = [j for j, k in enumerate(rule_set) if k in {set_of[i] for i in todo}]
    if run_rules:
        subset = Suite(
            f"{suite.name}_grouped_{_digest(run_rules)}",
            suite.meta,
            [exps[j] for j in run_rules],
            suite.digest,
        )
        vd = _validation(subset, "row", list(range(len(run_rules))))
        frame = checked.iloc[todo].reset_index(drop=True)
        js = vd.run(batch_parameters={"dataframe": frame}, result_format="COMPLETE").to_json_dict()
        answered: set[int] = set()
        for r in js["results"]:
            j = run_rules[r["expectation_config"]["meta"]["_index"]]
            results[j] = r
            found = (r.get("result") or {}).get("unexpected_index_list") or []
            if _raised(r) or (r.get("success") is False and not found):
                continue
            answered.add(j)
            unexpected[j] += [todo[x] for x in found]
        # Sets with a rule that gave no full answer: their combinations are not saved.
        unsure = {rule_set[j] for j in run_rules if j not in answered}
        if verdicts is not None:
            broken: dict[int, list[int]] = {i: [] for i in todo}
            for j in run_rules:
                for i in unexpected[j]:
                    if i in broken:
                        broken[i].append(j)
            for i in todo:
                if set_of[i] not in unsure:
                    verdicts[keys[i]] = broken[i]
    for j, r in enumerate(results):
        if not _raised(r):
            r["result"] = {
                **(r.get("result") or {}),
                "unexpected_index_list": sorted(unexpected[j]),
            }
    return results, js


@functools.cache
def gx_version() -> str:
    """The installed Great Expectations' version (without importing it)."""
    from importlib.metadata import version

    return version("great_expectations")


def _digest(values: list[int]) -> str:
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:12]


def run_file_scope(suite: Suite, df, raw_out: list) -> dict[Any, list[ExpectationResult]]:
    """The whole-file rules in one GX run over every file's summary rows; split per file."""
    scoped = suite.scoped("file")
    vd = _validation(suite, "file", [i for i, _ in scoped])
    js = vd.run(batch_parameters={"dataframe": df}, result_format="COMPLETE").to_json_dict()
    _drop_value_lists(js)
    raw_out.append(js)
    by_index = {r["expectation_config"]["meta"]["_index"]: r for r in js["results"]}
    out: dict[Any, list[ExpectationResult]] = {}
    for f in sorted(set(df["_file"])):
        mine = df[df["_file"] == f]
        for j, (i, e) in enumerate(scoped):
            agg = ExpectationResult(i, e)
            r = by_index[j]
            idx = [x for x in ((r.get("result") or {}).get("unexpected_index_list") or [])]
            bad = mine.loc[[x for x in idx if x in mine.index]]
            agg.element_count = len(mine)
            agg.unexpected_count = len(bad)
            agg.success = len(bad) == 0 and not (r.get("exception_info") or {}).get(
                "raised_exception"
            )
            col = e["kwargs"]["column"]
            for v in bad[col]:
                agg.values[str(v)] += 1
            out.setdefault(f, []).append(agg)
    return out
