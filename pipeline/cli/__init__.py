"""`primed`: the command line. Every pipeline run goes through the one Dagster job.

`main()` parses the command line, reads the settings (`Settings.from_env()`) once and hands
them to the command, and turns errors into one line and an exit code. The commands are grouped
by what they do: `run` (generate, ingest, run, demo, dagster), `outputs` (report, export-cld,
validate) and `warehouse` (withdraw, status, purge, rebuild); `job` runs the Dagster job in
process for `primed run` (`run_pipeline`), and `parser` puts the command line together.
"""

from __future__ import annotations

import logging
import sys

from pipeline.cli.job import execute_job, run_pipeline
from pipeline.cli.parser import build_parser
from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import private_umask
from pipeline.core.settings import quiet_telemetry

__all__ = ["build_parser", "execute_job", "main", "run_pipeline"]


def main(argv: list[str] | None = None) -> int:
    quiet_telemetry()
    private_umask()  # whatever it writes is primed's own, but what it publishes
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("primed: %(message)s"))
    log = logging.getLogger("primed")
    log.addHandler(handler)
    log.propagate = False
    try:
        return args.func(args, Settings.from_env())
    except PrimedError as exc:
        print(f"primed: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("primed: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one sentence, not a traceback, unless asked
        if args.debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"primed: unexpected error: {first} (run with --debug for details)", file=sys.stderr)
        return 3
