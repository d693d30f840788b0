"""Importing a filled-in feedback file: every row checked, then recorded by the one writer in one
transaction, or refused with every problem (file, sheet, row, field) and nothing recorded."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .. import rules
from ..dates import parse_date
from ..errors import BadInput, InvalidDate
from ..output.formats import sheet_value
from ..text import check as check_text, problem as text_problem
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, assignment_ids_by_code, resolve_agency
from ..storage.writes import NewUpdate, check_update, record_import
from .workbook import FILL, LOCKED, SHEET, BadCell, FeedbackError, check_container, read_csv, read_xlsx, checksum, plan_id


FILL_LABELS = [label for _, label in FILL]  # 新状态, 进度(%), 进展情况, 报送日期


@dataclass
class PlannedUpdate:
    row: int
    code: str
    status: str
    progress: int | None
    note: str | None
    reported_on: date


@dataclass
class ImportResult:
    file: str
    agency: str
    updates: list[PlannedUpdate] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    duplicate: bool = False
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "agency": self.agency, "dry_run": self.dry_run, "duplicate": self.duplicate,
                "recorded": self.recorded,
                "updates": [{"row": u.row, "id": u.code, "status": u.status, "progress": u.progress, "note": u.note,
                             "reported_on": u.reported_on.isoformat()} for u in self.updates]}


def import_feedback(
    conn: Connection,
    path: str | Path,
    *,
    as_of: date,
    reported_by: str | None = None,
    dry_run: bool = False,
    expected_agency: AgencyRef | None = None,
) -> ImportResult:
    """Validate every filled row; record them all in one transaction, or refuse with every problem."""
    path = Path(path)
    name = path.name
    check_text(name, "feedback file name")  # it is recorded as each update's source
    check_container(path)
    prov, rows = read_csv(path) if path.suffix.lower() == ".csv" else read_xlsx(path)
    where = f"{name}: sheet {SHEET}" if path.suffix.lower() != ".csv" else name
    row_word = "row" if path.suffix.lower() != ".csv" else "line"
    plan = plan_id(conn)
    if prov.plan != plan:
        raise FeedbackError(f"{name}: exported for plan {prov.plan!r}, this database holds {plan!r}")
    try:
        agency = resolve_agency(conn, prov.agency)
    except BadInput:
        raise FeedbackError(f"{name}: exported for agency {prov.agency!r}, which this database does not know") from None
    if expected_agency is not None and expected_agency.id != agency.id:
        raise FeedbackError(f"{name}: this workbook belongs to {agency.name}, not {expected_agency.name}")
    problems: list[str] = []
    listed = [(n, r) for n, r in rows if any(v not in (None, "") for v in r)]
    codes = [str(r[0]) if r[0] is not None else "" for _, r in listed]
    titles = [_exported_title(str(r[1] or ""), prov.titles[i] if i < len(prov.titles) else None)
              for i, (_, r) in enumerate(listed)]
    for index, (n, r) in enumerate(listed):
        was = prov.codes[index] if index < len(prov.codes) else None
        if was is None:
            problems.append(f"{where} {row_word} {n}: a row that was not in the export (rows must not be added)")
        elif codes[index] != was:
            problems.append(f"{where} {row_word} {n}: 编号: {codes[index]!r} was {was!r} in the export "
                            "(locked columns must not be edited)")
        elif index < len(prov.titles) and titles[index] != prov.titles[index]:
            problems.append(f"{where} {row_word} {n}: 名称: changed since the export (locked columns must not be edited)")
    if len(listed) < len(prov.codes) and not problems:
        problems.append(f"{where}: {len(prov.codes) - len(listed)} exported rows are missing (rows must not be deleted)")
    if not problems and checksum(prov.agency, prov.plan, list(zip(codes, titles))) != prov.checksum:
        problems.append(f"{where}: the locked columns were edited (the item titles no longer match the export)")
    if problems:
        raise FeedbackError(f"feedback refused: {len(problems)} problem{'s' if len(problems) > 1 else ''}", problems)

    assigned = assignment_ids_by_code(conn, agency, prov.plan)
    planned: list[PlannedUpdate] = []
    for (n, r), code in zip(listed, codes):
        new_status, progress, note, reported = filled = r[len(LOCKED):len(LOCKED) + 4]
        if all(v in (None, "") for v in filled):
            continue  # nothing filled in: skipped
        at = f"{where} {row_word} {n}"
        # what the agency typed passes the rule every entry point applies (tasklist.text) first
        refused = [f"{at}: {label}: {why}" for (_, label), value in zip(FILL, filled)
                   if isinstance(value, str) and (why := text_problem(value))]
        if refused:
            problems += refused
            continue
        before = len(problems)
        if code not in assigned:
            problems.append(f"{at}: 编号: {code} is not assigned to {agency.name}")
        for label, noun, value in zip(FILL_LABELS, ("status", "number", "text", "date"), (new_status, progress, note, reported)):
            if isinstance(value, BadCell):
                problems.append(f"{at}: {label}: {value.what}; type the {noun} itself")
        key = None
        if isinstance(new_status, BadCell):
            pass
        elif new_status in (None, ""):
            problems.append(f"{at}: 新状态: empty; choose 未启动, 推进中, 已完成 or 受阻")
        elif not isinstance(new_status, str):
            problems.append(f"{at}: 新状态: {_kind(new_status)}, not a status; choose 未启动, 推进中, 已完成 or 受阻")
        elif (key := rules.parse_status(new_status)) is None:
            problems.append(f"{at}: 新状态: unknown status {new_status!r}")
        pct = None
        if progress not in (None, "") and not isinstance(progress, BadCell):
            pct = _whole_number(progress)
            if pct is None or not 0 <= pct <= 100:
                shown = repr(progress) if isinstance(progress, (str, int, float)) and not isinstance(progress, bool) else _kind(progress)
                problems.append(f"{at}: 进度(%): must be a whole number 0 to 100, not {shown}")
                pct = None
        text = None
        if isinstance(note, BadCell) or note in (None, ""):
            pass
        elif isinstance(note, str):
            text = note.strip()
        elif isinstance(note, (int, float)) and not isinstance(note, bool):
            text = _number_text(note)  # a note of just a number is saved by Excel as one
        else:
            problems.append(f"{at}: 进展情况: {_kind(note)}, not text; format the cell as text and type the note again")
        day = as_of
        if isinstance(reported, BadCell) or reported in (None, ""):
            pass
        elif isinstance(reported, datetime):
            day = reported.date()
        elif isinstance(reported, date):
            day = reported
        elif isinstance(reported, str):
            try:
                day = parse_date(reported)
            except InvalidDate:
                problems.append(f"{at}: 报送日期: cannot read {reported!r} as a date (YYYY-MM-DD)")
        else:
            problems.append(f"{at}: 报送日期: {_kind(reported)}, not a date; type YYYY-MM-DD or format the cell as a date")
        if len(problems) == before and key is not None:
            try:  # the same checks as every other update (limits, dates), by the one writer
                check_update(key, pct, text, day, as_of)
            except BadInput as exc:
                field = "进展情况" if "note" in exc.message else "报送日期" if "date" in exc.message else "新状态"
                problems.append(f"{at}: {field}: {exc.message}")
        if len(problems) == before and key is not None:
            planned.append(PlannedUpdate(n, code, key, pct, text, day))
    if problems:
        raise FeedbackError(f"feedback refused: {len(problems)} problem{'s' if len(problems) > 1 else ''}", problems)

    result = ImportResult(name, agency.name, planned, dry_run=dry_run)
    content_key = hashlib.sha256(json.dumps(
        [agency.name, prov.plan, [[u.code, u.status, u.progress, u.note, u.reported_on.isoformat()] for u in planned]],
        ensure_ascii=False).encode()).hexdigest()
    updates = [NewUpdate(assigned[u.code], u.status, u.progress, u.note, u.reported_on) for u in planned]
    ids = record_import(conn, agency, name, updates, reported_by=reported_by, content_key=content_key,
                        dry_run=dry_run)
    if ids is None:
        result.duplicate = True
    else:
        result.recorded = ids
    return result


_DIGITS = re.compile(r"\s*(\d{1,9})\s*[%％]?\s*")  # not int(): it takes "6_0", "+60" and up to 4300 digits


def _exported_title(cell: str, exported: str | None) -> str:
    """The title as exported when the cell holds it as it was written there: a title a spreadsheet
    would run as a formula (=...) is written with a leading ', a character a spreadsheet cannot hold
    is written escaped, and a CRLF line end comes back as LF."""
    if exported is None or cell == exported:
        return cell
    written = sheet_value(exported)
    if cell in (written, written.replace("\r\n", "\n"), exported.replace("\r\n", "\n")):
        return exported
    return cell


def _whole_number(value: Any) -> int | None:
    """A cell's value as a whole number (an Excel number, or text such as "60" or "60%"); None if it is
    not one. TRUE is not 1 (an Excel true/false cell reads as a bool, which Python counts as an int)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and (m := _DIGITS.fullmatch(value)):
        return int(m[1])
    return None


def _number_text(value: int | float) -> str:
    """A number as the text typed for it: 3 for 3.0, 0.1 for 0.1."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _kind(value: Any) -> str:
    """What a cell holds, for a message about a cell of the wrong type."""
    if isinstance(value, bool):
        return f"a true/false value ({'TRUE' if value else 'FALSE'})"
    if isinstance(value, (int, float)):
        return f"a number ({_number_text(value)})"
    if isinstance(value, datetime):
        return f"a date ({value.date().isoformat() if value.time() == time() else value.isoformat(sep=' ')})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, time):
        return f"a time of day ({value.isoformat()})"
    if isinstance(value, timedelta):
        return f"a duration ({value})"
    return f"{type(value).__name__} {value!r}"
