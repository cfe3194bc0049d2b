"""Imports of customers and orders from CSV and XLSX, with column mapping, preview and a row report."""

from klientura.imports.errors import UNSUPPORTED_TYPE
from klientura.imports.keeping import forget_rejections, scrub_rejections
from klientura.imports.mapping import CUSTOMER_FIELDS, ORDER_FIELDS, apply_overrides, detect, parse_overrides
from klientura.imports.models import ImportRejection, ImportRun
from klientura.imports.readers import Table, open_table
from klientura.imports.report import Progress, Rejection, Report, raw_of
from klientura.imports.rows import text_of
from klientura.imports.service import KINDS, count_rows, get_run, inspect_file, list_runs, record_run, run_import
from klientura.imports.uploads import clean_uploads, save_upload

__all__ = [
    "CUSTOMER_FIELDS",
    "KINDS",
    "ORDER_FIELDS",
    "UNSUPPORTED_TYPE",
    "ImportRejection",
    "ImportRun",
    "Progress",
    "Rejection",
    "Report",
    "Table",
    "apply_overrides",
    "clean_uploads",
    "count_rows",
    "detect",
    "forget_rejections",
    "get_run",
    "inspect_file",
    "list_runs",
    "open_table",
    "parse_overrides",
    "raw_of",
    "record_run",
    "run_import",
    "save_upload",
    "scrub_rejections",
    "text_of",
]
