"""The body rows of a big XLSX sheet, written as XML text instead of one openpyxl cell at a time.

openpyxl serialises each cell through an element tree: most of the time of a 100k-item feedback
export or reminder run, or of a 100k-item report export, went there. A workbook is still made by
openpyxl (styles, validations, protection, print setup, the other sheets), with an empty placeholder
body row holding each kind of styled cell; :func:`save` then puts every body row in its place as the
sheet is saved, in the XML openpyxl itself writes for such cells (inline strings, numbers, dates as
serial numbers, styled empty cells), so the file reads back cell for cell as openpyxl's own did.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from unicodedata import east_asian_width

_DIMENSION = re.compile(rb'<dimension ref="[^"]*"')


def _text(value: str) -> str:
    # what the element tree escapes in text, and when openpyxl marks its spaces as meaningful
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stripped = value.strip()
    if stripped and stripped != value:
        return f'<is><t xml:space="preserve">{escaped}</t></is>'
    return f"<is><t>{escaped}</t></is>"


def _number(value: float) -> str:
    return f"{value:.16g}"  # as openpyxl writes a number


def cell_xml(ref: str, style: int | None, value: Any) -> str:
    """One cell as openpyxl writes it (``style``: its index in the workbook's cell styles, None for
    an unstyled cell). Text must already be safe for a sheet (no control character, no formula)."""
    return f'<c r="{ref}"' + ("" if style is None else f' s="{style}"') + _rest(value)


def _rest(value: Any) -> str:
    """A cell's type and value, from after its reference and style to its end."""
    kind = type(value)
    if value is None:
        return ' t="n" />'
    if kind is str:
        if not value:
            return ' t="inlineStr" />'
        if value[0] == "=" and len(value) > 1:
            raise ValueError("a formula cannot be written as text")
        return f' t="inlineStr">{_text(value)}</c>'
    if kind is int or kind is float:
        return f' t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, str):  # a subclass of str, as openpyxl takes it
        return _rest(str(value))
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f' t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, (date, datetime)):
        return f' t="n"><v>{_serial(value)}</v></c>'
    raise TypeError(f"no sheet cell for {type(value).__name__}")


_SERIALS: dict[date, str] = {}


def _serial(day: date) -> str:
    """A date's serial number as openpyxl writes it (the same days recur: each converted once)."""
    found = _SERIALS.get(day)
    if found is None:
        from openpyxl.utils.datetime import to_excel

        found = _SERIALS[day] = _number(to_excel(day))
    return found


def rows_xml(first: int, letters: Sequence[str], styles: Sequence[int | None],
             rows: Iterable[tuple[Sequence[Any], float | None]],
             dated: Mapping[tuple[int, type], int | None] | None = None) -> str:
    """Body rows from row ``first`` on: each (values by column, height in points or None). A cell
    takes its column's style, or for a date its ``dated`` style by (column index, type) where there
    is one; an empty cell with no style is left out, as openpyxl leaves it out."""
    starts = [f'<c r="{letter}' for letter in letters]
    styled = [_style(style) for style in styles]
    dated_styled = {key: _style(style) for key, style in (dated or {}).items()}
    out: list[str] = []
    add = out.append
    for n, (values, height) in enumerate(rows, start=first):
        add(f'<row r="{n}">' if height is None else f'<row r="{n}" ht="{_number(float(height))}" customHeight="1">')
        row = str(n)
        for i, (start, style, value) in enumerate(zip(starts, styled, values)):
            if dated_styled and type(value) in _DATES:
                style = dated_styled.get((i, type(value)), style)
            if value is None and style == '"':
                continue
            add(start + row + style + _rest(value))
        add("</row>")
    return "".join(out)


def row_format(letters: Sequence[str], styles: Sequence[int | None]) -> str:
    """The XML of a body row where no cell is left out, as a ``%`` format: its arguments are the row
    number, its height (:func:`height_xml`), then for each cell in column order the row number again
    and the cell's type and value (:func:`value_xml` or :func:`text_xml`). One format a row took half
    the time of writing each cell on its own (at 100k items, 150k rows of 11 cells)."""
    return '<row r="%s"%s>' + "".join(f'<c r="{letter}%s"{_style(style)[1:]}%s' for letter, style in zip(letters, styles)) \
        + "</row>"


def height_xml(height: float | None) -> str:
    """A row's height as its element carries it (None: the default height)."""
    return "" if height is None else f' ht="{_number(float(height))}" customHeight="1"'


def text_xml(value: str) -> str:
    """Text's cell type and value, from after the cell's reference and style to its end: written as
    text whatever it starts with (as openpyxl writes a cell whose type is set to text)."""
    return f' t="inlineStr">{_text(value)}</c>' if value else ' t="inlineStr" />'


def value_xml(value: Any) -> str:
    """A value's cell type and value, from after the cell's reference and style to its end (text that
    would be a formula is refused)."""
    return _rest(value)


_DATES = (date, datetime)
#: the number format openpyxl gives a cell when it is given a date or a date and time
DATE_FORMATS: dict[type, str] = {date: "yyyy-mm-dd", datetime: "yyyy-mm-dd h:mm:ss"}


def _style(style: int | None) -> str:
    return '"' + ("" if style is None else f' s="{style}"')


def save(book: Any, bodies: Mapping[Any, Callable[[], tuple[int, str, str]]] | None = None) -> bytes:
    """The openpyxl workbook ``book`` saved, with the body rows of each worksheet in ``bodies`` put in.

    ``bodies`` maps a worksheet to a function giving (first, body, dimension): its rows from row
    ``first`` on (if any) are replaced by ``body`` and its declared size by ``dimension`` (such as
    ``A1:K40``). The function is called once that sheet's own cells are written, when the styles they
    use are numbered. openpyxl's own save writes each sheet to a temporary file and copies it into
    the archive; this writes it in memory with the same writer (a private API: openpyxl is pinned)."""
    import datetime as dt
    import zipfile

    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    spliced = {id(ws): body for ws, body in (bodies or {}).items()}

    class InMemory(ExcelWriter):
        def write_worksheet(self, ws: Any) -> None:  # ExcelWriter.write_worksheet, without the file
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            data = writer.out.getvalue()
            if id(ws) in spliced:
                data = _splice(data, *spliced[id(ws)]())
            self._archive.writestr(ws.path[1:], data)
            self.manifest.append(ws)

    out = io.BytesIO()
    # deflate at its fastest level: a third of the time of the default level (6) on the 98 workbooks
    # of the 100k benchmark, for files 20 to 45 % larger (that are still a tenth to a fifth of their XML)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
        book.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        InMemory(book, archive).write_data()
    return out.getvalue()


def _splice(data: bytes, first: int, body: str, dimension: str) -> bytes:
    end = data.index(b"</sheetData>")
    start = data.find(f'<row r="{first}"'.encode(), 0, end)
    data = data[:end if start < 0 else start] + body.encode() + data[end:]
    data, found = _DIMENSION.subn(f'<dimension ref="{dimension}"'.encode(), data, count=1)
    if not found:
        raise ValueError("a sheet that declares no dimension")
    return data


_WIDTHS: dict[str, int] = {}


def text_width(text: str) -> int:
    """How many columns ``text`` takes on one line (a Chinese character is two wide); each
    character's width is looked up once per process (a 100k-item export measures millions)."""
    widths = _WIDTHS
    try:
        return sum(map(widths.__getitem__, text))
    except KeyError:  # a character not met before
        for ch in set(text).difference(widths):
            widths[ch] = 2 if east_asian_width(ch) in "WF" else 1
        return sum(map(widths.__getitem__, text))
