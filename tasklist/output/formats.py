"""Writers: the same Table as CSV, XLSX, JSON, Markdown or HTML.

Each escapes text for its medium: no character :mod:`tasklist.text` refuses reaches any of them raw
(text stored before that rule is shown escaped), CSV and XLSX never receive a formula from text,
Markdown and HTML never receive markup.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..text import json_safe, visible
from .tables import Table

FORMATS = ("csv", "xlsx", "json", "md", "html")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIGHT_COLOURS = {"red": "#d32f2f", "yellow": "#f9a825", "green": "#2e7d32", "红": "#d32f2f", "黄": "#f9a825", "绿": "#2e7d32"}


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is kept as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return visible(str(value))


def sheet_value(value: Any) -> Any:
    """A value as a spreadsheet cell gets it: text shown safely (no control character, which XLSX
    cannot hold) and never a formula; numbers and dates as they are."""
    return neutralise(visible(value)) if isinstance(value, str) else value


def to_csv(table: Table, *, encoding: str = "utf-8") -> bytes:
    """CSV with a BOM for UTF-8 (Excel then shows Chinese), or GB18030 for older Excel."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(_text(c.label)) for c in table.columns])
    for row in table.rows:
        writer.writerow([neutralise(_text(v)) for v in row])
    data = buf.getvalue()
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        return data.encode("utf-8-sig")
    return data.encode(encoding)


def dumps(data: Any) -> str:
    """JSON as every writer gives it: UTF-8 text, each refused character escaped (the same value)."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


def to_json(table: Table) -> bytes:
    return (dumps(table.records()) + "\n").encode("utf-8")


#: what Markdown (and the HTML it may hold) would read as markup: escaped with a backslash
_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\|[]*_`"})


def _md_cell(value: Any) -> str:
    """A table cell in Markdown: HTML escaped (<, >, &), markup characters backslash-escaped, line
    breaks as <br>."""
    text = html.escape(_text(value), quote=False).translate(_MD_SPECIAL)
    return text.replace("\r\n", "<br>").replace("\n", "<br>")


def to_markdown(tables: Sequence[Table]) -> bytes:
    out: list[str] = []
    for table in tables:
        out.append(f"## {_md_cell(table.title)}\n")
        out.append("| " + " | ".join(_md_cell(c.label) for c in table.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind == "int" else "---" for c in table.columns) + "|")
        for row in table.rows:
            out.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
        if not table.rows:
            out.append("| " + " | ".join("" for _ in table.columns) + " |")
        out.append("")
    return ("\n".join(out) + "\n").encode("utf-8")


HTML_STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 14pt; } h2 { font-size: 12pt; margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #999; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.int { text-align: right; }
.light { font-weight: bold; }
"""


def html_table(table: Table, *, heading: str = "h2") -> str:
    e = html.escape
    parts = [f"<{heading}>{e(_text(table.title))}</{heading}>", "<table>", "<thead><tr>"]
    parts += [f"<th>{e(_text(c.label))}</th>" for c in table.columns]
    parts.append("</tr></thead><tbody>")
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row):
            text = e(_text(value)).replace("\r\n", "<br>").replace("\n", "<br>")
            if column.kind == "light" and value in LIGHT_COLOURS:
                cells.append(f'<td class="light" style="color:{LIGHT_COLOURS[value]}">● {text}</td>')
            else:
                cells.append(f'<td class="{column.kind}">{text}</td>')
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


def html_document(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(visible(title))}</title><style>{HTML_STYLE}</style></head>\n"
        f"<body>\n<h1>{html.escape(visible(title))}</h1>\n{body}\n</body></html>\n"
    ).encode()


def to_html(tables: Sequence[Table], title: str) -> bytes:
    return html_document(title, "\n".join(html_table(t) for t in tables))


def _cell_width(value: Any) -> int:
    from unicodedata import east_asian_width

    text = _text(value)
    longest = max((line for line in text.splitlines() or [""]), key=len)
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in longest)


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table: bold frozen header, autofilter, real date cells, widths that fit CJK."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table, used))
        sheet.append([sheet_value(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
            cell.alignment = Alignment(vertical="center")
        for row in table.rows:
            sheet.append([sheet_value(v) for v in row])
        widths = [_cell_width(c.label) for c in table.columns]
        for r, row in enumerate(table.rows, start=2):
            for i, (column, value) in enumerate(zip(table.columns, row)):
                if column.kind == "date" and isinstance(value, date):
                    sheet.cell(row=r, column=i + 1).number_format = "yyyy-mm-dd"
                widths[i] = max(widths[i], 10 if column.kind == "date" else _cell_width(value))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(1, len(table.rows) + 1)}"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_name(table: Table, used: set[str]) -> str:
    base = visible(table.title.split(" — ")[-1]) if " — " in table.title else table.name
    for ch in '[]:*?/\\':
        base = base.replace(ch, "_")
    base = base[:28].strip("'") or "sheet"  # Excel refuses a sheet name that starts or ends with '
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    used.add(name)
    return name


def render(tables: Sequence[Table], fmt: str, *, title: str, encoding: str = "utf-8") -> bytes:
    if fmt == "csv":
        if len(tables) != 1:
            raise ValueError("CSV holds one table")
        return to_csv(tables[0], encoding=encoding)
    if fmt == "json":
        return to_json(tables[0]) if len(tables) == 1 else (
            dumps({t.title: t.records() for t in tables}) + "\n").encode("utf-8")
    if fmt == "md":
        return to_markdown(tables)
    if fmt == "html":
        return to_html(tables, title)
    if fmt == "xlsx":
        return to_xlsx(tables)
    raise ValueError(f"unknown format {fmt!r}")
