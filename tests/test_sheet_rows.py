"""Body rows written as XML text (tasklist.output.sheet_rows) come out as openpyxl writes them."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, Protection

from tasklist.output.sheet_rows import cell_xml, height_xml, row_format, rows_xml, save, text_xml, value_xml

ROWS = [
    (["T1", "  spaced  ", date(2025, 9, 15), 12, None], 33.0),
    (["a & b < c > d", "", datetime(2024, 1, 31, 12, 0), 0.5, "中文\n第二行"], 18.0),
    (["   ", "x", None, -3, "tail "], None),
]


def _book(rows: list[tuple[list[object], float | None]], first: int = 2) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.append(["id", "text", "date", "number", "note"])
    for values, height in rows:
        ws.append(values)
        if height is not None:
            ws.row_dimensions[ws.max_row].height = height
    for row in ws.iter_rows(min_row=first, max_row=max(first, ws.max_row)):
        for n, cell in enumerate(row):
            cell.font = Font(bold=n == 0)
            cell.alignment = Alignment(wrap_text=n == 4, vertical="top")
            if n == 2:
                cell.number_format = "yyyy-mm-dd"
            if n == 4:
                cell.protection = Protection(locked=False)
    return book


def _saved(book: Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_rows_written_as_text_are_the_bytes_openpyxl_writes() -> None:
    whole = _saved(_book(ROWS))
    # openpyxl writes the header and one empty styled row; the rows are then put in as text
    book = _book([([None] * 5, None)])

    def body() -> tuple[int, str, str]:
        styles = [book.active.cell(row=2, column=n).style_id for n in range(1, 6)]
        return 2, rows_xml(2, "ABCDE", styles, ROWS), "A1:E4"

    fast = save(book, {book.active: body})
    assert _sheet(fast) == _sheet(whole)
    read = load_workbook(io.BytesIO(fast)).active
    assert read.max_row == 4
    assert [c.value for c in read[2]] == ["T1", "  spaced  ", datetime(2025, 9, 15), 12, None]
    assert read["A2"].font.bold and not read["B2"].font.bold
    assert read["E3"].protection.locked is False
    assert read.row_dimensions[2].height == 33


def test_a_formula_is_never_written_as_text() -> None:
    with pytest.raises(ValueError):
        cell_xml("A1", None, "=1+1")
    assert cell_xml("A1", 3, "=") == '<c r="A1" s="3" t="inlineStr"><is><t>=</t></is></c>'


def test_a_row_in_one_format_is_the_row_rows_xml_writes() -> None:
    styled = [(values, height) for values, height in ROWS]
    row = row_format("ABCDE", [3, 4, 5, 6, 7])
    written = "".join(row % (n, height_xml(height), *[x for value in values for x in (n, value_xml(value))])
                      for n, (values, height) in enumerate(styled, start=2))
    assert written == rows_xml(2, "ABCDE", [3, 4, 5, 6, 7], styled)
    assert text_xml("=1+1") == ' t="inlineStr"><is><t>=1+1</t></is></c>' and text_xml("") == ' t="inlineStr" />'
