"""Deadlines as an iCalendar file (RFC 5545): one all-day event per item due date in force (an
agency's part with its own extension gets its own event) and per target deadline, the agencies
responsible in the description.

Text values are escaped (backslash, semicolon, comma, newline: section 3.3.11), lines end in CRLF
and are folded at 75 octets without splitting a UTF-8 character (section 3.1). UIDs are stable (the
plan, the kind, the code and the date), so a calendar that re-imports the file updates its events
instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..i18n import Labels
from .tables import number

PRODID = "-//tasklist//deadlines//ZH"


@dataclass(frozen=True)
class Deadline:
    uid: str
    day: date
    summary: str
    description: str


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 writes it."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded at 75 octets (continuations start with a space), CRLF-terminated."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def calendar(deadlines: Iterable[Deadline], *, name: str, stamp: datetime | None = None) -> bytes:
    """The VCALENDAR of ``deadlines``; ``stamp`` (UTC, default now) is every event's DTSTAMP."""
    when = (stamp or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape_text(name)}"]
    for d in deadlines:
        lines += ["BEGIN:VEVENT", f"UID:{escape_text(d.uid)}", f"DTSTAMP:{when}",
                  f"DTSTART;VALUE=DATE:{d.day.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(d.day + timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{escape_text(d.summary)}", f"DESCRIPTION:{escape_text(d.description.strip())}",
                  "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")


def uid(plan_id: str, kind: str, code: str, day: date, agency_id: int | None = None) -> str:
    """Stable across exports: the same deadline keeps its UID; a new date (an extension) is a new event."""
    part = f"-a{agency_id}" if agency_id is not None else ""
    return f"{plan_id}-{kind}-{code}{part}-{day.strftime('%Y%m%d')}@tasklist"


def item_deadlines(items: Sequence[Any], lab: Labels) -> list[Deadline]:
    """One event per item due date in force (with its extensions); a part whose own extension moves
    its date gets one more, for that agency. Each UID names the item's own plan (``--plan all``)."""
    out: list[Deadline] = []
    for item in items:
        if item.due is not None:
            agencies = item.agencies_listed
            out.append(Deadline(uid(item.plan_id, "item", item.code, item.due),
                                item.due, lab("ics_item_summary", code=item.code, title=item.title),
                                lab("ics_item_description", agencies="、".join(agencies) or "—",
                                    due_text=item.due_text or "", content=item.content or "")))
        for a in item.assignments:
            if a.due is not None and a.due != item.due:
                out.append(Deadline(uid(item.plan_id, "item", item.code, a.due, a.agency_id), a.due,
                                    lab("ics_part_summary", code=item.code, title=item.title, agency=a.agency),
                                    lab("ics_item_description", agencies=a.agency, due_text=item.due_text or "",
                                        content=item.content or "")))
    return out


def target_deadlines(states: Sequence[Any], lab: Labels, plan_id: str) -> list[Deadline]:
    """One event per target deadline."""
    out = []
    for s in states:
        goal = f"{'≥' if s.comparator == '>=' else '≤'} {number(s.target)} {s.unit}"
        out.append(Deadline(uid(plan_id, "target", s.code, s.deadline), s.deadline,
                            lab("ics_target_summary", code=s.code, name=s.name, goal=goal),
                            lab("ics_target_description", agencies="、".join(s.agencies) or "—",
                                source=s.source)))
    return out
