"""The import domain's codes: why a file or a row is refused (a row's reason is stored with its code)."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

UNKNOWN_KIND = code("import.unknown_kind", N_("unknown import kind '%(value)s': customers or orders"))
NO_IDENTITY_COLUMN = code(
    "import.no_identity_column",
    N_("no identity column (phone, e-mail, card or external id) found; map one with Column=field"),
)
RUN_NOT_FOUND = code("import.not_found", N_("import %(id)s not found"))
NOT_IN_ENCODING = code("import.file.encoding", N_("the file is not valid %(encoding)s: %(why)s"))
FILE_NOT_FOUND = code("import.file.not_found", N_("file not found: %(path)s"))
UNSUPPORTED_TYPE = code("import.file.type", N_("unsupported file type '%(suffix)s': use CSV or XLSX"))
FILE_EMPTY = code("import.file.empty", N_("the file is empty"))
NOT_XLSX = code("import.file.not_xlsx", N_("not a readable XLSX file: %(why)s"))
XLSX_BOMB = code(
    "import.file.xlsx_too_big",
    N_(
        "the XLSX file unpacks to %(size)s MB (at most %(limit)s MB, at most %(ratio)s times its packed size): split it"
    ),
)
SHEET_EMPTY = code("import.file.sheet_empty", N_("the sheet is empty"))
NO_SUCH_COLUMN = code("import.mapping.no_column", N_("no column '%(column)s' in the file; columns: %(columns)s"))
UNKNOWN_FIELD = code("import.mapping.unknown_field", N_("unknown field '%(value)s'; fields: %(fields)s"))
BAD_MAPPING = code("import.mapping.syntax", N_("a mapping is 'Column=field', got '%(value)s'"))
NO_COLUMN_FOR = code("import.mapping.missing", N_("no column for %(column)s: map one with --map 'Column=%(column)s'"))
NO_IDENTITY = code(
    "import.row.no_identity", N_("no phone, e-mail, card or external id: the row cannot be matched to a card")
)
NOT_YES_NO = code("import.row.not_yes_no", N_("expected yes/no, got '%(value)s'"))
NO_RECEIPT_NUMBER = code("import.row.no_receipt_number", N_("no receipt number"))
NO_PURCHASE_DATE = code("import.row.no_purchase_date", N_("no purchase date"))
BAD_PURCHASE_DATE = code("import.row.bad_purchase_date", N_("bad purchase date: '%(value)s'"))
UNKNOWN_STATUS = code("import.row.unknown_status", N_("unknown status '%(value)s'"))
NO_AMOUNT = code("import.row.no_amount", N_("no amount"))
DISCOUNT_OVER_AMOUNT = code("import.row.discount_over_amount", N_("discount exceeds the amount"))
NOT_A_NUMBER = code("import.row.not_a_number", N_("not a number: '%(value)s'"))
QTY_NOT_POSITIVE = code("import.row.qty_not_positive", N_("quantity must be a positive number, got '%(value)s'"))
LINE_WITHOUT_PRICE = code("import.row.line_without_price", N_("a line needs a price or an amount"))
DISCOUNT_OVER_LINE = code("import.row.discount_over_line", N_("discount exceeds the line amount"))
RECEIPT_SPLIT = code(
    "import.row.receipt_split", N_("receipt %(value)s appeared earlier in the file; keep its lines together")
)
UNKNOWN_CUSTOMER = code("import.row.unknown_customer", N_("unknown customer: %(value)s"))
WRITTEN_CONCURRENTLY = code(
    "import.concurrent",
    N_(
        "some of these receipts were written by another import or integration at the same time; run the import again: "
        "receipts already in the store are skipped"
    ),
)
