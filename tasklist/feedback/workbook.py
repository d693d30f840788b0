"""Feedback workbooks (台账): writing one per agency, and reading one back (shape and provenance).

The export lists the agency's open assignments in locked columns, with columns to fill in; a
hidden sheet records the agency, plan, export time and a checksum of the listed rows, which the
import (:mod:`tasklist.feedback.importer`) verifies.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .. import rules
from ..errors import BadInput
from ..output.formats import sheet_value
from ..reports.facts import snapshot
from ..storage.connection import Connection, now_utc
from ..storage.lookup import AgencyRef, current_plan, members
from ..storage.writes import MAX_NOTE
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


@dataclass
class Provenance:
    agency: str
    plan: str
    exported_at: str
    as_of: str
    checksum: str
    codes: list[str]
    titles: list[str] = field(default_factory=list)


def open_rows(conn: Connection, agency: AgencyRef, as_of: date) -> list[OpenRow]:
    """The agency's open parts, in registry order. A group has none of its own: each member
    answers for its own part, in its own workbook."""
    if members(conn, agency):
        names = "、".join(m.name for m in members(conn, agency))
        raise BadInput(f"{agency.name} is a group: each member reports for its own part in its own workbook ({names})",
                       hint="export one per member, or all of them with --all --out-dir DIR")
    rows = []
    for item in snapshot(conn, as_of):
        for a in item.assignments:
            if a.belongs_to(agency) and a.status != rules.DONE:
                rows.append(OpenRow(item.code, item.title, a.due, a.days_overdue, a.status, a.note or ""))
    return rows


def checksum(agency: str, plan: str, pairs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{agency}\n{plan}\n".encode())
    for code, title in pairs:
        digest.update(f"{code}\t{title}\n".encode())
    return digest.hexdigest()


def plan_id(conn: Connection) -> str:
    plan = current_plan(conn)
    return plan.id if plan else ""


def provenance(conn: Connection, agency: AgencyRef, as_of: date, rows: list[OpenRow]) -> Provenance:
    plan = plan_id(conn)
    return Provenance(agency.name, plan, now_utc(), as_of.isoformat(),
                      checksum(agency.name, plan, [(r.code, r.title) for r in rows]), [r.code for r in rows],
                      [r.title for r in rows])


# --------------------------------------------------------------------------- export


def _exact(cell: Any, value: Any) -> None:
    """Put ``value`` in a hidden-sheet cell exactly as text (never read as a formula), for the import
    to read back as it was; a character XLSX cannot hold is shown escaped."""
    cell.value = visible(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"


def export_xlsx(conn: Connection, agency: AgencyRef, as_of: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = open_rows(conn, agency, as_of)
    prov = provenance(conn, agency, as_of, rows)
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
    for line in INSTRUCTIONS + ["", f"单位:{agency.name}", f"截至:{as_of.isoformat()}", f"导出时间:{prov.exported_at}"]:
        help_sheet.append([sheet_value(line)])
    help_sheet.column_dimensions["A"].width = 110
    meta = book.create_sheet(META)
    meta_rows = [(key, getattr(prov, key)) for key in ("agency", "plan", "exported_at", "as_of", "checksum")]
    meta_rows += [("codes", json.dumps(prov.codes)), ("titles", json_safe(json.dumps(prov.titles, ensure_ascii=False)))]
    for n, (key, value) in enumerate(meta_rows, start=1):
        _exact(meta.cell(row=n, column=1), key)
        _exact(meta.cell(row=n, column=2), value)
    meta.sheet_state = "veryHidden"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def export_csv(conn: Connection, agency: AgencyRef, as_of: date) -> bytes:
    rows = open_rows(conn, agency, as_of)
    prov = provenance(conn, agency, as_of, rows)
    buf = io.StringIO(newline="")
    buf.write(CSV_MARK + json_safe(json.dumps(prov.__dict__, ensure_ascii=False)) + "\r\n")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for r in rows:
        # as in every CSV written: text shown safely and never a formula (the import reads a title back either way)
        writer.writerow([sheet_value(r.code), sheet_value(r.title), r.due.isoformat() if r.due else "", r.days_overdue or "",
                         rules.STATUS_LABELS_ZH[r.status], sheet_value(r.last_note), "", "", "", ""])
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- import


def check_container(path: Path) -> None:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FeedbackError(f"{name}: cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise FeedbackError(f"{name}: file is too large ({size} bytes, at most {MAX_FILE_BYTES})")
    if path.suffix.lower() == ".csv":
        return
    if not zipfile.is_zipfile(path):
        raise FeedbackError(f"{name}: not an .xlsx workbook (it is not a zip file)")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        unpacked = sum(i.file_size for i in infos)
        if len(infos) > 500 or unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(size, 1):
            raise FeedbackError(f"{name}: refused: it unpacks to {unpacked} bytes from {size} (a zip bomb?)")


def read_xlsx(path: Path) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    name = path.name
    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FeedbackError(f"{name}: cannot read the workbook: {type(exc).__name__}: {exc}") from None
    if book.sheetnames != [SHEET, HELP, META]:
        raise FeedbackError(f"{name}: sheets are {book.sheetnames}, expected {[SHEET, HELP, META]} "
                            "(sheets must not be added, removed or renamed)")
    meta = {str(r[0]): r[1] for r in book[META].iter_rows(values_only=True) if r and r[0] is not None}
    try:
        prov = Provenance(str(meta["agency"]), str(meta["plan"]), str(meta["exported_at"]), str(meta["as_of"]),
                          str(meta["checksum"]), json.loads(meta["codes"]), json.loads(meta.get("titles") or "[]"))
    except (KeyError, ValueError, TypeError):
        raise FeedbackError(f"{name}: the hidden sheet {META} is damaged: this is not a workbook exported by tasklist") from None
    rows = list(book[SHEET].iter_rows(values_only=True))
    header = [c for c in rows[0]] if rows else []
    if [str(h) if h is not None else "" for h in header[: len(HEADERS)]] != HEADERS or any(h is not None for h in header[len(HEADERS):]):
        raise FeedbackError(f"{name}: sheet {SHEET} row 1: columns are not those exported (expected {', '.join(HEADERS)})")
    return prov, [(n, list(r[: len(HEADERS)])) for n, r in enumerate(rows[1:], start=2)]


def read_csv(path: Path) -> tuple[Provenance, list[tuple[int, list[Any]]]]:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedbackError(f"{name}: not UTF-8 text") from None
    lines = text.splitlines()
    if not lines or not lines[0].startswith(CSV_MARK):
        raise FeedbackError(f"{name}: line 1: not a feedback file exported by tasklist (its first line is missing)")
    try:
        meta = json.loads(lines[0][len(CSV_MARK):])
        prov = Provenance(**{k: meta[k] for k in ("agency", "plan", "exported_at", "as_of", "checksum", "codes", "titles")})
    except (ValueError, KeyError, TypeError):
        raise FeedbackError(f"{name}: line 1: the provenance line is damaged") from None
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    if not rows or rows[0] != HEADERS:
        raise FeedbackError(f"{name}: line 2: columns are not those exported (expected {', '.join(HEADERS)})")
    return prov, [(n, [c if c != "" else None for c in r]) for n, r in enumerate(rows[1:], start=3)]
