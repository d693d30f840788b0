"""Feedback workbooks (台账): writing one per agency, and reading one back (shape and provenance).

The export lists the agency's open assignments in locked columns, with columns to fill in, under a
title row, laid out to print on A4 landscape one page wide. Every export is recorded in the database
(its rows and their state then), and the workbook carries the export's id and a signature over that
record: an HMAC with a key that lives in the database and that agencies cannot read (on PostgreSQL).
The import (:mod:`tasklist.feedback.importer`) trusts the database's record, never the file's own
claims, and checks the signature.

The workbook goes to an agency's clerk in China: its words are the catalogue's Chinese ones whatever
language the office reads. What the import says about a file is worded in the reader's language.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from .. import rules
from ..errors import BadInput
from ..messages import entry, join, t
from ..output.formats import sheet_value
from ..output.sheet_rows import height_xml, row_format, save, text_width, text_xml, value_xml
from ..reports.facts import AssignmentState, ItemState, snapshot
from ..storage.connection import Connection, now_utc
from ..storage.lookup import AgencyRef, Export, PlanInfo, current_plan, latest_updates, members, signing_key
from ..storage.writes import MAX_NOTE, record_export
from ..text import visible


class Said:
    """A message of the catalogue, worded only when shown (in the language of the one reading); a
    field of another message or a problem line of a refusal."""

    __slots__ = ("fields", "key")

    def __init__(self, key: str, /, **fields: object) -> None:
        entry(key)  # a key missing from the catalogue fails where it is used
        self.key, self.fields = key, fields

    def __str__(self) -> str:
        return t(self.key, None, **self.fields)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Said({self.key!r}, {self.fields!r})"


class Listed:
    """Several values, joined the way the reader's language joins them (、 or ,) when shown."""

    def __init__(self, values: Iterable[object]) -> None:
        self.values = list(values)

    def __str__(self) -> str:
        return join(self.values)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def counted(key: str, n: int, **fields: object) -> Said:
    """``key`` for a count of ``n``: its ``_1`` form for one ("1 update"), else the plural."""
    try:
        if n == 1:
            return Said(f"{key}_1", n=n, **fields)
    except KeyError:
        pass
    return Said(key, n=n, **fields)


def zh(key: str, **fields: object) -> str:
    """A word of the workbook itself: always Chinese."""
    return t(f"feedback.{key}", "zh", **fields)


SHEET, HELP, META = zh("sheet"), zh("sheet_help"), "_tasklist"


@dataclass(frozen=True)
class Layout:
    """Where a workbook's columns are. ``keys`` name them; ``header_row`` is the workbook row that
    holds the headers (a CSV file has them on its line 2 in every layout)."""

    version: int
    keys: tuple[str, ...]
    headers: tuple[str, ...]
    header_row: int

    @property
    def width(self) -> int:
        return len(self.keys)

    def normalized(self, values: list[Any]) -> list[Any]:
        """A row of this layout as a row of the current one (a column it lacks is None)."""
        at = dict(zip(self.keys, values))
        return [at.get(key) for key in COLUMNS]


COLUMNS = ("id", "title", "role", "due", "days_overdue", "status", "last_note",
           "new_status", "progress", "note", "reported_on")
LOCKED, FILL = COLUMNS[:7], COLUMNS[7:]
LABEL = {key: zh(f"col_{key}") for key in COLUMNS}  # a column's header, also how a problem names its field
HEADERS = [LABEL[key] for key in COLUMNS]
LAYOUT = Layout(2, COLUMNS, tuple(HEADERS), header_row=2)  # a title row, then the headers
# Workbooks exported before the title row and the 牵头/配合 column: still read, so that those sent out
# before an upgrade can come back. The headers as that layout wrote them, to match, not to show.
LAYOUT_1 = Layout(1, ("id", "title", "due", "days_overdue", "status", "last_note", "new_status", "progress", "note",
                      "reported_on"),
                  ("编号", "名称", "完成时间", "逾期天数", "当前状态", "最近进展", "新状态", "进度(%)", "进展情况", "报送日期"),
                  header_row=1)
LAYOUTS = {1: LAYOUT_1, 2: LAYOUT}
# Column widths (in characters of the default font) that print on one A4 landscape page at full size
WIDTHS = {"id": 6, "title": 34, "role": 9, "due": 11, "days_overdue": 8, "status": 8, "last_note": 24,
          "new_status": 8, "progress": 8, "note": 32, "reported_on": 11}
CENTERED = {"role", "due", "days_overdue", "status"}
LINE_POINTS = 15  # the height of one line of text at the default font size (11 pt), with its leading
HELP_WIDTH = 70  # the instructions: one column that prints on A4 portrait at full size (LibreOffice did not shrink it)
WRAPPED = {"title", "last_note", "note"}
CSV_MARK = "#tasklist-feedback "
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100


class FeedbackError(BadInput):
    """The feedback file is refused; ``problems`` lists every reason (file, sheet, row, field), each
    worded when shown."""

    def __init__(self, key: str, /, *, problems: Sequence[object] = (), hint: str | None = None, **fields: object) -> None:
        super().__init__(key, hint=hint, **fields)
        self.problems = list(problems)


@dataclass
class OpenRow:
    code: str
    title: str
    due: date | None
    days_overdue: int
    status: str
    last_note: str
    assignment_id: int = 0
    role: str = "lead"  # lead | co: the agency's role in the item
    due_text: str | None = None  # the completion time as written (持续推进 where there is no date)


@dataclass
class Provenance:
    """What a returned file says about itself: checked against the database's record of the export."""

    export_id: int
    signature: str
    agency: str = ""
    plan: str = ""
    as_of: str = ""
    codes: list[str] = field(default_factory=list)


def open_rows(conn: Connection, agency: AgencyRef, as_of: date) -> list[OpenRow]:
    """The agency's open parts, in registry order. A group has none of its own: each member
    answers for its own part, in its own workbook."""
    if members(conn, agency):
        raise BadInput("feedback.group_export", hint="feedback.group_export_hint", agency=agency.name,
                       members=Listed(m.name for m in members(conn, agency)))
    if agency.kind == "group":  # named on items as a whole, with no members: nobody answers for it
        raise BadInput("feedback.group_no_members", agency=agency.name)
    return open_rows_by_agency(conn, as_of).get(agency.id, [])


def open_rows_by_agency(conn: Connection, as_of: date, items: list[ItemState] | None = None, *,
                        parts: Iterable[AssignmentState] | None = None) -> dict[int, list[OpenRow]]:
    """Every agency's open parts, by agency id, from one snapshot of the plan (``feedback export
    --all`` reads the plan once, not once per agency); ``items``: that snapshot, when the caller
    has it already (every item, as of ``as_of``); or ``parts``: the plan's parts in registry order,
    or only those not done (:func:`~tasklist.reports.facts.open_parts`)."""
    if parts is None:
        parts = (a for item in (snapshot(conn, as_of) if items is None else items) for a in item.assignments)
    rows: dict[int, list[OpenRow]] = {}
    for a in parts:
        if a.status != rules.DONE:
            item = a.item
            # a returned claim says so, with the office's reason, where the agency reads its last report
            note = t("view.returned_note", "zh", reason=a.returned) if a.returned else a.note or ""
            rows.setdefault(a.agency_id, []).append(OpenRow(item.code, item.title, a.due, a.days_overdue, a.status,
                                                            note, a.assignment_id, a.role, item.due_text))
    return rows


def plan_id(conn: Connection) -> str:
    plan = current_plan(conn)
    return plan.id if plan else ""


def signature(key: bytes, export: Export) -> str:
    """The HMAC-SHA256 of an export's record: its id, agency, plan, date and rows (codes and titles)."""
    record = [export.id, export.agency.id, export.plan_id, export.as_of,
              [[r["code"], r["title"]] for r in export.rows]]
    return hmac.new(key, json.dumps(record, ensure_ascii=False).encode(), hashlib.sha256).hexdigest()


def _record(conn: Connection, agency: AgencyRef, as_of: date, rows: list[OpenRow],
            latest: dict[int, int] | None = None) -> Provenance:
    """Record the export in the database and sign it; the workbook carries what this returns
    (``latest``: :func:`~tasklist.storage.lookup.latest_update_ids`, when the caller read it once for many)."""
    plan = plan_id(conn)
    if latest is None:
        latest = {aid: v[0] for aid, v in latest_updates(conn, [r.assignment_id for r in rows]).items()}
    state = [{"code": r.code, "title": r.title, "assignment_id": r.assignment_id, "status": r.status,
              "last_update_id": latest.get(r.assignment_id)} for r in rows]
    export_id = record_export(conn, agency, plan, as_of, state)
    export = Export(export_id, agency, plan, as_of.isoformat(), now_utc(), state)
    return Provenance(export_id, signature(signing_key(conn), export), agency.name, plan, as_of.isoformat(),
                      [r.code for r in rows])


# --------------------------------------------------------------------------- export


def _exact(cell: Any, value: Any) -> None:
    """Put ``value`` in a hidden-sheet cell exactly as text (never read as a formula), for the import
    to read back as it was; a character XLSX cannot hold is shown escaped."""
    cell.value = visible(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"


def plan_start(plan: PlanInfo | None) -> date:
    """The first day a report can be dated: the day the plan was issued (a plan without one: 2000-01-01)."""
    return plan.issued if plan and plan.issued else date(2000, 1, 1)


def sheet_title(agency: AgencyRef, plan: PlanInfo | None, as_of: date) -> str:
    """The title row: whose sheet, under which plan, as of when."""
    named = ""
    if plan:
        named = zh("plan_named", doc_no=plan.doc_no, title=plan.title) if plan.doc_no else plan.title
    return zh("title", agency=agency.name, plan=named, as_of=as_of.isoformat())


_ROLE_LEAD, _ROLE_CO = zh("role_lead"), zh("role_co")  # the role column's two words, looked up once


def _cells(r: OpenRow) -> list[Any]:
    """One exported row's locked cells, in :data:`LOCKED` order. Registry titles and notes are text,
    never formulas (the import reads a title back either way); an item with no date (持续推进) shows
    its completion time as written."""
    return [sheet_value(r.code), sheet_value(r.title), _ROLE_LEAD if r.role == "lead" else _ROLE_CO,
            r.due if r.due else sheet_value(r.due_text) if r.due_text else None, r.days_overdue or None,
            rules.STATUS_LABELS_ZH[r.status], sheet_value(r.last_note)]


def export_xlsx(conn: Connection, agency: AgencyRef, as_of: date, rows: list[OpenRow] | None = None,
                latest: dict[int, int] | None = None) -> bytes:
    """The agency's feedback workbook (``rows``: its open parts, when already worked out; ``latest``:
    every assignment's latest update id, see :func:`_record`), recorded and signed."""
    rows = open_rows(conn, agency, as_of) if rows is None else rows
    prov = _record(conn, agency, as_of, rows, latest)
    plan = current_plan(conn)
    start = plan_start(plan)
    return _template(start, bool(rows)).workbook(sheet_title(agency, plan, as_of), _help_lines(start, agency, as_of, prov),
                                                 _meta_rows(prov), rows)


def _help_lines(start: date, agency: AgencyRef, as_of: date, prov: Provenance) -> list[str]:
    """The instructions sheet's lines: the first :data:`_HELP_SAME` are the same in every workbook
    from one plan, the rest name the agency, the date and the export."""
    lines = [zh("help_title")] + [zh(f"help_{n}", max=MAX_NOTE, start=start.isoformat()) for n in range(1, 6)]
    return lines + ["", zh("help_agency", agency=agency.name), zh("help_as_of", as_of=as_of.isoformat()),
                    zh("help_export", id=prov.export_id)]


_HELP_SAME = 7


def _meta_rows(prov: Provenance) -> list[tuple[str, Any]]:
    """The hidden sheet's (key, value) rows: what the workbook says about itself. A cell holds at most
    :data:`CELL_TEXT` characters: the list of codes goes on in as many rows as it needs, each keyed
    ``codes`` (a list of 1,000 titles, written here before, was cut there and the workbook refused as
    damaged; the import reads the titles from the database's record of the export, as it does the rows)."""
    meta_rows: list[tuple[str, Any]] = [(key, getattr(prov, key)) for key in ("export_id", "signature", "agency", "plan", "as_of")]
    codes = json.dumps(prov.codes)
    meta_rows += [("codes", codes[at:at + CELL_TEXT]) for at in range(0, len(codes), CELL_TEXT)]
    return meta_rows + [("layout", LAYOUT.version)]


_TEMPLATES: dict[tuple[date, bool], _Template] = {}


def _template(start: date, rows: bool) -> _Template:
    """The parts every workbook from a plan (its first day ``start``) has, with body rows or without."""
    found = _TEMPLATES.get((start, rows))
    if found is None:
        found = _TEMPLATES[(start, rows)] = _Template(start, rows)
    return found


class _Template:
    """A feedback workbook saved once by openpyxl, with marks where each agency's workbook differs.

    openpyxl made and saved each of the 98 workbooks of a 100k-item `remind` (styles, validations,
    print setup, the instructions, a third of the run); each now takes the template's parts and puts
    in its own title, body rows (and their count in the validations and the declared size),
    instructions naming it, hidden record and time stamps: the same file, part for part."""

    TITLE, BODY, LAST, HELP, META = "TasklistTitle", "TasklistBody", "987653", "TasklistHelp", "TasklistMeta"
    META_SIZE = "A1:B987652"  # the hidden sheet's declared size: its rows are as many as its codes need
    _STAMP = re.compile(r"(<dcterms:(?:created|modified) [^>]*>)[^<]*")

    def __init__(self, start: date, rows: bool) -> None:
        first = LAYOUT.header_row + 1
        count = int(self.LAST) - LAYOUT.header_row if rows else 0
        stand_in = Provenance(0, "", "", "", "", [])
        lines = _help_lines(start, AgencyRef(0, "", "", ""), start, stand_in)
        book, ws, help_sheet, meta = _book(start, self.TITLE, lines, _meta_rows(stand_in), count)
        found: dict[str, Any] = {}

        def body() -> tuple[int, str, str]:
            found["body"] = [ws.cell(row=first, column=n).style_id for n in range(1, len(COLUMNS) + 1)]
            return first, self.BODY, f"A1:{_LETTERS[-1]}{self.LAST}"

        def help_rows() -> tuple[int, str, str]:
            found["help"] = help_sheet["A2"].style_id
            return _HELP_SAME + 1, self.HELP, f"A1:A{len(lines)}"

        bodies = {help_sheet: help_rows, meta: lambda: (1, self.META, self.META_SIZE)}
        with zipfile.ZipFile(io.BytesIO(save(book, {ws: body, **bodies} if rows else bodies))) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
        title = text_xml(self.TITLE)
        # the ranges that end at the last body row: the declared size and each validated column
        self.ranges = {f"{letter}{first}:{letter}{self.LAST}": letter for letter in _VALIDATED} if rows else {}
        self.ranges.update({f"A1:{_LETTERS[-1]}{self.LAST}": ""} if rows else {})
        marks = re.compile("(" + "|".join(map(re.escape, (title, self.BODY, *self.ranges, self.HELP, self.META,
                                                          self.META_SIZE))) + ")")
        self.parts: list[tuple[str, bytes | list[str]]] = []
        for name, data in parts.items():
            if name.startswith("xl/worksheets/") or name == "docProps/core.xml":
                pieces = marks.split(data.decode())
                self.parts.append((name, [self.TITLE if p == title else p for p in pieces]))
            else:
                self.parts.append((name, data))
        said = [p for _, pieces in self.parts if isinstance(pieces, list) for p in pieces[1::2]]
        if sorted(said) != sorted([self.TITLE, self.HELP, self.META, self.META_SIZE, *self.ranges] + ([self.BODY] if rows else [])):
            raise AssertionError(f"a feedback workbook's template is not as expected: {said}")
        self.body_styles: list[int] = found.get("body", [])
        self.help_style: int = found["help"]
        # each item's title as its cell shows it (UTF-8, see _body_xml), and its lines: written once
        # a run, not once in each of its agencies' workbooks
        self.titles = cache(lambda text: (value_xml(sheet_value(text)).encode(), _lines(text, WIDTHS["title"])))

    def workbook(self, title: str, lines: list[str], meta_rows: list[tuple[str, Any]], rows: list[OpenRow]) -> bytes:
        """One agency's workbook: its sheet's ``title``, instructions ``lines``, hidden ``meta_rows`` and body ``rows``."""
        first = LAYOUT.header_row + 1
        help_row = row_format("A", [self.help_style])
        meta_row = row_format("AB", [None, None])
        # the instructions that name the agency, the date and the export, and the hidden record
        filled: dict[str, str | bytes] = {
            self.TITLE: value_xml(sheet_value(title)[:CELL_TEXT]),
            self.HELP: "".join(help_row % (n, height_xml(_height(_lines(line, HELP_WIDTH))), n,
                                           value_xml(sheet_value(line)[:CELL_TEXT]))
                               for n, line in enumerate(lines[_HELP_SAME:], start=_HELP_SAME + 1)),
            self.META: "".join(meta_row % (n, "", n, text_xml(key), n, _exact_xml(value))
                               for n, (key, value) in enumerate(meta_rows, start=1)),
            self.META_SIZE: f"A1:B{len(meta_rows)}",
        }
        if rows:
            filled[self.BODY] = _body_xml(rows, first, self.body_styles, self.titles)
            last = LAYOUT.header_row + len(rows)
            for mark, letter in self.ranges.items():  # a validated range as openpyxl names it: one cell by itself
                filled[mark] = f"A1:{_LETTERS[-1]}{last}" if not letter else \
                    f"{letter}{first}:{letter}{last}" if last > first else f"{letter}{first}"
        now = now_utc_stamp()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
            for name, data in self.parts:
                if isinstance(data, list):
                    pieces = [filled.get(p, p) if n % 2 else p for n, p in enumerate(data)]
                    if name == "docProps/core.xml":
                        text = "".join(p.decode() if isinstance(p, bytes) else p for p in pieces)
                        data = self._STAMP.sub(lambda m: m[1] + now, text).encode()
                    else:  # the body rows come as UTF-8 already
                        data = b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces)
                archive.writestr(name, data)
        return out.getvalue()


def now_utc_stamp() -> str:
    """Now, as a workbook's properties give the time it was made and saved."""
    import datetime as dt

    return dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _exact_xml(value: Any) -> str:
    """A hidden-sheet cell as :func:`_exact` puts it (text always as text, cut as openpyxl cuts it)."""
    return text_xml(visible(value)[:CELL_TEXT]) if isinstance(value, str) else value_xml(value)


#: the most characters openpyxl keeps of a text given to a cell (Excel's limit): it cuts the rest.
#: The cells put into a template are cut as openpyxl cut them when it made each workbook. (The hidden
#: sheet's list of titles passes it past ~1,000 rows: the import then finds the record damaged.)
CELL_TEXT = 32767


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:len(COLUMNS)]
_VALIDATED = tuple(_LETTERS[COLUMNS.index(key)] for key in ("new_status", "progress", "note", "reported_on"))


def _body_xml(rows: list[OpenRow], first: int, styles: list[int], titles: Callable[[str], tuple[bytes, int]]) -> bytes:
    """The body rows' XML, in UTF-8: each row's cells as :func:`_cells` gives them, its height fitting
    its title and last note. Each distinct note, date, count and status is written (and measured) once;
    ``titles``: each title's cell and lines, as :meth:`_Template.__init__` makes them (an item's
    title recurs in each of its agencies' workbooks). Bytes, not text: a row of text holding one
    Chinese character is made a wider string as it is formatted, and the sheet encoded afterwards
    (both together took 40 % of the rows' instructions at 100k)."""
    row = row_format(_LETTERS, styles).encode()
    empty = value_xml(None).encode()
    note_width = WIDTHS["last_note"]
    notes = cache(lambda text: (value_xml(sheet_value(text)).encode(), _lines(text, note_width)))
    heights = cache(lambda lines: height_xml(_height(lines)).encode())
    # a date, or the completion time as written where there is none (持续推进)
    due = cache(lambda when: value_xml(sheet_value(when) if isinstance(when, str) else when).encode())
    days = cache(lambda count: value_xml(count or None).encode())
    status = cache(lambda code: value_xml(rules.STATUS_LABELS_ZH[code]).encode())
    role = {"lead": value_xml(_ROLE_LEAD).encode(), "co": value_xml(_ROLE_CO).encode()}
    out: list[bytes] = []
    add = out.append
    for n, r in zip([b"%d" % n for n in range(first, first + len(rows))], rows):
        title, lines = titles(r.title)
        note, note_lines = notes(r.last_note)
        add(row % (n, heights(lines if lines > note_lines else note_lines), n, value_xml(sheet_value(r.code)).encode(), n,
                   title, n, role["lead" if r.role == "lead" else "co"], n, due(r.due or r.due_text or None), n,
                   days(r.days_overdue), n, status(r.status), n, note, n, empty, n, empty, n, empty, n, empty))
    return b"".join(out)


def _book(start: date, title: str, lines: list[str], meta_rows: list[tuple[str, Any]], count: int) -> tuple[Any, Any, Any, Any]:
    """The workbook as openpyxl makes it, with ``count`` body rows to come (only the first, empty, is
    made: it holds each column's style): (book, data sheet, instructions sheet, hidden sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils.datetime import to_excel
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.page import PageMargins

    book = Workbook()
    ws = book.active
    ws.title = SHEET
    first, last = LAYOUT.header_row + 1, LAYOUT.header_row + count
    letter = dict(zip(COLUMNS, _LETTERS))

    ws.append([sheet_value(title)])
    ws.merge_cells(f"A1:{letter[COLUMNS[-1]]}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30
    ws.append(HEADERS)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    header = ws[LAYOUT.header_row]
    header[0].font = Font(bold=True)
    header[0].fill = PatternFill("solid", fgColor="BDBDBD")
    header[0].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header[0].border = box
    for cell in header[1:]:  # the same style, not made and looked up again for each header
        cell._style = copy(header[0]._style)
    ws.row_dimensions[LAYOUT.header_row].height = 30
    grey = PatternFill("solid", fgColor="E0E0E0")
    # Each column's style is given once, to an empty first body row; every body row is then written
    # with those styles by :mod:`tasklist.output.sheet_rows` as openpyxl saves the workbook
    # (openpyxl writing each cell took most of a 100k-item `feedback export --all` or `remind`).
    if count:
        for n, key in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=first, column=n)
            cell.border = box
            cell.alignment = Alignment(wrap_text=key in WRAPPED, vertical="top",
                                       horizontal="center" if key in CENTERED else None)
            if key in LOCKED:
                cell.fill = grey
            else:
                cell.protection = Protection(locked=False)
            if key in ("due", "reported_on"):
                cell.number_format = "yyyy-mm-dd"

        def validate(key: str, dv: DataValidation) -> None:
            ws.add_data_validation(dv)
            dv.add(f"{letter[key]}{first}:{letter[key]}{last}")

        choices = "、".join(rules.STATUS_LABELS_ZH[s] for s in rules.REPORTABLE)
        validate("new_status", DataValidation(
            type="list", formula1='"' + ",".join(rules.STATUS_LABELS_ZH[s] for s in rules.REPORTABLE) + '"', allow_blank=True,
            showErrorMessage=True, errorTitle=zh("dv_status_title"), error=zh("dv_status_error", choices=choices),
            showInputMessage=True, promptTitle=zh("dv_status_title"), prompt=zh("dv_status_prompt")))
        validate("progress", DataValidation(
            type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
            showErrorMessage=True, errorTitle=zh("dv_progress_title"), error=zh("dv_progress_error"),
            showInputMessage=True, promptTitle=zh("dv_progress_title"), prompt=zh("dv_progress_prompt")))
        validate("note", DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=str(MAX_NOTE), allow_blank=True,
            showErrorMessage=True, errorTitle=zh("dv_note_title"), error=zh("dv_note_error", max=MAX_NOTE)))
        # from the day the plan was issued to the day the clerk fills it in (a report cannot be
        # dated in the future: the import refuses it too), not to the export date: the reply comes later
        validate("reported_on", DataValidation(
            type="date", operator="between", formula1=str(int(to_excel(start))), formula2="TODAY()", allow_blank=True,
            showErrorMessage=True, errorTitle=zh("dv_date_title"), error=zh("dv_date_error", start=start.isoformat()),
            showInputMessage=True, promptTitle=zh("dv_date_title"), prompt=zh("dv_date_prompt", start=start.isoformat())))
    for key, chars in WIDTHS.items():
        ws.column_dimensions[letter[key]].width = chars
    ws.freeze_panes = f"C{first}"  # the title and headers stay, and so do the ID and the name
    _print_setup(ws, landscape=True, title_rows=f"1:{LAYOUT.header_row}",
                 margins=PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3))
    ws.protection.sheet = True  # locked columns cannot be edited in Excel; the import checks them too
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    help_sheet = book.create_sheet(HELP)
    for line in lines:
        help_sheet.append([sheet_value(line)])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.column_dimensions["A"].width = HELP_WIDTH
    help_sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    for n, line in enumerate(lines[1:], start=2):
        help_sheet[f"A{n}"]._style = copy(help_sheet["A2"]._style)
        help_sheet.row_dimensions[n].height = _height(_lines(line, HELP_WIDTH))
    _print_setup(help_sheet, landscape=False, title_rows=None, margins=PageMargins())

    meta = book.create_sheet(META)
    for n, (key, value) in enumerate(meta_rows, start=1):
        _exact(meta.cell(row=n, column=1), key)
        _exact(meta.cell(row=n, column=2), value)
    meta.sheet_state = "veryHidden"
    return book, ws, help_sheet, meta


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide (a Chinese character
    is two wide). Rows are given their height when written: neither Excel nor LibreOffice grows a row
    to its wrapped text on opening a file, and a name would be cut to its first line."""
    usable = max(width - 1, 1)
    if "\n" not in text:  # most titles and notes: one paragraph
        return max(1, -(-text_width(text) // usable))
    lines = 0
    for part in text.split("\n"):
        wide = text_width(part)
        lines += max(1, -(-wide // usable))
    return lines


def _height(lines: int) -> float:
    return lines * LINE_POINTS + 3


def _print_setup(ws: Any, *, landscape: bool, title_rows: str | None, margins: Any) -> None:
    """A4, one page wide (as many pages tall as it takes), headers on every page, page numbers below."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = landscape
    ws.page_margins = margins
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = zh("page_footer")


def export_csv(conn: Connection, agency: AgencyRef, as_of: date, rows: list[OpenRow] | None = None) -> bytes:
    """The agency's feedback file as CSV (``rows`` as for :func:`export_xlsx`), recorded and signed."""
    rows = open_rows(conn, agency, as_of) if rows is None else rows
    prov = _record(conn, agency, as_of, rows)
    buf = io.StringIO(newline="")
    # One cell, no comma and no quote: a spreadsheet program opens and saves it back unchanged.
    buf.write(f"{CSV_MARK}export={prov.export_id} signature={prov.signature}\r\n")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for r in rows:
        # as in every CSV written: text shown safely and never a formula
        cells = _cells(r)
        cells[LOCKED.index("due")] = r.due.isoformat() if r.due else cells[LOCKED.index("due")] or ""
        writer.writerow([*("" if c is None else c for c in cells), "", "", "", ""])
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- import
#
# A returned file is read only as far as the export's shape allows: the header, one row per exported
# code, the exported columns. The first thing beyond that refuses the file and nothing after it is
# read, so the export's size bounds the work, not the size a file claims (an 8 KB workbook with one
# cell at XFD1048576 claims 17 billion cells: opened the ordinary way it took 85 s and 5.4 GB).

# Blank rows and columns past the exported ones that a spreadsheet program may record (formatting
# applied below or beside the table). A sheet that claims more than this is refused without reading it;
# within it, any content past the exported rows or columns is refused at its row.
SPARE_ROWS = 1000
SPARE_COLUMNS = 100
META_ROWS = 50  # the hidden sheet has 8
# Bytes of sheet XML read at most: an exported row takes 0.5 to 1.5 KB (a title and two notes at their
# longest, about 25 KB); a row of a million cells fits in a 4 MB file and would take 600 MB to parse.
SHEET_BYTES_PER_ROW = 32 * 1024
SHEET_BYTES_SPARE = 1024 * 1024
META_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class BadCell:
    """A spreadsheet cell with no usable value: a formula saved without its result (scripts save
    formulas that way; only a spreadsheet program computes them), or an error such as #N/A.
    The importer reports it with the field it is in."""

    what: Said  # "a formula with no saved value (=A1)", "an error value (#N/A)"

    def __str__(self) -> str:
        return str(self.what)


def size_within(path: Path, limit: int, what: str = "feedback.what_file") -> int:
    """The file's size in bytes, refused in one line when it cannot be read or is over ``limit``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FeedbackError("feedback.cannot_read", file=path.name, reason=_os_reason(exc)) from None
    if size > limit:
        raise FeedbackError("feedback.too_large", file=path.name, what=Said(what), size=size, limit=limit)
    return size


def _os_reason(exc: OSError) -> object:
    if isinstance(exc, FileNotFoundError):
        return Said("feedback.no_such_file")
    if isinstance(exc, PermissionError):
        return Said("feedback.not_permitted")
    return exc.strerror or type(exc).__name__


def check_container(path: Path) -> None:
    name = path.name
    size = size_within(path, MAX_FILE_BYTES)
    if path.suffix.lower() == ".csv":
        return
    if not zipfile.is_zipfile(path):
        raise FeedbackError("feedback.not_zip", file=name)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        unpacked = sum(i.file_size for i in infos)
        if len(infos) > 500 or unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(size, 1):
            raise FeedbackError("feedback.zip_bomb", file=name, unpacked=unpacked, size=size)


def _table(records: Iterable[tuple[int, list[tuple[int, Any]]]], codes: list[str], layouts: Sequence[Layout], *,
           header_at: int, where: Callable[[int], Said], column_name: Callable[[int], Said]
           ) -> tuple[Layout, list[tuple[int, list[Any]]]]:
    """The filled-in rows from ``records`` — (row number, [(column, value), ...]) in file order — checked
    against the export's shape while they are read: first the header (which says which of ``layouts``
    the file has; rows above it, the title, are passed over), then at most one row with content per
    exported code, nothing right of the exported columns. Refused at the first row past that.
    The rows come back in the current layout's columns."""
    layout: Layout | None = None
    width = max(lay.width for lay in layouts)  # until the header says which layout this is
    rows: list[tuple[int, list[Any]]] = []
    for n, cells in records:
        content = [(c, v) for c, v in cells if v is not None and v != ""]
        if not content:
            continue  # a blank (perhaps formatted) row
        beyond = next((c for c, _ in content if c > width), None)
        if layout is None and n < header_at and beyond is None:
            continue  # the title row
        if layout is None:
            header = [""] * width
            for c, v in content:
                if 1 <= c <= width:
                    header[c - 1] = "" if v is None else str(v)
            layout = next((lay for lay in layouts if n == header_at and beyond is None and header[:lay.width] == list(lay.headers)
                           and not any(header[lay.width:])), None)
            if layout is None:
                break
            width = layout.width
            continue
        if beyond is not None:
            raise FeedbackError("feedback.filled_right", where=where(n), column=column_name(beyond))
        if len(rows) == len(codes):
            raise FeedbackError("feedback.row_added", where=where(n))
        values: list[Any] = [None] * width
        for c, v in content:
            values[c - 1] = v
        rows.append((n, layout.normalized(values)))
    if layout is None:
        raise FeedbackError("feedback.columns_changed", where=where(header_at), headers=Listed(layouts[0].headers))
    return layout, rows


class _Capped:
    """A sheet's XML stream that refuses the file past ``limit`` bytes."""

    def __init__(self, raw: Any, limit: int, refusal: FeedbackError) -> None:
        self.raw, self.limit, self.refusal, self.count = raw, limit, refusal, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if 0 <= size <= self.limit else self.limit + 1)
        self.count += len(data)
        if self.count > self.limit:
            raise self.refusal
        return data


def _sheet_rows(ws: Any, max_bytes: int, refusal: FeedbackError) -> Generator[tuple[int, list[dict[str, Any]]], None, None]:
    """(row number, cells) for each row element the sheet's XML holds, in file order.

    openpyxl's own read-only ``iter_rows`` yields an empty row for every row number up to the next
    one present (a million of them before a cell at row 1048576) and stops at the declared dimension
    when there is one (silently dropping anything below a wrong one). Its parser yields only what is
    there, so this drives it directly, set up as ``ReadOnlyWorksheet._cells_by_row`` sets it up.
    Values are as with ``data_only=True`` (a formula's saved result), except that a formula saved
    without a result, or an error value, is a :class:`BadCell` instead of None or the error text.
    More than ``max_bytes`` of XML refuses the file with ``refusal``.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            if cell["data_type"] == "e":
                cell["value"] = BadCell(Said("feedback.error_value", value=cell["value"]))
            elif cell["value"] is None and (formula := element.find(FORMULA_TAG)) is not None:
                saved = element.find(VALUE_TAG)
                # An empty saved value is a formula's empty text when typed "str" (Excel, LibreOffice);
                # openpyxl and other scripts write an empty or no <v> for a number-typed formula.
                if saved is None or (not saved.text and element.get("t") != "str"):
                    text = "=" + (formula.text or "")
                    cell["value"] = BadCell(Said("feedback.formula_unsaved",
                                                 formula=text if len(text) <= 40 else text[:39] + "…"))
            return cell

    book = ws.parent
    with ws._get_source() as source:
        parser = Parser(_Capped(source, max_bytes, refusal), ws._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        yield from parser.parse()


def where_sheet(name: str) -> Said:
    return Said("feedback.where_sheet", file=name, sheet=SHEET)


def where_row(name: str, n: int) -> Said:
    """A workbook row or a CSV line, as a problem names it."""
    if name.lower().endswith(".csv"):
        return Said("feedback.where_line", file=name, n=n)
    return Said("feedback.where_row", where=where_sheet(name), n=n)


def _xlsx_records(ws: Any, exported_rows: int, name: str) -> Generator[tuple[int, list[tuple[int, Any]]], None, None]:
    """The data sheet's rows; refused at the first row element past the spare ones (blank or not)."""
    limit = exported_rows + SPARE_ROWS
    max_bytes = exported_rows * SHEET_BYTES_PER_ROW + SHEET_BYTES_SPARE
    refusal = FeedbackError("feedback.too_many_bytes", where=where_sheet(name), kb=max_bytes // 1024, rows=exported_rows)
    with closing(_sheet_rows(ws, max_bytes, refusal)) as sheet_rows:
        for count, (n, cells) in enumerate(sheet_rows, start=1):
            if n > limit or count > limit:
                raise FeedbackError("feedback.far_below", where=where_row(name, n), rows=exported_rows)
            yield n, [(c["column"], c["value"]) for c in cells]


Expected = Callable[[Provenance], list[str]]  # the codes of the export a file names, from the database


def read_xlsx(path: Path, expected: Expected) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    """The file's provenance and its rows with content (row number, values in :data:`COLUMNS` order)."""
    from openpyxl import load_workbook

    name = path.name
    with warnings.catch_warnings():  # openpyxl warns about parts it drops (extensions, odd dates): not ours to show
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds for a damaged file)
            raise FeedbackError("feedback.cannot_read_workbook", file=name, reason=f"{type(exc).__name__}: {exc}") from None
        try:
            return _read_book(book, name, expected)
        except FeedbackError:
            raise
        except Exception as exc:  # noqa: BLE001  (damaged XML inside, found while reading a sheet)
            raise FeedbackError("feedback.cannot_read_workbook", file=name, reason=f"{type(exc).__name__}: {exc}") from None
        finally:
            book.close()


def _read_book(book: Any, name: str, expected: Expected) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    from openpyxl.utils import get_column_letter

    if book.sheetnames != [SHEET, HELP, META]:
        raise FeedbackError("feedback.sheets_changed", file=name, found=Listed(book.sheetnames),
                            expected=Listed([SHEET, HELP, META]))
    meta: dict[str, Any] = {}
    damaged = FeedbackError("feedback.meta_damaged", file=name, meta=META)
    with closing(_sheet_rows(book[META], META_BYTES, damaged)) as meta_rows:
        for count, (n, cells) in enumerate(meta_rows, start=1):
            if n > META_ROWS or count > META_ROWS:
                break
            pair = {c["column"]: c["value"] for c in cells if c["column"] <= 2}
            if pair.get(1) is not None:
                key, value = str(pair[1]), pair.get(2)
                if key == "codes" and isinstance(meta.get(key), str) and isinstance(value, str):
                    meta[key] += value  # the list goes on (see _meta_rows)
                else:
                    meta[key] = value
    if "checksum" in meta and "signature" not in meta:
        raise FeedbackError("feedback.unsigned_workbook", file=name)
    try:
        prov = Provenance(int(meta["export_id"]), str(meta["signature"]), str(meta.get("agency") or ""),
                          str(meta.get("plan") or ""), str(meta.get("as_of") or ""), json.loads(meta.get("codes") or "[]"))
    except (KeyError, ValueError, TypeError):
        raise damaged from None
    if not _strings(prov.codes):  # (a list of titles, in workbooks written before, is not read)
        raise damaged
    # the layout the workbook was exported in (workbooks from before there were layouts say none)
    version = meta.get("layout") or 1
    layout = LAYOUTS.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    if layout is None:
        raise FeedbackError("feedback.unknown_layout", file=name, layout=visible(str(version))[:20])
    codes = expected(prov)

    ws = book[SHEET]
    exported_rows, width = len(codes) + layout.header_row, layout.width
    # The size the sheet declares (its <dimension> element): absent in some files and wrong in others,
    # so it only serves to refuse a huge claim at once; the rows themselves are bounded as they are read.
    claimed_rows, claimed_columns = ws.max_row or 0, ws.max_column or 0
    rows_over, columns_over = claimed_rows > exported_rows + SPARE_ROWS, claimed_columns > width + SPARE_COLUMNS
    sheet = where_sheet(name)
    if rows_over and columns_over:
        raise FeedbackError("feedback.rows_and_columns_over", where=sheet, rows=claimed_rows, columns=claimed_columns,
                            exported_rows=exported_rows, width=width)
    if rows_over:
        raise FeedbackError("feedback.rows_over", where=sheet, rows=claimed_rows, exported_rows=exported_rows)
    if columns_over:
        raise FeedbackError("feedback.columns_over", where=sheet, columns=claimed_columns, width=width)
    with closing(_xlsx_records(ws, exported_rows, name)) as records:
        _, rows = _table(records, codes, [layout], header_at=layout.header_row, where=lambda n: where_row(name, n),
                         column_name=lambda c: Said("feedback.column_letter", column=get_column_letter(c)))
    return prov, rows


def _strings(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def _decode(name: str, data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without a BOM, as tasklist writes it), else GB18030
    (what Excel on Chinese Windows saves as "CSV"; a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise FeedbackError("feedback.not_text", file=name)


_CSV_PROVENANCE = re.compile(r"export=(\d{1,18}) signature=([0-9a-f]{64})")


def read_csv(path: Path, expected: Expected) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    """As :func:`read_xlsx`, for a CSV file (its rows numbered by line)."""
    name = path.name
    text = _decode(name, path.read_bytes())
    # One csv reader over the whole text: a record ends only at a line break outside quotes (never at
    # U+2028 or \x0b inside a note, as str.splitlines would have it), and line numbers count real lines.
    reader = csv.reader(io.StringIO(text, newline=""))
    missing = FeedbackError("feedback.csv_no_mark", file=name)
    try:
        first = next(reader, None)
    except csv.Error:
        raise missing from None
    # The provenance is one cell (a spreadsheet may add empty cells after it when it saves the file).
    line = ",".join(first or []).rstrip(",")
    if not line.startswith(CSV_MARK):
        raise missing
    if line.startswith(CSV_MARK + "{"):
        raise FeedbackError("feedback.unsigned_csv", file=name)
    match = _CSV_PROVENANCE.fullmatch(line[len(CSV_MARK):].strip())
    if match is None:
        raise FeedbackError("feedback.csv_mark_damaged", file=name)
    prov = Provenance(int(match[1]), match[2])
    codes = expected(prov)
    prov.codes = codes
    limit = len(codes) + 1 + SPARE_ROWS

    def records() -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        ended = reader.line_num
        for count, record in enumerate(reader, start=1):
            start, ended = ended + 1, reader.line_num
            if count > limit:
                raise FeedbackError("feedback.far_below_lines", where=where_row(name, start), rows=len(codes) + 2)
            yield start, list(enumerate(record, start=1))

    try:
        # the header says the layout: a file exported before the 牵头/配合 column is read as it was
        _, rows = _table(records(), codes, [LAYOUT, LAYOUT_1], header_at=2, where=lambda n: where_row(name, n),
                         column_name=lambda c: Said("feedback.column_number", column=c))
    except csv.Error as exc:
        raise FeedbackError("feedback.csv_unreadable", where=where_row(name, reader.line_num), reason=str(exc)) from None
    return prov, rows
