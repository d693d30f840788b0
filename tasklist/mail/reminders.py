"""Reminders (催办): one RFC 5322 message per agency with overdue assignments, written as .eml files.

Messages are built with the standard library's ``email`` package (default policy): Chinese
headers are encoded, and no text from the registry or a note reaches a header with a line break.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .. import rules
from ..errors import BadInput
from ..feedback.workbook import export_xlsx, open_rows_by_agency
from ..i18n import Labels
from ..output import files
from ..output.files import safe_filename
from ..output.formats import html_document, html_table
from ..output.tables import Column, Table
from ..registry.names import mailbox
from ..reports.facts import AssignmentState, open_parts, overdue_groups_of
from ..storage.connection import Connection
from ..storage.lookup import (
    AgencyRef,
    agencies_in_order,
    agency_emails,
    current_plan,
    latest_update_ids,
    reminders_sent_by_agency,
)
from ..storage.writes import current_user, log_reminder
from ..text import one_line  # header-safe: one line, refused characters (stored before the rule) escaped

LEVELS = rules.REMINDER_LEVELS


@dataclass
class Reminder:
    agency: str
    agency_id: int
    full_name: str
    recipients: list[str]
    level: int
    sequence: int  # this is the n-th reminder for these items
    overdue: list[AssignmentState]
    due_soon: list[AssignmentState]
    message: EmailMessage
    filename: str
    path: Path | None = None
    logged: bool = False  # in the reminder log (it counts for escalation)
    status: str = "written"  # written | sent | failed | skipped | no address
    #: what went wrong (or partly wrong) in delivering it: a ``mail.*`` message key and its fields
    trouble: tuple[str, dict[str, Any]] | None = None

    def fail(self, status: str, key: str, **fields: Any) -> None:
        """Record an outcome and why (``key``: a ``mail.*`` message)."""
        self.status, self.trouble = status, (key, fields)

    def problem(self, lang: str | None = None) -> str | None:
        """What went wrong, in ``lang`` (default: the current language)."""
        from ..messages import t

        return t(self.trouble[0], lang, **self.trouble[1]) if self.trouble else None

    @property
    def error(self) -> str | None:
        """What went wrong, in English (the JSON's words do not change with --lang)."""
        return self.problem("en")

    @property
    def items(self) -> list[str]:
        return [a.item.code for a in self.overdue]

    def as_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "recipients": self.recipients, "level": self.level, "level_name": LEVELS[self.level],
                "sequence": self.sequence, "items": self.items, "due_soon": [a.item.code for a in self.due_soon],
                "subject": str(self.message["Subject"]), "message_id": str(self.message["Message-ID"]),
                "file": str(self.path) if self.path else None, "status": self.status, "error": self.error}


def build_reminders(
    conn: Connection,
    as_of: date,
    *,
    sender: str,
    agency: AgencyRef | None = None,
    include_due_soon: bool = False,
    warn_days: int = 30,
    signature: str | None = None,
    lang: str | None = None,
    office_follows: list[tuple[str, int]] | None = None,
    parts: list[AssignmentState] | None = None,
) -> list[Reminder]:
    """One message per agency that has overdue assignments (never an empty reminder), carrying the
    agency's signed feedback workbook (its overdue items first, then its other open items) to fill
    in and send back. ``sender``: "督查室 <duban@example.org>" or a bare address; ``signature``: the
    office's contact block, printed at the end of every message; ``lang``: the messages' language
    (default: the plan's, that of its office and agencies, whatever language the sender reads);
    ``parts``: ``open_parts(conn, as_of, warn_days=warn_days)``, when the caller has them already."""
    from_ = mailbox(sender)
    if from_ is None:
        raise BadInput("error.from_not_email", sender=sender)
    if signature is not None:
        from ..text import check

        check(signature, "--signature")
    # Every part not done, not only those that can be overdue: the workbooks list each agency's other
    # open parts too, and one reading serves both (two took a third of a 100k-item run). A done part
    # is neither overdue nor due soon, and no workbook lists it: neither it nor its item as a whole
    # is judged (a snapshot of every item took a quarter of a 100k-item run).
    if parts is None:
        parts = open_parts(conn, as_of, warn_days=warn_days)
    # a part whose completion claim awaits the office's review is the office's move, not the agency's
    groups = {name: kept for name, late in overdue_groups_of(conn, parts, agency).items()
              if (kept := [a for a in late if rules.chased(a.status, a.overdue)])}
    soon: dict[str, list[AssignmentState]] = {}
    if include_due_soon:
        for a in parts:
            if a.due_soon and a.belongs_to(agency):
                soon.setdefault(a.agency, []).append(a)
    agencies = agency_emails(conn)
    refs = {a.name: a for a in agencies_in_order(conn)}
    open_rows = open_rows_by_agency(conn, as_of, parts=parts) if groups else {}
    plan = current_plan(conn)
    zone = ZoneInfo(plan.timezone if plan else "Asia/Shanghai")
    labels = Labels(lang or ("en" if plan and plan.lang.lower().startswith("en") else "zh"))
    out = []
    # A group named on items as a whole (省直有关部门, with no members) has nobody to answer a reminder:
    # its overdue items are the office's to follow up, said in ``office_follows`` (name, count), never mailed.
    unanswerable = {name for name in groups if refs[name].kind == "group"}
    if office_follows is not None:
        office_follows.extend((name, len({a.item.code for a in groups[name]})) for name in unanswerable)
    groups = {name: late for name, late in groups.items() if name not in unanswerable}
    sent = reminders_sent_by_agency(conn) if groups else {}
    # each workbook records the latest update of each of its rows: read once for all agencies, not
    # once a workbook (one agency's workbook reads its own)
    latest = latest_update_ids(conn) if len(groups) > 1 else None
    with conn.transaction():  # every workbook's export recorded in one transaction, not one each
        for seq, (name, late) in enumerate(groups.items(), start=1):
            agency_id, full_name, boxes = agencies[name]
            codes = {a.item.code for a in late}
            prior = sent.get(agency_id, [])
            times = max((sum(code in p[0] for p in prior) for code in codes), default=0)
            level = rules.reminder_level(times)
            # the workbook to fill in: overdue parts first (most overdue first), then the rest still open
            rows = sorted(open_rows.get(agency_id, []), key=lambda r: -r.days_overdue)
            workbook = export_xlsx(conn, refs[name], as_of, rows=rows, latest=latest)
            message = _message(name, full_name, boxes, from_, level, times + 1, late, soon.get(name, []), as_of, zone,
                               labels, workbook, signature)
            filename = f"{as_of.isoformat()}_{seq:02d}_{safe_filename(name)}.eml"
            out.append(Reminder(name, agency_id, full_name, [a for _, a in boxes], level, times + 1, late,
                                soon.get(name, []), message, filename, status="written" if boxes else "no address"))
    return out


def already_logged(sent: dict[int, list[tuple[set[str], str, str]]], r: Reminder, as_of: date) -> bool:
    """Whether the reminder log (``sent``: :func:`~tasklist.storage.lookup.reminders_sent_by_agency`)
    has ``r``'s items for its agency on ``as_of``: the same items on the same day count once."""
    return any(items == set(r.items) and day == as_of.isoformat() for items, day, _ in sent.get(r.agency_id, []))


def log_written(conn: Connection, reminders: list[Reminder], as_of: date) -> None:
    """Log the messages written as .eml files for the office to send from its own mail client, as
    those sent by SMTP are: they count for escalation. The same items on the same day count once."""
    todo = [r for r in reminders if not r.logged and r.path is not None and r.status in ("written", "no address")]
    sent = reminders_sent_by_agency(conn) if todo else {}  # each agency has one message: read once, before any is logged
    with conn.transaction():  # one transaction for the whole log, not one a message
        for r in todo:
            if already_logged(sent, r, as_of):
                continue
            log_reminder(conn, agency_id=r.agency_id, items=r.items, level=r.level, as_of=as_of,
                         message_id=str(r.message["Message-ID"]), recipients=r.recipients, sent_by=current_user(),
                         channel="eml")
            r.logged = True


def _message(name: str, full_name: str, recipients: list[tuple[str, str]], sender: tuple[str, str], level: int, nth: int,
             late: list[AssignmentState], soon: list[AssignmentState], as_of: date, zone: ZoneInfo, labels: Labels,
             workbook: bytes, signature: str | None) -> EmailMessage:
    from ..messages.view import Count

    say = labels
    day = as_of.isoformat()
    msg = EmailMessage()
    level_name = say(f"view.level_{level}")
    subject = say("mail.subject", level=level_name, agency=name, n=Count(len(late)), as_of=day)
    if soon:
        subject += say("mail.subject_soon", n=Count(len(soon)))
    msg["Subject"] = one_line(subject)
    msg["From"] = Address(display_name=one_line(sender[0] or say("mail.sender")), addr_spec=sender[1])
    if recipients:
        msg["To"] = [Address(display_name=one_line(shown or full_name), addr_spec=address) for shown, address in recipients]
    msg["Date"] = format_datetime(datetime.now(zone))
    msg["Message-ID"] = make_msgid(idstring="tasklist", domain=sender[1].split("@", 1)[1])
    table = _overdue_table(late, labels, say("mail.overdue_title", agency=name, as_of=day))
    soon_table = None
    if soon:
        soon_table = Table("due_soon", say("mail.soon_title", agency=name),
                           [Column(k, labels(k), kind) for k, kind in (("id", "text"), ("title", "text"), ("due", "date"))],
                           group_key=None)
        soon_table.rows = [[a.item.code, a.item.title, a.due] for a in soon]
    greeting = say("mail.greeting", name=one_line(full_name))
    intro = say("mail.intro", nth=nth, kind=say("mail.first_time") if level == 1 else level_name, as_of=day,
                n=Count(len(late)))
    returned = [say("mail.returned_line", code=a.item.code, reason=one_line(a.returned)) for a in late if a.returned]
    if returned:  # the office's reasons, so the agency knows what its next claim needs
        intro += "\n\n" + say("mail.returned_intro") + "\n" + "\n".join(returned)
    closing = say("mail.closing")
    contact = signature.strip() if signature else ""
    msg.set_content(greeting + "\n\n" + intro + "\n\n" + _plain_table(table)
                    + ("\n\n" + _plain_table(soon_table) if soon_table else "")
                    + "\n\n" + closing + "\n" + (f"\n{contact}\n" if contact else ""))
    body = f"<p>{_esc(greeting)}</p><p>{_esc(intro).replace(chr(10), '<br>')}</p>" + html_table(table)
    if soon_table:
        body += html_table(soon_table)
    body += f"<p>{_esc(closing)}</p>"
    if contact:
        body += "<p>" + "<br>".join(_esc(line) for line in contact.splitlines()) + "</p>"
    # base64, not the quoted-printable the standard library picks for a page that starts in ASCII
    # (its encoder, in Python, took a tenth of a 100k-item run; base64 is also 16 % shorter here,
    # a Chinese character taking 4 characters, not 9): the page decodes the same
    msg.add_alternative(html_document(str(msg["Subject"]), body).decode("utf-8"), subtype="html", cte="base64")
    msg.add_attachment(workbook, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename=say("mail.attachment", agency=safe_filename(name), as_of=day))
    return msg


def _overdue_table(late: list[AssignmentState], labels: Labels, title: str) -> Table:
    """The agency's overdue parts as the message lists them: its own role in each (牵头 or 配合)."""
    keys = (("id", "text"), ("title", "text"), ("due", "date"), ("days_overdue", "int"), ("status", "status"),
            ("last_report", "date"), ("role", "text"), ("note", "text"))
    table = Table("overdue", title, [Column(k, labels(k), kind) for k, kind in keys], group_key=None)
    lead, co = labels("lead_mark"), labels("view.co_mark")  # the same words on every row: looked up once
    status: dict[str, str] = {}
    for a in late:
        shown = status.get(a.status)
        if shown is None:
            shown = status[a.status] = labels.status(a.status)
        table.rows.append([a.item.code, a.item.title, a.due, a.days_overdue, shown, a.last_report,
                           lead if a.role == "lead" else co, a.note or ""])
    return table


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def _plain_cell(value: Any) -> str:
    """A value as the plain-text table shows it: a date as ISO, text on one line. A number's digits
    need no :func:`one_line` (it would give them back unchanged)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return one_line(str(value))


def _plain_table(table: Table) -> str:
    lines = [one_line(table.title), "\t".join(one_line(c.label) for c in table.columns)]
    for row in table.rows:
        lines.append("\t".join(map(_plain_cell, row)))
    return "\n".join(lines)


class _Generator(BytesGenerator):
    """The standard generator, without its line-by-line copy of each part's body (a workbook's
    base64 a line at a time took most of the time to write a message)."""

    def _write_lines(self, lines: str) -> None:
        # The body is split at every line break and joined with the policy's: when that is "\n"
        # and the body has no "\r", the result is the body itself.
        if self._NL == "\n" and "\r" not in lines:  # type: ignore[attr-defined]
            if lines:
                self.write(lines)
        else:
            super()._write_lines(lines)  # type: ignore[misc]

    @classmethod
    def _make_boundary(cls, text: Any = None) -> str:
        # The standard generator tries a random boundary against the whole text with a multi-line
        # pattern (half the time to write a message with a workbook attached). One that does not
        # occur in the text at all cannot match it; only one that does is left to that search.
        boundary: str = super()._make_boundary()  # type: ignore[misc]
        if text is None:
            return boundary
        mark = "--" + boundary
        if (mark.encode("ascii") if isinstance(text, bytes) else mark) not in text:
            return boundary
        return super()._make_boundary(text)  # type: ignore[misc]


def as_bytes(message: EmailMessage) -> bytes:
    """``message.as_bytes()``, byte for byte."""
    out = BytesIO()
    _Generator(out, mangle_from_=False, policy=message.policy).flatten(message)
    return out.getvalue()


def write_eml(reminders: list[Reminder], out_dir: str | Path | files.Target, *, force: bool = False,
              database: Any = None) -> None:
    """Write each message to ``out_dir`` (created if missing) as its ``filename``.

    Every file is checked before any is written: none may be the database in use (``database``: the
    open connection, see :func:`tasklist.output.files.database_files`), and none may replace an
    existing file unless ``force``. File names are distinct within one run; a clash (two names the
    file system would take for one) gets a suffix from the agency's name."""
    protected = files.database_files(database)
    folder = out_dir if isinstance(out_dir, files.Target) else files.directory(out_dir, database=protected)
    names = files.distinct_names([(r.filename, r.agency) for r in reminders])
    targets = [files.inside(folder, name, force=force, database=protected) for name in names]
    files.make_directory(folder)
    try:
        for r, where in zip(reminders, targets):
            files.write_atomic(where, as_bytes(r.message), sync_directory=False)
            r.filename, r.path = where.path.name, where.path
    finally:  # the renames made durable once for the directory, not once a file
        files.sync_directories(r.path for r in reminders if r.path is not None)
