"""Imports of customers and orders from CSV and XLSX, with column mapping, preview and a row report."""

from klientura.imports.errors import UNSUPPORTED_TYPE
from klientura.imports.keeping import forget_rejections, scrub_rejections
from klientura.imports.mapping import CUSTOMER_FIELDS, ORDER_FIELDS, parse_overrides
from klientura.imports.models import ImportRejection, ImportRun
from klientura.imports.report import Rejection, Report
from klientura.imports.service import KINDS, count_rows, get_run, inspect_file, list_runs, run_import
from klientura.imports.uploads import clean_uploads, save_upload

__all__ = [
    "CUSTOMER_FIELDS",
    "KINDS",
    "ORDER_FIELDS",
    "UNSUPPORTED_TYPE",
    "ImportRejection",
    "ImportRun",
    "Rejection",
    "Report",
    "clean_uploads",
    "count_rows",
    "forget_rejections",
    "get_run",
    "inspect_file",
    "list_runs",
    "parse_overrides",
    "run_import",
    "save_upload",
    "scrub_rejections",
]
