"""The body rows of a big XLSX sheet, written as XML text instead of one openpyxl cell at a time.

openpyxl serialises each cell through an element tree: most of the time of a 100k-item feedback
export or reminder run went there. A workbook is still made by openpyxl (styles, validations,
protection, print setup, the other sheets), with the sheet's first body row holding each column's
style; :func:`with_rows` then puts every body row in its place, in the XML openpyxl itself writes for
such cells (inline strings, numbers, dates as serial numbers, styled empty cells), so the file reads
back cell for cell as openpyxl's own did.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

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
    from openpyxl.utils.datetime import to_excel

    s = "" if style is None else f' s="{style}"'
    if value is None:
        return f'<c r="{ref}"{s} t="n" />'
    if isinstance(value, str):
        if value.startswith("=") and len(value) > 1:
            raise ValueError("a formula cannot be written as text")
        if not value:
            return f'<c r="{ref}"{s} t="inlineStr" />'
        return f'<c r="{ref}"{s} t="inlineStr">{_text(value)}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s} t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, (date, datetime)):
        return f'<c r="{ref}"{s} t="n"><v>{_number(to_excel(value))}</v></c>'
    raise TypeError(f"no sheet cell for {type(value).__name__}")


def rows_xml(first: int, letters: Sequence[str], styles: Sequence[int | None],
             rows: Iterable[tuple[Sequence[Any], float | None]]) -> str:
    """Body rows from row ``first`` on: each (values by column, height in points or None)."""
    out: list[str] = []
    for n, (values, height) in enumerate(rows, start=first):
        head = f'<row r="{n}" ht="{_number(float(height))}" customHeight="1">' if height is not None else f'<row r="{n}">'
        out.append(head + "".join(cell_xml(f"{letter}{n}", style, value)
                                  for letter, style, value in zip(letters, styles, values)) + "</row>")
    return "".join(out)


def with_rows(book: bytes, sheet: int, first: int, body: str, dimension: str) -> bytes:
    """The workbook ``book`` (saved by openpyxl) with its ``sheet``-th sheet's rows from ``first`` on
    replaced by ``body``, and its declared size by ``dimension`` (such as ``A1:K40``)."""
    part = f"xl/worksheets/sheet{sheet}.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                start = data.index(f'<row r="{first}"'.encode())
                end = data.index(b"</sheetData>", start)
                data = data[:start] + body.encode() + data[end:]
                data, found = _DIMENSION.subn(f'<dimension ref="{dimension}"'.encode(), data, count=1)
                if not found:
                    raise ValueError(f"{part} declares no dimension")
            target.writestr(info, data)
    return out.getvalue()
