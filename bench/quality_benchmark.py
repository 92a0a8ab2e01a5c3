"""Time and peak memory of the data-quality steps at scale (issue 4, item 8).

    python bench/quality_benchmark.py --scale 10 [--root /tmp/b10] [--out /tmp/dq-bench]

Uses `<root>/landing` (generated with `primed generate --scale N` when missing) and
`<root>/warehouse` (loaded when missing); both are only read. Each step runs in its own
process so its peak resident memory (ru_maxrss) is its own:
* validate_file on the largest CLD file (and on every CLD file with --all-files);
* the raw GX suites on every loaded file (check_raw_extracts, cold: no cache).
Prints one line per step: rows, seconds, seconds per million rows, peak MB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _child(step: str, args: list[str]) -> dict:
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); " + STEPS[step]
    t = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    seconds = time.time() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if out.returncode:
        raise SystemExit(f"{step} failed:\n{out.stderr[-3000:]}")
    found = [x for x in out.stdout.splitlines() if x.startswith("BENCH ")]
    if not found:
        raise SystemExit(f"{step} printed no result:\n{out.stderr[-3000:]}")
    line = found[-1]
    result = json.loads(line[len("BENCH ") :])
    return {"step": step, "seconds": round(seconds, 1), "peak_mb_so_far": round(peak_mb), **result}


STEPS = {
    "validate_file": (
        "import json, time, resource; from pipeline.quality import validate_file; "
        "t = time.time(); r = validate_file(sys.argv[1], sys.argv[2]); "
        "print('BENCH ' + json.dumps({'rows': r.rows, 'status': r.status, 'inner_seconds': "
        "round(time.time() - t, 1), 'peak_mb': round(resource.getrusage("
        "resource.RUSAGE_SELF).ru_maxrss / 1024)}))"
    ),
    "raw_suites": (
        "import json, time, resource, duckdb; from pipeline import quality; "
        "from pipeline.quality.gx_run import gx_context; "
        "gx_context(); t = time.time(); "
        "o = quality.check_raw_extracts(sys.argv[1], 'bench', out_root=sys.argv[2]); "
        "con = duckdb.connect(sys.argv[1], read_only=True); "
        "n = con.execute(\"SELECT sum(rows_loaded) FROM raw._files WHERE status = 'loaded'\")"
        ".fetchall()[0][0]; "
        "print('BENCH ' + json.dumps({'rows': int(n), 'inner_seconds': round(time.time() - t, 1), "
        "'checks': len(o), 'blocking_failed': sum(not x.passed and x.blocking for x in o), "
        "'peak_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))"
    ),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--root", type=Path, help="folder with landing/ and warehouse/")
    p.add_argument("--out", type=Path, default=Path("/tmp/primed-dq-bench"))
    p.add_argument("--all-files", action="store_true", help="validate every CLD file")
    p.add_argument("--skip-raw", action="store_true", help="only validate_file")
    p.add_argument("--skip-validate", action="store_true", help="only the raw suites")
    args = p.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    root = args.root or Path(f"/tmp/b{args.scale:g}")
    landing, warehouse = root / "landing", root / "warehouse"
    if not landing.is_dir():
        from pipeline.demo import generate

        generate(landing, seed=42, scale=args.scale)
    work_db = warehouse / "work" / "primed.duckdb"
    if not work_db.exists():
        from pipeline.ingest import ingest

        ingest(landing, warehouse)
    cld = sorted(landing.glob("cld*.csv"), key=lambda f: f.stat().st_size)
    files = [] if args.skip_validate else cld if args.all_files else cld[-1:]
    run_out = args.out / f"scale{args.scale:g}_{int(time.time())}"
    lines = []
    for f in files:
        r = _child("validate_file", [str(f), str(run_out / "dq")])
        r["file"], r["mb"] = f.name, round(f.stat().st_size / 1e6)
        lines.append(r)
    if not args.skip_raw:
        lines.append(_child("raw_suites", [str(work_db), str(run_out / "quality")]))
    for r in lines:
        per_m = r["inner_seconds"] / max(r["rows"], 1) * 1e6
        print(
            f"{r['step']:<14} {r.get('file', ''):<30} rows {r['rows']:>10,}  "
            f"{r['inner_seconds']:>7.1f} s  {per_m:>6.1f} s/M rows  peak {r['peak_mb']:>6,} MB"
        )
    (args.out / f"scale{args.scale:g}.json").parent.mkdir(parents=True, exist_ok=True)
    (args.out / f"scale{args.scale:g}.json").write_text(json.dumps(lines, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
