"""Importing a filled-in feedback file: every row checked, then recorded by the one writer in one
transaction, or refused with every problem (file, sheet, row, field) and nothing recorded."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .. import rules
from ..dates import parse_date
from ..errors import BadInput, InvalidDate
from ..output.formats import sheet_value
from ..storage.connection import Connection
from ..storage.lookup import (
    ALL_PLANS,
    AgencyRef,
    Export,
    assignment_ids_by_code,
    feedback_export,
    latest_updates,
    rows_imported,
    signing_key,
    update_brief,
    use_plan,
)
from ..storage.writes import NewUpdate, check_name, check_update, plan_reviews, record_feedback
from ..text import check as check_text
from ..text import problem as text_problem
from .workbook import (
    FILL,
    LABEL,
    BadCell,
    FeedbackError,
    Listed,
    Provenance,
    Said,
    check_container,
    counted,
    plan_start,
    read_csv,
    read_xlsx,
    signature,
    where_row,
    where_sheet,
)


@dataclass
class PlannedUpdate:
    row: int
    code: str
    status: str
    progress: int | None
    note: str | None
    reported_on: date


@dataclass
class Conflict:
    """A row held back: its part received an update after the workbook was exported."""

    row: int
    code: str
    says: str  # the status the workbook gives
    since: dict[str, Any]  # the newest update recorded since the export: id, status, reported_on, recorded_at

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.code, "workbook_status": self.says, "recorded_since": self.since}


@dataclass
class ImportResult:
    file: str
    agency: str
    export_id: int = 0
    updates: list[PlannedUpdate] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows of this export imported before
    conflicts: list[Conflict] = field(default_factory=list)  # held back (or, with force, applied over)
    forced: bool = False
    duplicate: bool = False
    dry_run: bool = False
    timezone: str = "Asia/Shanghai"  # the plan's: when the conflicting updates were recorded, shown in it

    @property
    def held_back(self) -> list[Conflict]:
        return [] if self.forced else self.conflicts

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "agency": self.agency, "export": self.export_id, "dry_run": self.dry_run,
                "duplicate": self.duplicate, "recorded": self.recorded, "skipped": self.skipped,
                "conflicts": [c.as_dict() for c in self.conflicts], "forced": self.forced,
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
    force: bool = False,
    plan_chosen: str | None = None,
) -> ImportResult:
    """Validate every filled row; record them all in one transaction, or refuse with every problem.

    The file must name an export recorded in this database and carry that export's signature; the
    agency, plan and rows are the database's record of the export, never the file's own claims.
    Rows of the export imported before are skipped; a row whose part received an update after the
    export is held back as a conflict (``force`` applies it anyway, recorded as such). The file is
    imported into the plan it was exported from; ``plan_chosen`` (--plan) refuses any other."""
    path = Path(path)
    name = path.name
    check_text(name, "feedback file name")  # it is recorded as each update's source
    reported_by = check_name(reported_by, "--by")
    check_container(path)
    found: list[Export] = []

    def expected(prov: Provenance) -> list[str]:
        export = feedback_export(conn, prov.export_id)
        if export is None:
            raise FeedbackError("feedback.export_unknown", file=name, id=prov.export_id)
        if not hmac.compare_digest(signature(signing_key(conn), export), prov.signature):
            raise FeedbackError("feedback.signature_mismatch", file=name, id=export.id)
        found.append(export)
        return [r["code"] for r in export.rows]

    prov, rows = read_csv(path, expected) if path.suffix.lower() == ".csv" else read_xlsx(path, expected)
    export = found[0]
    agency = export.agency
    exported_codes = [r["code"] for r in export.rows]
    exported_titles = [r["title"] for r in export.rows]
    claims = (prov.agency, prov.plan, prov.as_of, prov.codes)
    record = (agency.name, export.plan_id, export.as_of, exported_codes)
    edited = [Said(f"feedback.meta_{key}") for key, said, was in zip(("agency", "plan", "as_of", "codes"), claims, record,
                                                                     strict=True) if said and said != was]
    if edited:
        raise FeedbackError("feedback.meta_edited", file=name, fields=Listed(edited), id=export.id, agency=agency.name)
    if plan_chosen not in (None, ALL_PLANS) and export.plan_id != plan_chosen:  # --plan named another plan
        raise FeedbackError("feedback.other_plan", file=name, plan=export.plan_id, current=plan_chosen)
    plan = use_plan(conn, export.plan_id)  # the workbook's rows are items of the plan it was exported from
    if expected_agency is not None and expected_agency.id != agency.id:
        raise FeedbackError("feedback.other_agency", file=name, agency=agency.name, expected=expected_agency.name)
    problems: list[Said] = []
    listed = [(n, r) for n, r in rows if any(v not in (None, "") for v in r)]
    codes = [str(r[0]) if r[0] is not None else "" for _, r in listed]
    titles = [_exported_title(str(r[1] or ""), exported_titles[i] if i < len(exported_titles) else None)
              for i, (_, r) in enumerate(listed)]
    for index, (n, _row) in enumerate(listed):
        was = exported_codes[index] if index < len(exported_codes) else None
        at = where_row(name, n)
        if was is None:
            problems.append(Said("feedback.row_added", where=at))
        elif codes[index] != was:
            problems.append(Said("feedback.code_changed", where=at, field=LABEL["id"], now=codes[index], was=was))
        elif titles[index] != exported_titles[index]:
            problems.append(Said("feedback.title_changed", where=at, field=LABEL["title"]))
    if len(listed) < len(exported_codes) and not problems:
        where = name if path.suffix.lower() == ".csv" else where_sheet(name)
        problems.append(counted("feedback.rows_missing", len(exported_codes) - len(listed), where=where))
    if problems:
        raise FeedbackError(counted("feedback.refused", len(problems)).key, n=len(problems), problems=problems)

    assigned = assignment_ids_by_code(conn, agency, export.plan_id)
    start = plan_start(plan)
    reviews = plan_reviews(conn, export.plan_id)
    planned: list[PlannedUpdate] = []
    for (n, r), code in zip(listed, codes):
        filled = dict(zip(FILL, r[-len(FILL):]))
        if all(v in (None, "") for v in filled.values()):
            continue  # nothing filled in: skipped
        at = where_row(name, n)

        def problem(key: str, column: str, **fields: object) -> None:
            problems.append(Said(key, where=at, field=LABEL[column], **fields))  # noqa: B023  (used at once)

        # what the agency typed passes the rule every entry point applies (tasklist.text) first
        refused = [(column, why) for column, value in filled.items() if isinstance(value, str) and (why := text_problem(value))]
        for column, why in refused:
            problem("feedback.cell_problem", column, why=why)
        if refused:
            continue
        before = len(problems)
        if code not in assigned:
            problem("feedback.not_assigned", "id", code=code, agency=agency.name)
        for column, noun in zip(FILL, ("status", "number", "text", "date")):
            if isinstance(filled[column], BadCell):
                problem("feedback.bad_cell", column, what=filled[column].what, noun=Said(f"feedback.noun_{noun}"))
        new_status, progress, note, reported = (filled[column] for column in FILL)
        key = None
        if isinstance(new_status, BadCell):
            pass
        elif new_status in (None, ""):
            problem("feedback.status_empty", "new_status")
        elif not isinstance(new_status, str):
            problem("feedback.status_not_text", "new_status", kind=_kind(new_status))
        elif (key := rules.parse_status(new_status)) in (None, rules.UNASSIGNED):  # 待交办 is no report
            key = None
            problem("feedback.status_unknown", "new_status", value=new_status)
        pct = None
        if progress not in (None, "") and not isinstance(progress, BadCell):
            pct = _whole_number(progress)
            if pct is None or not 0 <= pct <= 100:
                shown = Said("feedback.quoted", value=progress) if isinstance(progress, str) else \
                    progress if isinstance(progress, (int, float)) and not isinstance(progress, bool) else _kind(progress)
                problem("feedback.progress_bad", "progress", shown=shown)
                pct = None
        text = None
        if isinstance(note, BadCell) or note in (None, ""):
            pass
        elif isinstance(note, str):
            text = note.strip()
        elif isinstance(note, (int, float)) and not isinstance(note, bool):
            text = _number_text(note)  # a note of just a number is saved by Excel as one
        else:
            problem("feedback.note_not_text", "note", kind=_kind(note))
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
                problem("feedback.date_unreadable", "reported_on", value=reported)
        else:
            problem("feedback.date_not_date", "reported_on", kind=_kind(reported))
        if len(problems) == before and day < start:  # as the workbook's own check on the cell says
            problem("feedback.date_before_plan", "reported_on", day=day.isoformat(), start=start.isoformat())
        if len(problems) == before and key is not None:
            try:  # the same checks as every other update (limits, dates), by the one writer
                check_update(key, pct, text, day, as_of)
            except BadInput as exc:
                problem("feedback.cell_problem", _field_of(exc), why=exc.message)
        if len(problems) == before and key == rules.DONE and reviews:  # a claim (申请销号): the office verifies it
            if not text:
                problem("feedback.claim_note", "note")
            key = rules.CLAIMED
        if len(problems) == before and key is not None:
            planned.append(PlannedUpdate(n, code, key, pct, text, day))
    if problems:
        raise FeedbackError(counted("feedback.refused", len(problems)).key, n=len(problems), problems=problems)

    result = ImportResult(name, agency.name, export.id, planned, forced=force, dry_run=dry_run,
                          timezone=plan.timezone if plan else ImportResult.timezone)
    done_before = rows_imported(conn, export.id)
    result.skipped = [u.code for u in planned if u.code in done_before]
    todo = [u for u in planned if u.code not in done_before]
    if planned and not todo:
        result.duplicate = True
        return result
    state = {r["code"]: r for r in export.rows}
    latest = latest_updates(conn, [assigned[u.code] for u in todo])
    for u in todo:
        newest = latest.get(assigned[u.code], (None, ""))[0]
        if newest is not None and newest != state[u.code]["last_update_id"]:
            result.conflicts.append(Conflict(u.row, u.code, u.status, update_brief(conn, newest)))
    held = {c.code for c in result.held_back}
    result.updates = [u for u in todo if u.code not in held]
    if dry_run or not result.updates:
        return result
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    forced = {c.code for c in result.conflicts} if force else set()
    rows_to_record = [(u.code, NewUpdate(assigned[u.code], u.status, u.progress, u.note, u.reported_on), u.code in forced)
                      for u in result.updates]
    result.recorded = record_feedback(conn, agency, export.id, name, rows_to_record, digest=digest,
                                      reported_by=reported_by, held_back=sorted(held))
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


def _kind(value: Any) -> Said:
    """What a cell holds, for a message about a cell of the wrong type."""
    if isinstance(value, bool):
        return Said("feedback.kind_bool", value="TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        return Said("feedback.kind_number", value=_number_text(value))
    if isinstance(value, datetime):
        return Said("feedback.kind_date", value=value.date().isoformat() if value.time() == time() else value.isoformat(sep=" "))
    if isinstance(value, date):
        return Said("feedback.kind_date", value=value.isoformat())
    if isinstance(value, time):
        return Said("feedback.kind_time", value=value.isoformat())
    if isinstance(value, timedelta):
        return Said("feedback.kind_duration", value=str(value))
    return Said("feedback.kind_other", type=type(value).__name__, value=value)


# The column each refusal of the one writer's checks (:func:`check_update`) is about, by its key
_FIELD_OF = {"error.unknown_status": "new_status", "error.progress_range": "progress", "error.too_long": "note",
             "text.field_refused": "note", "error.report_future": "reported_on"}


def _field_of(exc: BadInput) -> str:
    """The column a writer's refusal names (a check it may gain later: the status, as the row's own)."""
    return _FIELD_OF.get(exc.key, "new_status")
