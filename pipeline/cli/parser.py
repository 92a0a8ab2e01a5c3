"""The `primed` command line's parser: the global options, then each group's commands."""

from __future__ import annotations

import argparse

from pipeline.cli import outputs, run, warehouse

DESCRIPTION = "`primed`: the command line. Every pipeline run goes through the one Dagster job."


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="primed", description=DESCRIPTION)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    for group in (run, outputs, warehouse):  # in this order in `primed --help`
        group.add_commands(sub)
    return p
