"""Feedback workbooks (台账): writing one per agency, and reading one back (shape and provenance).

The export lists the agency's open assignments in locked columns, with columns to fill in. Every
export is recorded in the database (its rows and their state then), and the workbook carries the
export's id and a signature over that record: an HMAC with a key that lives in the database and
that agencies cannot read (on PostgreSQL). The import (:mod:`tasklist.feedback.importer`) trusts
the database's record, never the file's own claims, and checks the signature.
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
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import rules
from ..errors import BadInput
from ..output.formats import sheet_value
from ..reports.facts import snapshot
from ..storage.connection import Connection, now_utc
from ..storage.lookup import AgencyRef, Export, current_plan, latest_updates, members, signing_key
from ..storage.writes import MAX_NOTE, record_export
from ..text import json_safe, visible

SHEET, HELP, META = "反馈表", "填写说明", "_tasklist"
LOCKED = [("id", "编号"), ("title", "名称"), ("due", "完成时间"), ("days_overdue", "逾期天数"),
          ("status", "当前状态"), ("last_note", "最近进展")]
FILL = [("new_status", "新状态"), ("progress", "进度(%)"), ("note", "进展情况"), ("reported_on", "报送日期")]
HEADERS = [label for _, label in LOCKED + FILL]
CSV_MARK = "#tasklist-feedback "
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
INSTRUCTIONS = [
    "填写说明",
    "1. 本表列出贵单位承担、截至导出日尚未完成的事项。灰色列(编号至最近进展)已锁定,请勿修改。",
    "2. 请在“新状态”列下拉选择:未启动、推进中、已完成、受阻。",
    "3. “进度(%)”填写0至100的整数;“进展情况”简要说明进展或困难(不超过" + str(MAX_NOTE) + "字);“报送日期”填写YYYY-MM-DD,不晚于报送当日。",
    "4. 未填写的行不会被导入。请勿增删工作表、调整列或修改表名。",
    "5. 填好后原文件回传协调办公室,由其导入系统。同一文件重复导入不会重复记录。",
]


class FeedbackError(BadInput):
    """The feedback file is refused; ``problems`` lists every reason (file, sheet, row, field)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class OpenRow:
    code: str
    title: str
    due: date | None
    days_overdue: int
    status: str
    last_note: str
    assignment_id: int = 0


@dataclass
class Provenance:
    """What a returned file says about itself: checked against the database's record of the export."""

    export_id: int
    signature: str
    agency: str = ""
    plan: str = ""
    as_of: str = ""
    codes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)


def open_rows(conn: Connection, agency: AgencyRef, as_of: date) -> list[OpenRow]:
    """The agency's open parts, in registry order. A group has none of its own: each member
    answers for its own part, in its own workbook."""
    if members(conn, agency):
        names = "、".join(m.name for m in members(conn, agency))
        raise BadInput(f"{agency.name} is a group: each member reports for its own part in its own workbook ({names})",
                       hint="export one per member, or all of them with --all --out-dir DIR")
    return open_rows_by_agency(conn, as_of).get(agency.id, [])


def open_rows_by_agency(conn: Connection, as_of: date) -> dict[int, list[OpenRow]]:
    """Every agency's open parts, by agency id, from one snapshot of the plan (``feedback export
    --all`` reads the plan once, not once per agency)."""
    rows: dict[int, list[OpenRow]] = {}
    for item in snapshot(conn, as_of):
        for a in item.assignments:
            if a.status != rules.DONE:
                rows.setdefault(a.agency_id, []).append(OpenRow(item.code, item.title, a.due, a.days_overdue, a.status,
                                                                a.note or "", a.assignment_id))
    return rows


def plan_id(conn: Connection) -> str:
    plan = current_plan(conn)
    return plan.id if plan else ""


def signature(key: bytes, export: Export) -> str:
    """The HMAC-SHA256 of an export's record: its id, agency, plan, date and rows (codes and titles)."""
    record = [export.id, export.agency.id, export.plan_id, export.as_of,
              [[r["code"], r["title"]] for r in export.rows]]
    return hmac.new(key, json.dumps(record, ensure_ascii=False).encode(), hashlib.sha256).hexdigest()


def _record(conn: Connection, agency: AgencyRef, as_of: date, rows: list[OpenRow]) -> Provenance:
    """Record the export in the database and sign it; the workbook carries what this returns."""
    plan = plan_id(conn)
    latest = latest_updates(conn, [r.assignment_id for r in rows])
    state = [{"code": r.code, "title": r.title, "assignment_id": r.assignment_id, "status": r.status,
              "last_update_id": latest[r.assignment_id][0] if r.assignment_id in latest else None} for r in rows]
    export_id = record_export(conn, agency, plan, as_of, state)
    export = Export(export_id, agency, plan, as_of.isoformat(), now_utc(), state)
    return Provenance(export_id, signature(signing_key(conn), export), agency.name, plan, as_of.isoformat(),
                      [r.code for r in rows], [r.title for r in rows])


# --------------------------------------------------------------------------- export


def _exact(cell: Any, value: Any) -> None:
    """Put ``value`` in a hidden-sheet cell exactly as text (never read as a formula), for the import
    to read back as it was; a character XLSX cannot hold is shown escaped."""
    cell.value = visible(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"


def export_xlsx(conn: Connection, agency: AgencyRef, as_of: date, rows: list[OpenRow] | None = None) -> bytes:
    """The agency's feedback workbook (``rows``: its open parts, when already worked out), recorded and signed."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = open_rows(conn, agency, as_of) if rows is None else rows
    prov = _record(conn, agency, as_of, rows)
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws.append(HEADERS)
    grey = PatternFill("solid", fgColor="E0E0E0")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="BDBDBD")
    for r in rows:
        # registry titles and notes are text, never formulas (the import reads a title back either way)
        ws.append([sheet_value(r.code), sheet_value(r.title), r.due, r.days_overdue or None,
                   rules.STATUS_LABELS_ZH[r.status], sheet_value(r.last_note), None, None, None, None])
    fill_from = len(LOCKED) + 1
    for row in ws.iter_rows(min_row=2, max_row=len(rows) + 1):
        for cell in row[: len(LOCKED)]:
            cell.fill = grey
            cell.alignment = Alignment(wrap_text=cell.column in (2, 6), vertical="top")
        row[2].number_format = "yyyy-mm-dd"
        for cell in row[len(LOCKED):]:
            cell.protection = Protection(locked=False)
        row[len(LOCKED) + 3].number_format = "yyyy-mm-dd"
    if rows:
        choice = DataValidation(type="list", formula1='"' + ",".join(rules.STATUS_LABELS_ZH.values()) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="状态", error="请从下拉列表中选择")
        ws.add_data_validation(choice)
        choice.add(f"{get_column_letter(fill_from)}2:{get_column_letter(fill_from)}{len(rows) + 1}")
        pct = DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
                             showErrorMessage=True, error="进度为0至100的整数")
        ws.add_data_validation(pct)
        pct.add(f"{get_column_letter(fill_from + 1)}2:{get_column_letter(fill_from + 1)}{len(rows) + 1}")
    for index, width in enumerate((8, 40, 12, 10, 10, 30, 10, 9, 40, 12), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "C2"
    ws.protection.sheet = True  # locked columns cannot be edited in Excel; the import checks them too
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    help_sheet = book.create_sheet(HELP)
    for line in INSTRUCTIONS + ["", f"单位:{agency.name}", f"截至:{as_of.isoformat()}", f"导出编号:{prov.export_id}"]:
        help_sheet.append([sheet_value(line)])
    help_sheet.column_dimensions["A"].width = 110
    meta = book.create_sheet(META)
    meta_rows = [(key, getattr(prov, key)) for key in ("export_id", "signature", "agency", "plan", "as_of")]
    meta_rows += [("codes", json.dumps(prov.codes)), ("titles", json_safe(json.dumps(prov.titles, ensure_ascii=False)))]
    for n, (key, value) in enumerate(meta_rows, start=1):
        _exact(meta.cell(row=n, column=1), key)
        _exact(meta.cell(row=n, column=2), value)
    meta.sheet_state = "veryHidden"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


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
        # as in every CSV written: text shown safely and never a formula (the import reads a title back either way)
        writer.writerow([sheet_value(r.code), sheet_value(r.title), r.due.isoformat() if r.due else "", r.days_overdue or "",
                         rules.STATUS_LABELS_ZH[r.status], sheet_value(r.last_note), "", "", "", ""])
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
META_ROWS = 50  # the hidden sheet has 7
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

    what: str  # "a formula with no saved value (=A1)", "an error value (#N/A)"

    def __str__(self) -> str:
        return self.what


def size_within(path: Path, limit: int, what: str = "file") -> int:
    """The file's size in bytes, refused in one line when it cannot be read or is over ``limit``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FeedbackError(f"{path.name}: cannot read: {exc.strerror}") from None
    if size > limit:
        raise FeedbackError(f"{path.name}: {what} is too large ({size} bytes, at most {limit})")
    return size


def check_container(path: Path) -> None:
    name = path.name
    size = size_within(path, MAX_FILE_BYTES)
    if path.suffix.lower() == ".csv":
        return
    if not zipfile.is_zipfile(path):
        raise FeedbackError(f"{name}: not an .xlsx workbook (it is not a zip file)")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        unpacked = sum(i.file_size for i in infos)
        if len(infos) > 500 or unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(size, 1):
            raise FeedbackError(f"{name}: refused: it unpacks to {unpacked} bytes from {size} (a zip bomb?)")


def _table(records: Iterable[tuple[int, list[tuple[int, Any]]]], codes: list[str], *, where: str, row_word: str,
           header_at: int, header_where: str, column_name: Callable[[int], str]) -> list[tuple[int, list[Any]]]:
    """The filled-in rows from ``records`` — (row number, [(column, value), ...]) in file order — checked
    against the export's shape while they are read: first the header, then at most one row with content
    per exported code, nothing right of the exported columns. Refused at the first row past that."""
    width = len(HEADERS)
    rows: list[tuple[int, list[Any]]] = []
    header = False
    for n, cells in records:
        content = [(c, v) for c, v in cells if v is not None and v != ""]
        if not content:
            continue  # a blank (perhaps formatted) row
        values: list[Any] = [None] * width
        for c, v in content:
            if 1 <= c <= width:
                values[c - 1] = v
        beyond = next((c for c, _ in content if c > width), None)
        if not header:
            if n != header_at or beyond is not None or [str(v) if v is not None else "" for v in values] != HEADERS:
                raise FeedbackError(f"{header_where}: columns are not those exported (expected {', '.join(HEADERS)})")
            header = True
            continue
        if beyond is not None:
            raise FeedbackError(f"{where} {row_word} {n}: column {column_name(beyond)}: filled in right of the exported "
                                f"columns (columns must not be added)")
        if len(rows) == len(codes):
            raise FeedbackError(f"{where} {row_word} {n}: a row that was not in the export (rows must not be added)")
        rows.append((n, values))
    if not header:
        raise FeedbackError(f"{header_where}: columns are not those exported (expected {', '.join(HEADERS)})")
    return rows


class _Capped:
    """A sheet's XML stream that refuses the file past ``limit`` bytes."""

    def __init__(self, raw: Any, limit: int, refusal: str) -> None:
        self.raw, self.limit, self.refusal, self.count = raw, limit, refusal, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if 0 <= size <= self.limit else self.limit + 1)
        self.count += len(data)
        if self.count > self.limit:
            raise FeedbackError(self.refusal)
        return data


def _sheet_rows(ws: Any, max_bytes: int, refusal: str) -> Generator[tuple[int, list[dict[str, Any]]], None, None]:
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
                cell["value"] = BadCell(f"an error value ({cell['value']})")
            elif cell["value"] is None and (formula := element.find(FORMULA_TAG)) is not None:
                saved = element.find(VALUE_TAG)
                # An empty saved value is a formula's empty text when typed "str" (Excel, LibreOffice);
                # openpyxl and other scripts write an empty or no <v> for a number-typed formula.
                if saved is None or (not saved.text and element.get("t") != "str"):
                    text = "=" + (formula.text or "")
                    cell["value"] = BadCell(f"a formula with no saved value ({text if len(text) <= 40 else text[:39] + '…'})")
            return cell

    book = ws.parent
    with ws._get_source() as source:
        parser = Parser(_Capped(source, max_bytes, refusal), ws._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        yield from parser.parse()


def _xlsx_records(ws: Any, exported_rows: int, where: str) -> Generator[tuple[int, list[tuple[int, Any]]], None, None]:
    """The data sheet's rows; refused at the first row element past the spare ones (blank or not)."""
    limit = exported_rows + SPARE_ROWS
    max_bytes = exported_rows * SHEET_BYTES_PER_ROW + SHEET_BYTES_SPARE
    refusal = (f"{where}: more than {max_bytes // 1024} KB of cells, far more than the {exported_rows} exported rows "
               "hold (rows and columns must not be added)")
    with closing(_sheet_rows(ws, max_bytes, refusal)) as sheet_rows:
        for count, (n, cells) in enumerate(sheet_rows, start=1):
            if n > limit or count > limit:
                raise FeedbackError(f"{where} row {n}: far below the {exported_rows} exported rows (rows must not be added)")
            yield n, [(c["column"], c["value"]) for c in cells]


Expected = Callable[[Provenance], list[str]]  # the codes of the export a file names, from the database


def read_xlsx(path: Path, expected: Expected) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    name = path.name
    with warnings.catch_warnings():  # openpyxl warns about parts it drops (extensions, odd dates): not ours to show
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds for a damaged file)
            raise FeedbackError(f"{name}: cannot read the workbook: {type(exc).__name__}: {exc}") from None
        try:
            return _read_book(book, name, expected)
        except FeedbackError:
            raise
        except Exception as exc:  # noqa: BLE001  (damaged XML inside, found while reading a sheet)
            raise FeedbackError(f"{name}: cannot read the workbook: {type(exc).__name__}: {exc}") from None
        finally:
            book.close()


def _read_book(book: Any, name: str, expected: Expected) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    from openpyxl.utils import get_column_letter

    if book.sheetnames != [SHEET, HELP, META]:
        raise FeedbackError(f"{name}: sheets are {book.sheetnames}, expected {[SHEET, HELP, META]} "
                            "(sheets must not be added, removed or renamed)")
    meta: dict[str, Any] = {}
    damaged = f"{name}: the hidden sheet {META} is damaged: this is not a workbook exported by tasklist"
    with closing(_sheet_rows(book[META], META_BYTES, damaged)) as meta_rows:
        for count, (n, cells) in enumerate(meta_rows, start=1):
            if n > META_ROWS or count > META_ROWS:
                break
            pair = {c["column"]: c["value"] for c in cells if c["column"] <= 2}
            if pair.get(1) is not None:
                meta[str(pair[1])] = pair.get(2)
    if "checksum" in meta and "signature" not in meta:
        raise FeedbackError(f"{name}: made by an earlier tasklist, without a signature; export a new workbook for the agency")
    try:
        prov = Provenance(int(meta["export_id"]), str(meta["signature"]), str(meta.get("agency") or ""),
                          str(meta.get("plan") or ""), str(meta.get("as_of") or ""), json.loads(meta.get("codes") or "[]"),
                          json.loads(meta.get("titles") or "[]"))
    except (KeyError, ValueError, TypeError):
        raise FeedbackError(damaged) from None
    if not _strings(prov.codes) or not _strings(prov.titles):
        raise FeedbackError(damaged)
    codes = expected(prov)

    where = f"{name}: sheet {SHEET}"
    ws = book[SHEET]
    exported_rows, width = len(codes) + 1, len(HEADERS)
    # The size the sheet declares (its <dimension> element): absent in some files and wrong in others,
    # so it only serves to refuse a huge claim at once; the rows themselves are bounded as they are read.
    claimed_rows, claimed_columns = ws.max_row or 0, ws.max_column or 0
    rows_over, columns_over = claimed_rows > exported_rows + SPARE_ROWS, claimed_columns > width + SPARE_COLUMNS
    if rows_over and columns_over:
        raise FeedbackError(f"{where}: {claimed_rows} rows and {claimed_columns} columns, the export had {exported_rows} "
                            f"rows and {width} columns (rows and columns must not be added)")
    if rows_over:
        raise FeedbackError(f"{where}: {claimed_rows} rows, the export had {exported_rows} (rows must not be added)")
    if columns_over:
        raise FeedbackError(f"{where}: {claimed_columns} columns, the export had {width} (columns must not be added)")
    with closing(_xlsx_records(ws, exported_rows, where)) as records:
        rows = _table(records, codes, where=where, row_word="row", header_at=1, header_where=f"{where} row 1",
                      column_name=get_column_letter)
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
    raise FeedbackError(f"{name}: cannot read the text: it is neither UTF-8 nor GB18030 (save it as CSV UTF-8)")


_CSV_PROVENANCE = re.compile(r"export=(\d{1,18}) signature=([0-9a-f]{64})")


def read_csv(path: Path, expected: Expected) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    name = path.name
    text = _decode(name, path.read_bytes())
    # One csv reader over the whole text: a record ends only at a line break outside quotes (never at
    # U+2028 or \x0b inside a note, as str.splitlines would have it), and line numbers count real lines.
    reader = csv.reader(io.StringIO(text, newline=""))
    missing = f"{name}: line 1: not a feedback file exported by tasklist (its first line is missing)"
    try:
        first = next(reader, None)
    except csv.Error:
        raise FeedbackError(missing) from None
    # The provenance is one cell (a spreadsheet may add empty cells after it when it saves the file).
    line = ",".join(first or []).rstrip(",")
    if not line.startswith(CSV_MARK):
        raise FeedbackError(missing)
    if line.startswith(CSV_MARK + "{"):
        raise FeedbackError(f"{name}: made by an earlier tasklist, without a signature; export a new file for the agency")
    match = _CSV_PROVENANCE.fullmatch(line[len(CSV_MARK):].strip())
    if match is None:
        raise FeedbackError(f"{name}: line 1: the provenance line is damaged")
    prov = Provenance(int(match[1]), match[2])
    codes = expected(prov)
    prov.codes = codes
    limit = len(codes) + 1 + SPARE_ROWS

    def records() -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        ended = reader.line_num
        for count, record in enumerate(reader, start=1):
            start, ended = ended + 1, reader.line_num
            if count > limit:
                raise FeedbackError(f"{name} line {start}: far below the {len(codes) + 2} exported lines (rows must not be added)")
            yield start, list(enumerate(record, start=1))

    try:
        rows = _table(records(), codes, where=name, row_word="line", header_at=2,
                      header_where=f"{name}: line 2", column_name=str)
    except csv.Error as exc:
        raise FeedbackError(f"{name} line {reader.line_num}: cannot read it as CSV ({exc})") from None
    return prov, rows
