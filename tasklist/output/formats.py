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
from functools import partial
from typing import Any

from ..text import json_safe, visible
from .sheet_rows import text_width
from .tables import Column, Table

FORMATS = ("csv", "xlsx", "json", "md", "html")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIGHT_COLOURS = {"red": "#d32f2f", "yellow": "#f9a825", "green": "#2e7d32", "pending": "#1565c0", "红": "#d32f2f", "黄": "#f9a825",
                 "绿": "#2e7d32", "待审核": "#1565c0", "review": "#1565c0"}


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


def to_markdown(tables: Sequence[Table], *, title: str | None = None, lines: Sequence[str] = ()) -> bytes:
    """Each table under its own heading; with ``title``, a ``#`` heading and ``lines`` under it first.
    A table without rows says so (:attr:`Table.empty`) instead of standing as a bare header."""
    out: list[str] = []
    if title is not None:
        out.append(f"# {_md_cell(title)}\n")
        if lines:
            out += [_md_cell(line) + "\n" for line in lines]
    for table in tables:
        out.append(f"## {_md_cell(table.title)}\n")
        if not table.rows and table.empty is not None:
            out.append(_md_cell(table.empty) + "\n")
            continue
        out.append("| " + " | ".join(_md_cell(c.label) for c in table.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind == "int" else "---" for c in table.columns) + "|")
        for row in table.rows:
            out.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
        if not table.rows:
            out.append("| " + " | ".join("" for _ in table.columns) + " |")
        out.append("")
    return ("\n".join(out) + "\n").encode("utf-8")


#: printed on A4 landscape: dates, statuses, lights, numbers, codes, names and roles are never broken
#: across lines ("2022-/12-31", "未启/动"); titles and notes wrap. Colours print as shown.
HTML_STYLE = """
@page { size: A4 landscape; margin: 12mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       font-size: 10pt; color: #222; margin: 0 auto; max-width: 273mm; }
h1 { font-size: 15pt; margin: 0 0 4px; } h2 { font-size: 12pt; margin: 1.1em 0 0.4em; break-after: avoid; }
p.meta { margin: 0; color: #444; } p.none { margin: 0.2em 0 0.6em; color: #444; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #eee; white-space: nowrap; }
td.text { overflow-wrap: anywhere; }
td.date, td.status, td.light, td.int, td.short { white-space: nowrap; }
td.int { text-align: right; }
span.dot { display: inline-block; width: 0.75em; height: 0.75em; border-radius: 50%; margin-right: 0.3em;
           vertical-align: -0.05em; border: 1px solid #555; }
div.front { display: flex; flex-wrap: wrap; gap: 0 28px; align-items: flex-start; break-after: page; }
section.overall table { width: auto; } section.overall td.int { min-width: 4em; }
figure { margin: 0; break-inside: avoid; }
div.front figure { margin-top: 1.1em; }
div.targets { display: flex; flex-wrap: wrap; gap: 12px 24px; margin-top: 0.8em; }
div.targets figure { width: 360px; }
figcaption { font-weight: bold; font-size: 10.5pt; margin-bottom: 2px; }
svg text { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
"""


def _html_text(value: Any) -> str:
    """A value as a cell's HTML shows it: escaped, its line breaks as <br>."""
    return html.escape(_text(value)).replace("\r\n", "<br>").replace("\n", "<br>")


def _html_cell(column: Column, value: Any) -> str:
    text = _html_text(value)
    if column.kind == "light" and value in LIGHT_COLOURS:
        # a coloured dot beside the word: the word still reads on a black-and-white print
        return f'<td class="light"><span class="dot" style="background:{LIGHT_COLOURS[value]}"></span>{text}</td>'
    return _td(column.kind, text)


def _td(kind: str, text: str) -> str:
    """A plain cell of a column of ``kind`` holding ``text`` (HTML already)."""
    return f'<td class="{kind}">{text}</td>'


def html_table(table: Table, *, heading: str | None = "h2") -> str:
    """A table under its title (``heading`` None: no title); without rows, what :attr:`Table.empty` says."""
    e = html.escape
    parts = [f"<{heading}>{e(_text(table.title))}</{heading}>"] if heading else []
    if not table.rows and table.empty is not None:
        return "\n".join(parts + [f'<p class="none">{e(_text(table.empty))}</p>'])
    parts += ["<table>", "<thead><tr>"]
    parts += [f'<th class="{c.kind}">{e(_text(c.label))}</th>' for c in table.columns]
    parts.append("</tr></thead><tbody>")
    columns = table.columns
    # A row of a table without lights (a light's cell has its dot) in one format, each cell as
    # _html_cell gives it: a reminder's 60k overdue rows took a fifth less time than cell by cell.
    row_html = None if any(c.kind == "light" for c in columns) else \
        "<tr>" + "".join(_td(c.kind.replace("%", "%%"), "%s") for c in columns) + "</tr>"
    width = len(columns)
    for row in table.rows:
        if row_html is not None and len(row) == width:
            parts.append(row_html % tuple(map(_html_text, row)))
        else:
            parts.append("<tr>" + "".join(_html_cell(column, value) for column, value in zip(columns, row)) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


def html_document(title: str, body: str, *, lines: Sequence[str] = ()) -> bytes:
    """A whole page: its title once, as the window title and the heading, ``lines`` under it."""
    from ..messages import current_lang

    e = html.escape
    meta = "".join(f'<p class="meta">{e(visible(line))}</p>\n' for line in lines)
    lang = "en" if current_lang() == "en" else "zh-CN"
    return (
        f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
        f"<title>{e(visible(title))}</title><style>{HTML_STYLE}</style></head>\n"
        f"<body>\n<h1>{e(visible(title))}</h1>\n{meta}{body}\n</body></html>\n"
    ).encode()


def to_html(tables: Sequence[Table], title: str, *, lines: Sequence[str] = ()) -> bytes:
    """The tables as one page; a lone table named as the page is not titled twice."""
    lone = len(tables) == 1 and tables[0].title == title
    return html_document(title, "\n".join(html_table(t, heading=None if lone else "h2") for t in tables), lines=lines)


def figure_html(caption: str, body: str) -> str:
    """A chart under its caption (``body``: inline SVG, or a sentence's HTML)."""
    return f"<figure><figcaption>{html.escape(visible(caption))}</figcaption>\n{body}</figure>"


def _cell_width(value: Any) -> int:
    text = _text(value)
    longest = max((line for line in text.splitlines() or [""]), key=len)
    return text_width(longest)


#: a text column wider than this wraps (in characters' widths); dates, codes and names never do
_WRAP_WIDTH = 40


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table, named in the reader's language: bold frozen header, autofilter, real date
    cells, widths that fit CJK; printed on A4 landscape, fitted to the page's width, the header row
    on every page, long titles and notes wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..messages import t
    from .sheet_rows import DATE_FORMATS, rows_xml, save

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    wrap = Alignment(wrap_text=True, vertical="top")
    # The body rows are written as XML text once openpyxl has saved the rest (see sheet_rows); each
    # kind of body cell (wrapped or not, date or not) is given its style on an empty placeholder row,
    # in the order the cells first show it, so that the saved styles are numbered as before.
    seen: set[tuple[bool, str | None]] = set()
    measured: dict[str, int] = {}

    def width_of(value: Any) -> int:
        if type(value) is str:  # a text met in an earlier column or sheet is not measured again
            return measured.get(value) or measured.setdefault(value, _cell_width(value))
        return _cell_width(value)

    known: dict[tuple[bool, str | None], tuple[Any, int]] = {}  # each kind of body cell: its placeholder
    bodies = []
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table, used))
        sheet.append([sheet_value(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
            cell.alignment = Alignment(vertical="center")
        widths = [_cell_width(c.label) for c in table.columns]
        # column by column, each distinct value measured once (the same names, dates, statuses and
        # notes recur); a value's type is part of what makes it distinct (True == 1, but "True" != "1")
        for i, (column, values) in enumerate(zip(table.columns, zip(*table.rows))):
            if column.kind == "date":
                width = 10
            else:
                width = max(map(width_of, dict(zip(zip(map(type, values), values), values)).values()))
            if width > widths[i]:
                widths[i] = width
        wraps = [column.kind == "text" and width > _WRAP_WIDTH for column, width in zip(table.columns, widths)]
        formats = [{value_type: _date_format(column, value_type) for value_type in DATE_FORMATS} for column in table.columns]
        placeholders = []  # the kinds of styled cell this sheet shows first, in the order the save meets them
        for row in table.rows:
            for wrapped, dated, value in zip(wraps, formats, row):
                kind = (wrapped, dated.get(type(value)))
                if kind not in seen and kind != (False, None):
                    seen.add(kind)
                    placeholders.append(kind)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = (_WRAP_WIDTH if wraps[i - 1] else min(60, width)) + 2
        for n, (wrapped, number_format) in enumerate(placeholders, start=1):
            cell = sheet.cell(row=2, column=n)
            if number_format is not None:
                cell.number_format = number_format
            if wrapped:
                cell.alignment = wrap
        known.update({kind: (sheet, n) for n, kind in enumerate(placeholders, start=1)})
        bodies.append((sheet, wraps, formats, dict(known)))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(1, len(table.rows) + 1)}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.oddFooter.center.text = t("report.page_footer")
    def body(table: Table, wraps: list[bool], formats: list[dict[type, str]],
             known: dict[tuple[bool, str | None], tuple[Any, int]]) -> tuple[int, str, str]:
        # each kind's style index as the save numbered it (``known``: the kinds met up to this sheet)
        width = len(table.columns)
        letters = [get_column_letter(i) for i in range(1, width + 1)]
        style_of = {kind: sheet.cell(row=2, column=n).style_id for kind, (sheet, n) in known.items()}
        styles = [style_of[(True, None)] if wrapped else None for wrapped in wraps]
        date_styles = {(i, value_type): style_of[key] for i in range(width) for value_type, number_format in formats[i].items()
                       if (key := (wraps[i], number_format)) in style_of}
        return 2, rows_xml(2, letters, styles, (([sheet_value(v) for v in row], None) for row in table.rows),
                           date_styles), f"A1:{letters[-1]}{len(table.rows) + 1}"

    return save(book, {sheet: partial(body, table, wraps, formats, known)
                       for table, (sheet, wraps, formats, known) in zip(tables, bodies) if table.columns})


def _date_format(column: Column, kind: type) -> str:
    """The number format of a date cell: a day in a date column (the time of a date and time there
    not shown), else the one openpyxl gives a date or a date and time."""
    from .sheet_rows import DATE_FORMATS

    return "yyyy-mm-dd" if column.kind == "date" else DATE_FORMATS[kind]


def _sheet_name(table: Table, used: set[str]) -> str:
    base = visible(table.sheet or table.name)
    for ch in '[]:*?/\\':
        base = base.replace(ch, "_")
    base = base[:28].strip("'") or "sheet"  # Excel refuses a sheet name that starts or ends with '
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    used.add(name)
    return name


def render(tables: Sequence[Table], fmt: str, *, title: str, encoding: str = "utf-8",
           lines: Sequence[str] = ()) -> bytes:
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
        return to_html(tables, title, lines=lines)
    if fmt == "xlsx":
        return to_xlsx(tables)
    raise ValueError(f"unknown format {fmt!r}")


def render_weekly(report: Any, fmt: str, labels: Any) -> bytes:
    """The weekly report as a Markdown or HTML document: its title, the period and the time it was
    made, (HTML) the charts, then its tables."""
    from .tables import weekly_subtitle, weekly_tables, weekly_title

    title, lines, tables = weekly_title(report, labels), weekly_subtitle(report, labels), weekly_tables(report, labels)
    if fmt == "md":
        return to_markdown(tables, title=title, lines=lines)
    from .charts import weekly_figures

    # the first page: the overall figures over the trend, beside them who is late, drawn
    figures = [figure_html(caption, svg) for caption, svg in weekly_figures(report, labels)]
    left = [f'<section class="overall">{html_table(tables[0])}</section>', *figures[:-1]]
    body = [f'<div class="front"><div>{"".join(left)}</div><div>{figures[-1]}</div></div>']
    body += [html_table(t) for t in tables[1:]]
    if report.targets:  # under the targets' table, a chart of each
        from .charts import target_figures

        body.append('<div class="targets">' + "".join(figure_html(caption, svg)
                                                      for caption, svg in target_figures(report, labels)) + "</div>")
    return html_document(title, "\n".join(body), lines=lines)
