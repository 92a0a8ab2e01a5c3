"""primed beside a minimal DuckDB pipeline (the floor), on the same generated files.

    python bench/benchmark.py --workdir /tmp/primed-bench            # scales 1 and 10
    python bench/benchmark.py --workdir /tmp/primed-bench --scales 1 --cases floor cold
    python bench/benchmark.py --workdir /tmp/primed-bench --scales 1 --cases floor cold spark
    python bench/benchmark.py --workdir /tmp/primed-bench --with-30  # and a 30-scale landing
    python bench/benchmark.py --workdir /tmp/primed-bench --scales 1 --stages ingest dbt
    python bench/benchmark.py --workdir /tmp/primed-bench --scales 10 --cases cold --memory-cap 4G

For each scale the landing files are generated once into `<workdir>/scale-<N>/landing` and
reused by later runs. The cases, each a child process whose whole process tree's resident
memory is sampled (dbt runs as a subprocess of the run):
* `floor`: plain DuckDB SQL in one process: load every CLD file into a typed staging table
  (one pass), dedup across extracts, a monthly workload aggregate;
* `cold`: `primed run` into an empty warehouse; each of its stages (start-up, ingest, raw GX
  checks, dbt build with its tests, mart checks, publish with the DQ reports, reports) is timed
  from the run's own step events (`primed run --timings`), not by running stages again. The
  checkout's dbt project is parsed before anything is timed: a checkout does that once per
  change of its code, not per warehouse, and the first case measured would pay for it;
* `spark`: the same cold run with PRIMED_DBT_TARGET=spark (dbt on a local SparkSession; the
  `spark` extra and Java 17), timed the same way; its dbt stage holds the raw layer's Parquet
  brought in line, dbt on Spark and the Spark-built tables read back. PRIMED_SPARK_* settings
  set in the environment apply (and are reported);
* `incremental` (largest scale): a warehouse built from every file but the newest CLD extract,
  then the run after that extract lands, then a run with nothing new.
`--memory-cap 4G` starts each `primed run` in a memory cgroup of its own with that hard limit
(cgroup v2 or v1; root, or a delegated cgroup): the kernel holds the whole process tree to it,
reclaiming cache and killing a process that goes past it, so a run that finishes under the cap
is one that would finish on a machine with that much memory. The floor runs without it.
`--stages` instead runs ingest, dbt and publish each as its own process on the cold case's
warehouse (quick profiling of one stage). Numbers are noisy on shared machines: compare the
ratio to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
MiB = 2**20

# Dagster step key -> the stage it is reported as, in reporting order.
STAGES = {
    "ingest_landing_files": "ingest",
    "raw_extract_quality": "raw GX checks",
    "primed_dbt_models": "dbt build + tests",
    "published_marts_quality": "mart checks",
    "published__warehouse": "publish",
    "published__reports": "reports",
}
ORDER = [
    "start-up",
    "ingest",
    "raw GX checks",
    "dbt build + tests",
    "mart checks",
    "publish",
    "(DQ reports)",
    "reports",
    "other",
]


# --------------------------------------------------------------------------- measuring


def tree_usage(root: int) -> tuple[int, float]:
    """Resident bytes and CPU seconds so far (its own and its reaped children's) of a process
    and all its descendants, from /proc; with the processes it left behind (the benchmark is
    their subreaper: Spark's JVM outlives dbt's process, and a zombie's times stay readable
    until it is reaped)."""
    children: dict[int, list[int]] = defaultdict(list)
    stats: dict[int, list[str]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            pid = int(entry.name)
            stats[pid] = fields
            children[int(fields[1])].append(pid)
    left = [pid for pid in children.get(os.getpid(), ()) if pid != root]
    rss, ticks, stack = 0, 0, [root, *left]
    while stack:
        pid = stack.pop()
        fields = stats.get(pid)
        if fields:  # fields[n] is stat field n + 3: utime..cstime 14-17, rss 24
            ticks += sum(int(x) for x in fields[11:15])
            rss += int(fields[21]) * PAGE
        stack.extend(children.get(pid, ()))
    return rss, ticks / TICKS


class Measured:
    """A child process run to its end, its process tree's memory and CPU time sampled every
    `every` seconds."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        log: Path,
        every: float = 0.2,
        cap: MemoryCap | None = None,
    ):
        self.samples: list[tuple[float, int, float]] = []
        log.parent.mkdir(parents=True, exist_ok=True)
        _become_subreaper()
        before = os.times()
        with log.open("w") as out:
            self.start = time.time()
            proc = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=cap.join if cap else None,
            )
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    self.samples.append((time.time(), *tree_usage(proc.pid)))
                    done.wait(every)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            _, status, _ = os.wait4(proc.pid, 0)
            done.set()
            sampler.join()
            deadline = time.time() + 60  # what it left behind (tree_usage), reaped for its time
            while time.time() < deadline:
                try:
                    if os.waitpid(-1, os.WNOHANG) == (0, 0):
                        time.sleep(0.1)
                except ChildProcessError:
                    break
            self.end = time.time()
            proc.returncode = self.returncode = os.waitstatus_to_exitcode(status)
        after = os.times()
        self.total_cpu = (after.children_user + after.children_system) - (
            before.children_user + before.children_system
        )
        self.log = log
        self.oom_kills = cap.oom_kills() if cap else 0
        if self.returncode != 0:
            tail = "".join(log.read_text(errors="replace").splitlines(True)[-20:])
            if self.oom_kills:
                tail += f"\n{self.oom_kills} process(es) killed at the {cap.text} memory cap"
            raise SystemExit(f"failed ({self.returncode}): {' '.join(args)}\n{tail}")

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def peak_mib(self, start: float | None = None, end: float | None = None) -> float:
        lo, hi = start or self.start, end or self.end
        inside = [rss for t, rss, _ in self.samples if lo <= t <= hi]
        return max(inside, default=0) / MiB

    def cpu(self, start: float, end: float) -> float:
        """CPU seconds the process tree spent between two moments (to the sampling period)."""

        def at(moment: float) -> float:
            if moment >= self.end:
                return self.total_cpu
            before = [cpu for t, _, cpu in self.samples if t <= moment]
            return before[-1] if before else 0.0

        return max(at(end) - at(start), 0.0)


class MemoryCap:
    """A memory cgroup of the benchmark's own, with a hard limit, that runs are started in
    (`join`, in the child before it runs primed). cgroup v2 (`memory.max`) or v1
    (`memory.limit_in_bytes`), made under the benchmark's own cgroup so that any limit above
    it still holds."""

    def __init__(self, text: str):
        units = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)i?B?", text.strip(), re.IGNORECASE)
        if not m:
            raise SystemExit(f"--memory-cap {text}: give a size such as 4G or 4096M")
        self.text = text
        self.limit = int(float(m.group(1)) * units[m.group(2).upper()])
        self.dir = self._make()

    def _make(self) -> Path:
        name = f"primed-bench-{os.getpid()}"
        own = {
            parts[1]: parts[2]
            for line in Path("/proc/self/cgroup").read_text().splitlines()
            if len(parts := line.split(":", 2)) == 3
        }
        v1 = Path("/sys/fs/cgroup/memory")
        try:
            if Path("/sys/fs/cgroup/cgroup.controllers").exists():  # v2, unified
                parent = Path("/sys/fs/cgroup") / own.get("", "/").lstrip("/")
                control = parent / "cgroup.subtree_control"
                if "memory" not in control.read_text().split():
                    control.write_text("+memory")
                path = parent / name
                path.mkdir()
                (path / "memory.max").write_text(str(self.limit))
                (path / "memory.swap.max").write_text("0")
            elif v1.is_dir():
                parent = v1 / own.get("memory", "/").lstrip("/")
                if not parent.is_dir():  # the cgroup namespace shows its root as /
                    parent = v1
                path = parent / name
                path.mkdir()
                (path / "memory.limit_in_bytes").write_text(str(self.limit))
                swap = path / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(self.limit))
            else:
                raise OSError("no memory cgroup hierarchy under /sys/fs/cgroup")
        except OSError as exc:
            raise SystemExit(
                f"--memory-cap needs a memory cgroup it can create and write ({exc}); run as "
                "root, or where the cgroup is delegated to this user"
            ) from None
        return path

    def join(self) -> None:
        """Move the calling process (a child, before it runs primed) into the cgroup."""
        (self.dir / "cgroup.procs").write_text(str(os.getpid()))

    def oom_kills(self) -> int:
        """Processes the kernel has killed in the cgroup for going past the cap."""
        for name in ("memory.events", "memory.oom_control"):
            path = self.dir / name
            if path.exists():
                for line in path.read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        return 0

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a process left in it: the kernel keeps it
            self.dir.rmdir()


def _become_subreaper() -> None:
    """Orphans of the measured process become this process's children (Linux), not init's."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PRIMED_PSEUDONYM_KEY="benchmark-key-0123456789",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        GX_ANALYTICS_ENABLED="false",
        DAGSTER_DISABLE_TELEMETRY="1",
    )
    return env


# --------------------------------------------------------------------------- the floor

DATES = {
    "Reporting Period Start Date",
    "Reporting Period End Date",
    "Date of Birth",
    "Date of Death",
    "Event Start Date",
    "Event End Date",
    "Allocated Date",
    "Due Date",
}
NUMBERS = {
    "Unit Cost",
    "Planned units per week",
    "Total Hrs Caring per week",
    "No. of adults being cared for",
}


def _name(header: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in header.lower()).split())


def floor_sql(landing: Path) -> list[str]:
    """The floor: what a plain DuckDB pipeline does with the CLD files, and nothing more."""
    files = sorted(str(p) for p in landing.glob("cld_*.csv"))
    with open(files[0], encoding="utf-8-sig") as f:
        headers = f.readline().rstrip("\r\n").split(",")
    typed = []
    for h in headers:
        v = f"nullif(trim(\"{h}\"), '')"
        if h in DATES:
            expr = f"coalesce(try_strptime({v}, '%Y-%m-%d'), try_strptime({v}, '%d/%m/%Y'))::DATE"
        elif h in NUMBERS:
            expr = f"try_cast(replace(replace({v}, '£', ''), ',', '') AS DECIMAL(18, 2))"
        else:
            expr = v
        typed.append(f"{expr} AS {_name(h)}")
    file_list = "[" + ", ".join(f"'{p}'" for p in files) + "]"
    return [
        # Loading and typing in one pass: the floor keeps no untyped copy.
        f"""CREATE TABLE stg_cld AS SELECT filename, {", ".join(typed)}
            FROM read_csv({file_list}, header = true, all_varchar = true, filename = true)""",
        """CREATE TABLE events AS SELECT * FROM stg_cld
           QUALIFY row_number() OVER (
               PARTITION BY la_code, event_type, coalesce(event_reference,
                   concat_ws('|', nhs_number, la_person_unique_identifier, event_start_date,
                             request_route_of_access, assessment_type, service_type,
                             service_component))
               ORDER BY reporting_period_end_date DESC, filename DESC) = 1""",
        """CREATE TABLE workload_monthly AS
           WITH month_ends AS (
               SELECT (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS month_end
               FROM (SELECT unnest(generate_series(
                   (SELECT min(reporting_period_start_date) FROM events),
                   (SELECT max(reporting_period_end_date) FROM events),
                   INTERVAL 1 MONTH)) AS m))
           SELECT team_code, month_end, event_type, count(*) AS open_count,
                  count(*) FILTER (WHERE worker_id IS NOT NULL AND allocated_date <= month_end)
                      AS allocated_count,
                  count(*) FILTER (WHERE due_date < month_end) AS overdue_count
           FROM events JOIN month_ends
             ON event_start_date <= month_end
            AND (event_end_date IS NULL OR event_end_date > month_end)
           WHERE event_type IN ('Assessment', 'Review')
             AND coalesce(event_status, '') <> 'Cancelled'
           GROUP BY ALL""",
    ]


def run_floor(landing: Path, db: Path) -> None:
    import duckdb

    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    for sql in floor_sql(landing):
        started = time.perf_counter()
        con.execute(sql)
        print(f"{time.perf_counter() - started:6.1f}s  {sql.split(' AS')[0]}", flush=True)
    rows = con.execute("SELECT count(*) FROM stg_cld").fetchone()[0]
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"{rows} rows loaded, {events} events", flush=True)
    con.close()
    db.unlink(missing_ok=True)


# --------------------------------------------------------------------------- cases


def ensure_landing(scale: float, workdir: Path, las: int = 1) -> Path:
    landing = workdir / f"scale-{scale:g}" / "landing"
    marker = landing / ".primed-generator.json"
    if not marker.exists():
        shutil.rmtree(landing, ignore_errors=True)
        print(f"scale {scale:g}: generating {landing} ...", flush=True)
        started = time.perf_counter()
        args = [PY, "-m", "pipeline.cli", "generate", "--out", str(landing)]
        args += ["--scale", str(scale / las), "--las", str(las)]
        subprocess.run(args, cwd=ROOT, env=base_env(), check=True, stdout=subprocess.DEVNULL)
        print(f"scale {scale:g}: generated in {time.perf_counter() - started:.0f}s", flush=True)
    return landing


def landing_facts(landing: Path) -> dict:
    cld = sorted(landing.glob("cld_*.csv"))
    rows = 0
    for p in cld:
        with p.open("rb") as f:
            rows += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1
    size = sum(p.stat().st_size for p in landing.rglob("*.csv"))
    return {"cld_files": len(cld), "cld_rows": rows, "landing_mib": round(size / MiB)}


def measure_floor(landing: Path, out: Path) -> dict:
    db = out / "floor.duckdb"
    m = Measured([PY, __file__, "--floor", str(landing), str(db)], base_env(), out / "floor.log")
    return measured(m)


def measured(m: Measured) -> dict:
    return {
        "seconds": round(m.seconds, 1),
        "cpu_seconds": round(m.total_cpu, 1),
        "peak_mib": round(m.peak_mib()),
    }


def measure_run(
    landing: Path,
    warehouse: Path,
    out: Path,
    label: str,
    extra_env: dict | None = None,
    cap: MemoryCap | None = None,
) -> dict:
    """`primed run` on landing into warehouse: the whole run and each of its stages."""
    timings = out / f"{label}.timings.json"
    env = base_env() | {"PRIMED_WORK_DB": str(warehouse / "work" / "primed.duckdb")}
    env |= extra_env or {}
    args = [PY, "-m", "pipeline.cli", "run", "--landing", str(landing)]
    args += ["--warehouse", str(warehouse), "--timings", str(timings)]
    m = Measured(args, env, out / f"{label}.log", cap=cap)
    steps = json.loads(timings.read_text())["steps"]
    stages: dict[str, dict] = {}

    def add(name: str, start: float, end: float) -> None:
        stage = stages.setdefault(name, {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mib": 0.0})
        stage["seconds"] += end - start
        stage["cpu_seconds"] += m.cpu(start, end)
        stage["peak_mib"] = max(stage["peak_mib"], m.peak_mib(start, end))

    first = min(s["start"] for s in steps)
    add("start-up", m.start, first)
    for s in steps:
        end = s["end"] or m.end
        add(STAGES.get(s["step"], "other"), s["start"], end)
        for stamp, message in s["messages"]:
            if "data-quality reports:" in message and message.endswith("s"):
                took = float(message.rsplit(" in ", 1)[1].rstrip("s"))
                add("(DQ reports)", stamp - took, stamp)
    other = stages.setdefault("other", {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mib": 0.0})
    for key, total in (("seconds", m.seconds), ("cpu_seconds", m.total_cpu)):
        # Steps not reported on their own, gaps between steps, shutting down.
        covered = sum(v[key] for k, v in stages.items() if k != "(DQ reports)")
        other[key] += max(total - covered, 0.0)
    for stage in stages.values():
        for key in ("seconds", "cpu_seconds"):
            stage[key] = round(stage[key], 1)
        stage["peak_mib"] = round(stage["peak_mib"])
    keep_dbt_results(warehouse, steps, out / f"{label}.run_results.json")
    return measured(m) | {"stages": stages}


def keep_dbt_results(warehouse: Path, steps: list[dict], dest: Path) -> None:
    """Copy the run's dbt run_results.json (per-node timings) beside the benchmark's logs: from
    the warehouse's dbt folder, or where the run said it copied dbt's parse to."""
    found = warehouse / "work" / "dbt" / "run_results.json"
    if not found.exists():  # built on Spark (pipeline/transform/spark.py)
        found = warehouse / "work" / "spark" / "target" / "run_results.json"
    for s in steps:
        for _, message in s["messages"]:
            paths = re.findall(r"`([^`]+partial_parse\.msgpack)`", message)
            if message.startswith("Copying") and len(paths) == 2:
                found = Path(paths[1]).parent / "run_results.json"
    if found.exists():
        shutil.copyfile(found, dest)


def top_dbt_nodes(results: Path, n: int = 12) -> list[tuple[str, float]]:
    if not results.exists():
        return []
    nodes = json.loads(results.read_text())["results"]
    timed = sorted(((r["unique_id"], r["execution_time"]) for r in nodes), key=lambda x: -x[1])
    return [(uid.split(".", 2)[-1] if "." in uid else uid, t) for uid, t in timed[:n]]


def bench_scale(
    scale: float,
    workdir: Path,
    cases: list[str],
    las: int,
    keep: bool,
    cap: MemoryCap | None = None,
) -> dict:
    landing = ensure_landing(scale, workdir, las)
    base = landing.parent
    out = base / "results"
    out.mkdir(exist_ok=True)
    result: dict = {"scale": scale, **landing_facts(landing)}
    if cap:
        result["memory_cap"] = cap.text
    print(
        f"\nscale {scale:g}: {result['cld_rows']:,} CLD rows in {result['cld_files']} files, "
        f"{result['landing_mib']:,} MiB of landing files"
        + (f"; primed runs under a {cap.text} memory cap" if cap else ""),
        flush=True,
    )
    if "floor" in cases:
        result["floor"] = measure_floor(landing, out)
        print(f"  floor: {result['floor']['seconds']:.1f}s", flush=True)
    if "cold" in cases:
        warehouse = base / "warehouse"
        shutil.rmtree(warehouse, ignore_errors=True)
        result["cold"] = measure_run(landing, warehouse, out, "cold", cap=cap)
        print(f"  primed run (cold): {result['cold']['seconds']:.1f}s", flush=True)
        if not keep:
            shutil.rmtree(warehouse, ignore_errors=True)
    if "spark" in cases:
        warehouse = base / "warehouse-spark"
        shutil.rmtree(warehouse, ignore_errors=True)
        result["spark"] = measure_run(
            landing, warehouse, out, "spark", {"PRIMED_DBT_TARGET": "spark"}, cap
        ) | {"settings": {k: v for k, v in os.environ.items() if k.startswith("PRIMED_SPARK_")}}
        print(f"  primed run on Spark (cold): {result['spark']['seconds']:.1f}s", flush=True)
        if not keep:
            shutil.rmtree(warehouse, ignore_errors=True)
    if "incremental" in cases:
        result |= measure_incremental(landing, base, out, keep, cap)
    print_scale(result, out)
    return result


def measure_incremental(
    landing: Path, base: Path, out: Path, keep: bool, cap: MemoryCap | None = None
) -> dict:
    """Every file but the newest CLD extract published; that extract lands; then nothing new."""
    newest = sorted(landing.glob("cld_*.csv"), key=lambda p: p.name.rsplit("_", 1)[-1])[-1]
    partial = base / "landing-incremental"
    shutil.rmtree(partial, ignore_errors=True)
    for path in landing.rglob("*.csv"):
        if path != newest:
            dest = partial / path.relative_to(landing)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, dest)
    warehouse = base / "warehouse-incremental"
    shutil.rmtree(warehouse, ignore_errors=True)
    found = {"base_run": measure_run(partial, warehouse, out, "base", cap=cap)}
    print(f"  base for incremental: {found['base_run']['seconds']:.1f}s", flush=True)
    os.link(newest, partial / newest.name)
    found["incremental"] = measure_run(partial, warehouse, out, "incremental", cap=cap)
    print(f"  incremental ({newest.name}): {found['incremental']['seconds']:.1f}s", flush=True)
    found["nothing_new"] = measure_run(partial, warehouse, out, "nothing-new", cap=cap)
    print(f"  nothing new: {found['nothing_new']['seconds']:.1f}s", flush=True)
    if not keep:
        shutil.rmtree(warehouse, ignore_errors=True)
    shutil.rmtree(partial, ignore_errors=True)
    return found


# --------------------------------------------------------------------------- printing


def print_scale(r: dict, out: Path) -> None:
    floor = r.get("floor")

    def row(label: str, m: dict, indent: int = 2) -> None:
        cpu = m.get("cpu_seconds", 0.0)
        text = (
            f"{' ' * indent}{label:<{32 - indent}}{m['seconds']:9.1f} {cpu:9.1f} {m['peak_mib']:9,}"
        )
        if floor and indent == 2 and m is not floor:
            text += f"  {m['seconds'] / floor['seconds']:6.1f}x"
            if floor.get("cpu_seconds"):
                text += f" {cpu / floor['cpu_seconds']:6.1f}x"
        if m is r.get("spark") and "cold" in r:
            text += f"  ({m['seconds'] / r['cold']['seconds']:.1f}x DuckDB's cold run)"
        print(text)

    print(f"\n  scale {r['scale']:g}{'':<24}{'seconds':>9} {'CPU s':>9} {'peak MiB':>9}  x floor")
    print(f"  {'':<30}{'':>9} {'':>9} {'':>9}  (wall, CPU)")
    if floor:
        row("floor", floor)
    for case, label in (
        ("cold", "primed run (cold)"),
        ("spark", "primed run on Spark (cold)"),
        ("base_run", "base for incremental"),
        ("incremental", "incremental: one new extract"),
        ("nothing_new", "nothing new"),
    ):
        if case not in r:
            continue
        row(label, r[case])
        if case in ("cold", "spark", "incremental"):
            for stage in ORDER:
                if stage in r[case]["stages"]:
                    row(stage, r[case]["stages"][stage], indent=4)
        if case == "incremental" and "cold" in r:
            print(
                f"    {'share of the cold run':<28}{r[case]['seconds'] / r['cold']['seconds']:9.0%}"
            )
    for case in ("cold", "spark"):
        nodes = top_dbt_nodes(out / f"{case}.run_results.json") if case in r else []
        if nodes:
            print(f"  slowest dbt nodes ({case} run):")
            for uid, t in nodes:
                print(f"    {t:7.1f}s  {uid}")


def print_markdown(results: list[dict]) -> None:
    print(
        "\n| scale | CLD rows | floor s (CPU s) | `primed run` s (CPU s) | ratio wall (CPU) "
        "| peak MiB floor / primed | stages: s (peak MiB) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r, case in ((r, c) for r in results for c in ("cold", "spark")):
        if "floor" not in r or case not in r:
            continue
        floor, cold = r["floor"], r[case]
        stages = cold["stages"]
        text = ", ".join(
            f"{k} {stages[k]['seconds']:.0f} ({stages[k]['peak_mib']:,})"
            for k in ORDER
            if k in stages
        )
        cpu_ratio = (
            cold.get("cpu_seconds", 0) / floor["cpu_seconds"] if floor.get("cpu_seconds") else 0
        )
        print(
            f"| {r['scale']:g}{' (Spark)' if case == 'spark' else ''} | {r['cld_rows']:,} "
            f"| {floor['seconds']:.0f} ({floor.get('cpu_seconds', 0):.0f}) "
            f"| {cold['seconds']:.0f} ({cold.get('cpu_seconds', 0):.0f}) "
            f"| {cold['seconds'] / floor['seconds']:.1f}x ({cpu_ratio:.1f}x) "
            f"| {floor['peak_mib']:,} / {cold['peak_mib']:,} | {text} |"
        )
    print_growth(results)


def print_growth(results: list[dict]) -> None:
    """How the cold run grows with the landing: each larger scale's time and peak against the
    next smaller one's (issue 10: 30 times Ealing's size in at most 3.3 times ten's)."""
    cold = sorted((r["scale"], r["cld_rows"], r["cold"]) for r in results if "cold" in r)
    for (small, rows_a, a), (large, rows_b, b) in zip(cold, cold[1:], strict=False):
        time_x = b["seconds"] / a["seconds"]
        cpu_x = b["cpu_seconds"] / a["cpu_seconds"]
        print(
            f"\ncold run at scale {large:g} against {small:g} "
            f"({rows_b / rows_a:.2f}x the CLD rows): {time_x:.2f}x the time "
            f"({cpu_x:.2f}x the CPU), peak {b['peak_mib']:,} MiB against {a['peak_mib']:,}"
        )


# --------------------------------------------------------------------------- separate stages


def run_stages(scale: float, workdir: Path, stages: list[str], las: int) -> None:
    """Ingest, dbt and publish each as its own process on `<scale>/warehouse` (kept)."""
    landing = ensure_landing(scale, workdir, las)
    warehouse = landing.parent / "warehouse"
    env = base_env() | {"PRIMED_WORK_DB": str(warehouse / "work" / "primed.duckdb")}
    commands = {
        "ingest": [PY, "-m", "pipeline.cli", "ingest", "--landing", str(landing)]
        + ["--warehouse", str(warehouse)],
        "dbt": [str(Path(PY).with_name("dbt")), "build", "--project-dir", str(ROOT)]
        + ["--profiles-dir", str(ROOT), "-q"],
        "publish": [
            PY,
            "-c",
            "import sys; from pipeline.publish.release import publish; "
            "from pipeline.core.paths import WarehousePaths; "
            "publish(WarehousePaths.at(sys.argv[1]), 'bench')",
            str(warehouse),
        ],
    }
    for name in stages:
        m = Measured(commands[name], env, landing.parent / "results" / f"stage-{name}.log")
        print(f"scale {scale:g}  {name:<8} {m.seconds:8.1f}s {m.peak_mib():8,.0f} MiB", flush=True)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--floor":
        run_floor(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/primed-bench"))
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--with-30", action="store_true", help="add a 30-scale landing (3 LAs)")
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=["floor", "cold", "spark", "incremental"],
        default=["floor", "cold", "incremental"],
        help="incremental runs at the largest scale only",
    )
    parser.add_argument("--stages", nargs="+", choices=["ingest", "dbt", "publish"])
    parser.add_argument("--keep", action="store_true", help="keep the warehouses built")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--memory-cap",
        metavar="SIZE",
        help="run each `primed run` in a memory cgroup with this hard limit (4G...)",
    )
    args = parser.parse_args()
    scales = [(s, 1) for s in args.scales] + ([(30.0, 3)] if args.with_30 else [])
    if args.stages:
        for scale, las in scales:
            run_stages(scale, args.workdir, args.stages, las)
        return
    results = []
    largest = max(args.scales)
    prepare = "from pipeline.transform.dbt_project import prepare_manifest; prepare_manifest()"
    subprocess.run([PY, "-c", prepare], cwd=ROOT, env=base_env(), check=True)
    cap = MemoryCap(args.memory_cap) if args.memory_cap else None
    try:
        for scale, las in scales:
            cases = [c for c in args.cases if c != "incremental" or (scale == largest and las == 1)]
            results.append(bench_scale(scale, args.workdir, cases, las, args.keep, cap))
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
    finally:
        if cap:
            cap.close()
    print_markdown(results)


if __name__ == "__main__":
    main()
