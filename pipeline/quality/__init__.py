"""Data quality: the Great Expectations suites (expectations/*.json) as checks on the raw
extracts and on the marts, and the per-file DQ report.

The raw suites run on every loaded file after ingestion (`check_raw_extracts`: blocking rules
stop dbt, so publishing; warnings are reported); the published_marts suite runs on the
candidate marts against the release published now (`check_published_marts`). Row rules that
need a parser or a code list run in DuckDB as derived columns, and GX validates small grouped
frames with personal fields masked, so no result holds a personal value. The same suite gives
the DQ report of a CLD file in the national check codes: of a file not loaded (`validate_path`,
`primed validate`) and of every loaded file, published with each release
(`dq_report_for_loaded_files`). GX results are saved under `<warehouse>/quality/<run id>/`.

Modules: `suites` (loading the suites), `codes` (code lists and the council's own mappings),
`rules_sql` (the rules as SQL), `profile` (the one DuckDB pass that counts for GX and for the
DQ reports), `frames` (what GX sees), `gx_run` (running GX), `raw_checks`, `mart_checks`,
`reconciliation`, `results` (outcomes and run folders), `dq_report` (the report's data),
`dq_file` and `dq_loaded` (its two sources), `dq_page` (the report written).
"""

from pipeline.quality.codes import (
    LocalMapping,
    code_key,
    local_mappings,
    r2_values,
    use_local_mappings,
)
from pipeline.quality.dq_file import validate_file, validate_path
from pipeline.quality.dq_loaded import dq_report_for_loaded_files
from pipeline.quality.dq_report import ValidationReport
from pipeline.quality.mart_checks import (
    MART_CHECK_NAMES,
    SHARE_COLUMNS,
    check_published_marts,
    check_published_marts_for,
    mart_check_parameters,
)
from pipeline.quality.raw_checks import check_raw_extracts
from pipeline.quality.results import CheckOutcome
from pipeline.quality.suites import is_blocking, load_suite, suite_for_kind

__all__ = [
    "MART_CHECK_NAMES",
    "SHARE_COLUMNS",
    "CheckOutcome",
    "LocalMapping",
    "ValidationReport",
    "check_published_marts",
    "check_published_marts_for",
    "check_raw_extracts",
    "code_key",
    "dq_report_for_loaded_files",
    "is_blocking",
    "load_suite",
    "local_mappings",
    "mart_check_parameters",
    "r2_values",
    "suite_for_kind",
    "use_local_mappings",
    "validate_file",
    "validate_path",
]
