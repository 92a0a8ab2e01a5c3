"""Commands that make something for people outside the pipeline: report, export-cld, validate."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from pipeline.cli.common import say
from pipeline.core.config import Settings
from pipeline.core.errors import PrimedError
from pipeline.core.paths import WarehousePaths


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.reports import render_reports, render_reports_into

    paths = WarehousePaths.at(args.warehouse)
    if not paths.published_db.exists():
        raise PrimedError(f"nothing is published in {paths.root} yet; run the pipeline first")
    options = {"suppress_small_counts": args.suppress_small_counts, "months": args.months}
    if args.out:
        # Pages for outside the service go elsewhere, never over the service's own.
        site = render_reports_into(Path(args.out), paths.published_db, **options)
    else:
        site = render_reports(paths.root, **options)
    say(f"reports: {site / 'index.html'}")
    if not args.no_docs and not args.out:
        from pipeline.publish.docs_site import build_docs_site

        say(f"docs:    {build_docs_site(paths.root) / 'index.html'}")
    return 0


def cmd_export_cld(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.export.cld import export_cld

    try:
        period_end = date.fromisoformat(args.period_end)
    except ValueError:
        raise PrimedError(f"--period-end {args.period_end!r} is not a date (YYYY-MM-DD)") from None
    counts = export_cld(args.warehouse, period_end, Path(args.out), la_code=args.la_code)
    say(
        f"wrote {args.out}: "
        + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in counts.items())
    )
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.quality import validate_path

    path = Path(args.file)
    if not path.is_file():
        raise PrimedError(f"{path} is not a file")
    refused = False
    for report in validate_path(path, Path(args.out) if args.out else path.parent):
        if report.status == "refused":
            refused = True
            say(f"REFUSED {report.file_name}: {report.reason}")
        else:
            say(f"{report.file_name}: {report.rows:,} rows, {report.problem_rows:,} field problems")
            for warning in report.warnings:
                say(f"  warning: {warning}")
        say(f"report: {report.html_path}\n        {report.csv_path}")
    return 1 if refused else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser("report", help="render the standard reports from the published marts")
    rp.add_argument("--warehouse", required=True)
    rp.add_argument("--months", type=int, default=24, help="months shown in charts")
    rp.add_argument(
        "--suppress-small-counts",
        action="store_true",
        help="show counts under 5 as <5 (for pages that leave the service)",
    )
    rp.add_argument("--out", help="write the site here instead of beside the published data")
    rp.add_argument("--no-docs", action="store_true", help="skip the dbt docs site")
    rp.set_defaults(func=cmd_report)

    x = sub.add_parser("export-cld", help="write a CLD submission file for a rolling 12 months")
    x.add_argument("--warehouse", required=True)
    x.add_argument("--period-end", required=True, help="last day of the period (YYYY-MM-DD)")
    x.add_argument("--out", required=True, help="CSV file to write")
    x.add_argument("--la-code", help="the council, when the warehouse holds several")
    x.set_defaults(func=cmd_export_cld)

    v = sub.add_parser("validate", help="check a CLD file before sending it (nothing is loaded)")
    v.add_argument("file")
    v.add_argument("--out", help="folder for the report (default: beside the file)")
    v.set_defaults(func=cmd_validate)
