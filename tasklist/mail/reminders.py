"""Reminders (催办): one RFC 5322 message per agency with overdue assignments, written as .eml files.

Messages are built with the standard library's ``email`` package (default policy): Chinese
headers are encoded, and no text from the registry or a note reaches a header with a line break.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .. import rules
from ..errors import BadInput
from ..i18n import Labels
from ..output import files
from ..output.files import safe_filename
from ..output.formats import html_document, html_table, to_xlsx
from ..output.tables import Table, overdue_table
from ..registry.names import valid_email
from ..reports.facts import AssignmentState, overdue_groups, snapshot
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, agency_emails, current_plan, reminders_sent
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
    status: str = "written"  # written | sent | failed | skipped | no address
    error: str | None = None

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
) -> list[Reminder]:
    """One message per agency that has overdue assignments (never an empty reminder)."""
    if not valid_email(sender):
        raise BadInput(f"--from {sender!r} is not an e-mail address")
    items = snapshot(conn, as_of, warn_days=warn_days, overdue_only=not include_due_soon)
    groups = overdue_groups(conn, items, agency)
    soon: dict[str, list[AssignmentState]] = {}
    if include_due_soon:
        for item in items:
            for a in item.assignments:
                if a.due_soon and a.belongs_to(agency):
                    soon.setdefault(a.agency, []).append(a)
    agencies = agency_emails(conn)
    plan = current_plan(conn)
    zone = ZoneInfo(plan.timezone if plan else "Asia/Shanghai")
    labels = Labels("zh")
    out = []
    for seq, (name, late) in enumerate(groups.items(), start=1):
        agency_id, full_name, recipients = agencies[name]
        codes = {a.item.code for a in late}
        prior = reminders_sent(conn, agency_id)
        times = max((sum(code in p[0] for p in prior) for code in codes), default=0)
        level = rules.reminder_level(times)
        message = _message(name, full_name, recipients, sender, level, times + 1, late, soon.get(name, []), as_of, zone, labels)
        filename = f"{as_of.isoformat()}_{seq:02d}_{safe_filename(name)}.eml"
        out.append(Reminder(name, agency_id, full_name, recipients, level, times + 1, late, soon.get(name, []), message,
                            filename, status="written" if recipients else "no address"))
    return out


def _message(name: str, full_name: str, recipients: list[str], sender: str, level: int, nth: int,
             late: list[AssignmentState], soon: list[AssignmentState], as_of: date, zone: ZoneInfo, labels: Labels) -> EmailMessage:
    msg = EmailMessage()
    level_name = LEVELS[level]
    subject = f"【{level_name}】{name}：{len(late)}项任务已逾期（截至{as_of.isoformat()}）"
    if soon:
        subject += f"，{len(soon)}项即将到期"
    msg["Subject"] = one_line(subject)
    msg["From"] = Address(display_name="任务督办", addr_spec=sender)
    if recipients:
        msg["To"] = [Address(display_name=one_line(full_name), addr_spec=r) for r in recipients]
    msg["Date"] = format_datetime(datetime.now(zone))
    msg["Message-ID"] = make_msgid(idstring="tasklist", domain=sender.split("@", 1)[1])
    table = overdue_table({name: late}, labels, as_of)
    table.title = f"{name} 逾期事项(截至 {as_of.isoformat()})"
    soon_table = None
    if soon:
        soon_table = Table("due_soon", f"{name} 即将到期事项", table.columns[:4], group_key="agency")
        soon_table.rows = [[a.agency, a.item.code, a.item.title, a.due] for a in soon]
    intro = (f"{one_line(full_name)}：\n\n这是第{nth}次{'提醒' if level == 1 else level_name}。"
             f"截至{as_of.isoformat()}，贵单位承担的以下{len(late)}项任务已超过完成时间，请抓紧推进并及时报送进展情况。\n")
    msg.set_content(intro + "\n" + _plain_table(table) + ("\n\n" + _plain_table(soon_table) if soon_table else "")
                    + "\n\n逾期清单见附件(可填写后回传)。\n")
    body = f"<p>{_esc(one_line(full_name))}：</p><p>{_esc(intro.split(chr(10), 2)[2].strip())}</p>" + html_table(table)
    if soon_table:
        body += html_table(soon_table)
    msg.add_alternative(html_document(str(msg["Subject"]), body).decode("utf-8"), subtype="html")
    msg.add_attachment(to_xlsx([table]), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename=f"{safe_filename(name)}_逾期清单_{as_of.isoformat()}.xlsx")
    return msg


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def _plain_table(table: Table) -> str:
    lines = [one_line(table.title), "\t".join(one_line(c.label) for c in table.columns)]
    for row in table.rows:
        lines.append("\t".join("" if v is None else (v.isoformat() if isinstance(v, date) else one_line(str(v))) for v in row))
    return "\n".join(lines)


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
    for r, where in zip(reminders, targets):
        files.write_atomic(where, r.message.as_bytes())
        r.filename, r.path = where.path.name, where.path
