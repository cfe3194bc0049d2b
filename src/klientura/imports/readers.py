"""Rows out of CSV (UTF-8 or cp1251, ``;``/``,``/tab separated) and XLSX files."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from klientura.imports.errors import (
    FILE_EMPTY,
    FILE_NOT_FOUND,
    NOT_IN_ENCODING,
    NOT_XLSX,
    SHEET_EMPTY,
    UNSUPPORTED_TYPE,
    XLSX_BOMB,
)
from klientura.kit.errors import ValidationFailed

Cell = str | datetime | date | None


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[list[Cell]]
    encoding: str
    delimiter: str
    size_bytes: int
    source: RowSource | None = None  # reopens the rows in another process; None once rows were cut short


@dataclass(frozen=True)
class RowSource:
    """What a child process needs to read the same rows again: picklable, unlike the row iterator."""

    path: str
    encoding: str
    delimiter: str

    def rows(self) -> Iterator[list[Cell]]:
        if self.encoding == "xlsx":
            return _xlsx_rows(Path(self.path))
        return _csv_rows(Path(self.path), self.encoding, self.delimiter)


def _csv_rows(path: Path, enc: str, delim: str) -> Iterator[list[Cell]]:
    with path.open("r", encoding=enc, newline="", errors="strict") as stream:
        reader = csv.reader(stream, delimiter=delim)
        next(reader, None)
        try:
            for row in reader:
                if "".join(row).strip():
                    yield list(row)
        except UnicodeDecodeError as exc:
            raise ValidationFailed(NOT_IN_ENCODING, encoding=enc, why=str(exc)) from exc


def _xlsx_rows(path: Path) -> Iterator[list[Cell]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for raw in book.worksheets[0].iter_rows(values_only=True, min_row=2):
            if raw is None or all(v is None or v == "" for v in raw):
                continue
            yield [_cell(v) for v in raw]
    finally:
        book.close()


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8"
        return "cp1251"


def detect_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", -1
    for cand in (";", ",", "\t", "|"):
        counts = [ln.count(cand) for ln in lines]
        score = min(counts) * 10 + (1 if len(set(counts)) == 1 else 0)
        if counts[0] and score > best_score:
            best, best_score = cand, score
    return best


def open_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    if not path.exists():
        raise ValidationFailed(FILE_NOT_FOUND, path=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path)
    if suffix not in (".csv", ".txt", ".tsv"):
        raise ValidationFailed(UNSUPPORTED_TYPE, suffix=suffix)
    with path.open("rb") as fh:
        sample = fh.read(256 * 1024)
    enc = encoding or detect_encoding(sample)
    text = sample.decode(enc, errors="ignore")
    delim = delimiter or detect_delimiter(text)
    with path.open("r", encoding=enc, newline="", errors="replace") as head:
        first = next(csv.reader(head, delimiter=delim), None)
    if first is None:
        raise ValidationFailed(FILE_EMPTY)
    headers = [h.strip() for h in first]

    source = RowSource(str(path), enc, delim)
    return Table(headers, source.rows(), enc, delim, path.stat().st_size, source)


# An XLSX is a ZIP: 99 KB of it unpacked to 305 MB in the reader's memory. Its parts are measured before it is read.
XLSX_MAX_UNPACKED = 512 * 2**20  # all parts together (a sheet of 100,000 rows x 20 columns: ~100 MB)
XLSX_MAX_SHARED = 64 * 2**20  # the shared strings, which the reader keeps in memory whole
XLSX_MAX_RATIO = 200  # a part over 1 MB packed more tightly than this is not a spreadsheet's data


def check_xlsx(path: Path) -> None:
    """Refuse an XLSX whose parts would unpack beyond the limits (a ZIP bomb), before any part is unpacked."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationFailed(NOT_XLSX, why=str(exc)) from exc
    total = sum(p.file_size for p in parts)
    tight = any(p.file_size > 2**20 and p.file_size > XLSX_MAX_RATIO * max(p.compress_size, 1) for p in parts)
    shared = sum(p.file_size for p in parts if p.filename.endswith("sharedStrings.xml"))
    if tight or total > XLSX_MAX_UNPACKED or shared > XLSX_MAX_SHARED:
        raise ValidationFailed(
            XLSX_BOMB, size=round(total / 2**20), limit=XLSX_MAX_UNPACKED // 2**20, ratio=XLSX_MAX_RATIO
        )


def _xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationFailed(NOT_XLSX, why=str(exc)) from exc
    try:
        first = next(wb.worksheets[0].iter_rows(values_only=True, max_row=1), None)
    finally:
        wb.close()
    if first is None:
        raise ValidationFailed(SHEET_EMPTY)
    headers = [str(h).strip() if h is not None else "" for h in first]

    source = RowSource(str(path), "xlsx", "")
    return Table(headers, source.rows(), "xlsx", "", path.stat().st_size, source)


def _cell(v: Any) -> Cell:
    if v is None or isinstance(v, datetime | date):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) >= 1e6:
        return str(int(v))  # phone numbers and card numbers stored as numbers
    return str(v)
