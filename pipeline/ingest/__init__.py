"""Ingestion: landing folder -> raw DuckDB tables, with lineage, quarantine and an archive.

Every file in the landing folder is accounted for, in the progress lines and in `raw._files`:
loaded, waiting (still being written), skipped (same content seen before), refused or ignored
with the reason. A CSV (as it is, gzipped, or in a zip) is checked against the contract
(pipeline/core/contract.py) and streamed through DuckDB's own CSV reader into its raw table in
one transaction: every data row is loaded (typed, pseudonymised, with its lineage) or
quarantined with its reasons. Each loaded file is archived and listed in the manifest, from
which `rebuild_raw` loads everything again. The stage also withdraws files, purges them beyond
retention, says what a warehouse holds on disk and writes raw as Parquet.

Modules, in the order a file meets them: scan, registry, encoding, header, read (with rules),
load, archive, pseudonyms and schema; ingestor runs them over a landing folder and entry holds
`ingest` and `rebuild_raw`. Then supersession, minimise, retention, disk, raw_parquet.
"""

from pipeline.ingest.archive import MANIFEST, safe_name
from pipeline.ingest.disk import Usage, disk_usage
from pipeline.ingest.encoding import readable_source
from pipeline.ingest.entry import ingest, rebuild_raw
from pipeline.ingest.header import map_headers, read_header
from pipeline.ingest.ingestor import Ingestor
from pipeline.ingest.pseudonyms import NHS_NUMBER
from pipeline.ingest.raw_parquet import export_raw_parquet
from pipeline.ingest.read import MAX_LINE_BYTES, csv_sql, duckdb_reason, row_steps_sql
from pipeline.ingest.registry import sha256_of
from pipeline.ingest.results import FileResult, IngestReport
from pipeline.ingest.retention import purge, purged_log
from pipeline.ingest.rules import typed_expr
from pipeline.ingest.scan import ZIP_KIND, classify_parts, discover, zip_members
from pipeline.ingest.schema import SQL_TYPE
from pipeline.ingest.supersession import files_not_counting, restore, withdraw
from pipeline.ingest.unzip import extract_member

__all__ = [
    # running the stage
    "ingest",
    "rebuild_raw",
    "Ingestor",
    "IngestReport",
    "FileResult",
    "MANIFEST",
    "discover",
    # operating a warehouse
    "withdraw",
    "restore",
    "files_not_counting",
    "purge",
    "purged_log",
    "disk_usage",
    "Usage",
    "export_raw_parquet",
    # reading a landing file as ingestion does (the per-file DQ report, the CLD export)
    "classify_parts",
    "ZIP_KIND",
    "zip_members",
    "extract_member",
    "safe_name",
    "sha256_of",
    "readable_source",
    "read_header",
    "map_headers",
    "csv_sql",
    "MAX_LINE_BYTES",
    "row_steps_sql",
    "duckdb_reason",
    "typed_expr",
    "SQL_TYPE",
    "NHS_NUMBER",
]
