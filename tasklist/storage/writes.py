"""The one writer of every record users make: status updates, undos, extensions, e-mail addresses,
reminder and import logs, registry load logs. Append-only where it is history; one transaction each.

Every entry point (the command line, feedback imports, reminders) comes through here, so each
limit and each check exists once.
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .. import rules, text
from ..errors import BadInput, NotFound
from ..registry.names import valid_email
from .connection import Connection, now_utc
from .lookup import AgencyRef, Assigned, ItemRef, assignments_of

MAX_NOTE = 2_000  # characters in a note or a reason, wherever it is entered
MAX_NAME = 100  # characters in a person's name (--by, --approved-by)


def current_user() -> str:
    """The operating-system user, recorded with what they write."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (e.g. a container without /etc/passwd entry)
        return os.environ.get("USER") or "unknown"


def _targets(conn: Connection, item: ItemRef, agency: AgencyRef | None, all_: bool) -> list[Assigned]:
    if item.archived:
        raise BadInput(f"{item.code} has been removed from the registry (archived); it takes no updates")
    assigned = assignments_of(conn, item)
    names = "、".join(a.agency for a in assigned)
    if all_:
        if agency is not None:
            raise BadInput("give --agency or --all, not both")
        return assigned
    if agency is None:
        if len(assigned) == 1:
            return assigned
        raise BadInput(f"{item.code} has {len(assigned)} responsible agencies: {names}",
                       hint="name one with --agency, or record for all with --all")
    chosen = [a for a in assigned if a.agency == agency.name]
    if chosen:
        return chosen
    # A group named on the item (各设区市人民政府) stands for all its members' parts.
    group = assignments_of(conn, item, via_group=agency)
    if group:
        return group
    raise BadInput(f"{agency.name} is not assigned to {item.code}; assigned: {names}")


def check_note(note: str | None, field: str = "note") -> str | None:
    """A note or reason as stored: as typed, None when blank, refused when too long or when it holds
    a character :mod:`tasklist.text` refuses (control, bidirectional override, invisible)."""
    if note is None:
        return None
    text.check(note, field)
    if not note.strip():
        return None
    if len(note) > MAX_NOTE:
        raise BadInput(f"{field} is too long ({len(note)} characters, at most {MAX_NOTE})")
    return note


def check_name(name: str | None, field: str) -> str | None:
    """Who recorded or approved something, as stored: stripped, None when blank, refused like a note."""
    if name is None:
        return None
    text.check(name, field)
    name = name.strip()
    if len(name) > MAX_NAME:
        raise BadInput(f"{field} is too long ({len(name)} characters, at most {MAX_NAME})")
    return name or None


def check_update(status: str, progress: int | None, note: str | None, reported_on: date, as_of: date) -> str:
    """Check one update's values; returns the status key. Raises BadInput naming the field."""
    key = rules.parse_status(status)
    if key is None:
        labels = ", ".join(f"{k} ({v})" for k, v in rules.STATUS_LABELS_ZH.items())
        raise BadInput(f"unknown status {status!r}", hint=f"use one of {labels}")
    if progress is not None and (isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100):
        raise BadInput(f"progress must be 0 to 100, not {progress!r}")
    check_note(note)
    if reported_on > as_of:
        raise BadInput(f"report date {reported_on} is after the as-of date {as_of}",
                       hint="progress cannot be reported for a day that has not come")
    return key


@dataclass(frozen=True)
class NewUpdate:
    """One status update to append, already checked (see :func:`check_update`)."""

    assignment_id: int
    status: str
    progress: int | None
    note: str | None
    reported_on: date


def _append(conn: Connection, updates: Sequence[NewUpdate], *, by: str, source: str, batch: str | None) -> list[int]:
    stamp = now_utc()
    return [
        conn.insert(
            "INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, "
            "recorded_by, source, batch) VALUES (?,?,?,?,?,?,?,?,?)",
            (u.assignment_id, u.status, rules.progress_for(u.status, u.progress), u.note, u.reported_on.isoformat(),
             stamp, by, source, batch),
        )
        for u in updates
    ]


def record_update(
    conn: Connection,
    item: ItemRef,
    *,
    status: str,
    as_of: date,
    agency: AgencyRef | None = None,
    all_agencies: bool = False,
    progress: int | None = None,
    note: str | None = None,
    reported_on: date | None = None,
    recorded_by: str | None = None,
    source: str = "cli",
) -> list[int]:
    """Append one update per targeted assignment; returns their ids."""
    reported_on = reported_on or as_of
    key = check_update(status, progress, note, reported_on, as_of)
    recorded_by = check_name(recorded_by, "--by")
    with conn.transaction():
        targets = _targets(conn, item, agency, all_agencies)
        batch = uuid.uuid4().hex if len(targets) > 1 else None
        rows = [NewUpdate(t.id, key, progress, check_note(note), reported_on) for t in targets]
        return _append(conn, rows, by=recorded_by or current_user(), source=source, batch=batch)


def record_import(conn: Connection, agency: AgencyRef, file_name: str, updates: Sequence[NewUpdate], *,
                  recorded_by: str, content_key: str, dry_run: bool = False) -> list[int] | None:
    """Append the updates of one feedback file, all in one transaction, and log the file under
    ``content_key`` (a digest of what it says).

    Returns the new ids, or None when the same content was imported before (nothing recorded)."""
    recorded_by = check_name(recorded_by, "--by") or current_user()
    text.check(file_name, "file name")
    for u in updates:
        check_note(u.note)
    with conn.transaction():
        if conn.one("SELECT 1 FROM import_log WHERE content_key = ?", (content_key,)):
            return None
        if dry_run:
            return []
        ids = _append(conn, updates, by=recorded_by, source=f"import:{file_name}", batch=None)
        conn.execute(
            "INSERT INTO import_log (agency_id, file_name, content_key, rows, imported_at, imported_by) VALUES (?,?,?,?,?,?)",
            (agency.id, file_name, content_key, len(updates), now_utc(), recorded_by),
        )
        return ids


_UPDATE_COLS = "id, assignment_id, status, progress, note, reported_on, recorded_at, batch, reverses_id"
_NEWEST_FIRST = "ORDER BY reported_on DESC, recorded_at DESC, id DESC"


def undo(conn: Connection, update_id: int, *, recorded_by: str | None = None) -> list[int]:
    """Append reversals of an update (and of the updates recorded with it by --all).

    Only an assignment's latest update can be undone: a reversal restores what was in force just
    before it, which would be wrong once newer updates exist. A unique index on ``reverses_id``
    makes a second reversal of the same update fail on both engines, even when two run at once.
    """
    by = check_name(recorded_by, "--by") or current_user()
    with conn.transaction():
        row = conn.one(f"SELECT {_UPDATE_COLS} FROM status_update WHERE id = ?", (update_id,))
        if row is None:
            raise NotFound(f"no update #{update_id}", hint="`tasklist history` shows update ids")
        batch = row[7]
        rows = conn.all(f"SELECT {_UPDATE_COLS} FROM status_update WHERE batch = ? ORDER BY id", (batch,)) if batch else [row]
        stamp = now_utc()
        reversal_ids = []
        for r in rows:
            if conn.one("SELECT id FROM status_update WHERE reverses_id = ?", (r[0],)):
                raise BadInput(f"update #{r[0]} has already been undone")
            newest = conn.one(f"SELECT {_UPDATE_COLS} FROM status_update WHERE assignment_id = ? {_NEWEST_FIRST} LIMIT 1",
                              (r[1],))
            if newest is not None and newest[0] != r[0]:
                raise BadInput(f"update #{r[0]} is no longer the latest for its assignment (#{newest[0]} came after)",
                               hint="record a new update instead")
            before = conn.one(
                f"SELECT {_UPDATE_COLS} FROM status_update WHERE assignment_id = ? AND id <> ? {_NEWEST_FIRST} LIMIT 1",
                (r[1], r[0]),
            )
            status, progress, note = (before[2], before[3], before[4]) if before else (rules.NOT_STARTED, None, None)
            reversal_ids.append(conn.insert(
                "INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, "
                "recorded_by, source, batch, reverses_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (r[1], status, progress, note, r[5], stamp, by, "undo", None, r[0]),
            ))
        return reversal_ids


def extend(
    conn: Connection,
    item: ItemRef,
    *,
    to: date,
    reason: str,
    as_of: date,
    agency: AgencyRef | None = None,
    approved_by: str | None = None,
    recorded_by: str | None = None,
) -> int:
    """Record a new due date (延期) for an item, or for one agency's part; the original is kept."""
    checked = check_note(reason, "reason")
    if not checked:
        raise BadInput("an extension needs a reason (--reason)")
    reason = checked.strip()
    approved_by = check_name(approved_by, "--approved-by")
    recorded_by = check_name(recorded_by, "--by")
    with conn.transaction():
        if agency is not None:
            # one agency's part, or each member's part when a group named on the item is given
            targets: list[int | None] = [t.id for t in _targets(conn, item, agency, False)]
        elif item.archived:
            raise BadInput(f"{item.code} has been removed from the registry (archived)")
        else:
            targets = [None]
        stamp, by = now_utc(), recorded_by or current_user()
        ids = [
            conn.insert(
                "INSERT INTO extension (item_id, assignment_id, new_due, reason, approved_by, granted_on, recorded_at, "
                "recorded_by) VALUES (?,?,?,?,?,?,?,?)",
                (item.id, assignment_id, to.isoformat(), reason, approved_by, as_of.isoformat(), stamp, by),
            )
            for assignment_id in targets
        ]
        return ids[0]


def set_email(conn: Connection, agency: AgencyRef, addresses: list[str]) -> list[str]:
    """Replace an agency's contact addresses."""
    bad = [a for a in addresses if not valid_email(a)]
    if bad:
        raise BadInput(f"not an e-mail address: {', '.join(repr(b) for b in bad)}")
    with conn.transaction():
        conn.execute("UPDATE agency SET email = ? WHERE id = ?", (",".join(addresses) or None, agency.id))
    return addresses


def log_reminder(conn: Connection, *, agency_id: int, items: list[str], level: int, as_of: date, message_id: str,
                 recipients: list[str], sent_by: str) -> None:
    """Record one reminder delivered, so that the next one escalates and none goes twice by mistake."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO reminder_log (agency_id, items, level, as_of, sent_at, message_id, recipients, sent_by) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (agency_id, json.dumps(items), level, as_of.isoformat(), now_utc(), message_id, ",".join(recipients), sent_by),
        )


def log_load(conn: Connection, *, plan_id: str, files: list[str], summary: dict[str, int]) -> None:
    """Record a registry load (inside the load's own transaction). A file's path may hold bytes that
    are not UTF-8 (Linux allows them): it is recorded with those escaped."""
    shown = [text.visible(f) for f in files]
    conn.execute(
        "INSERT INTO load_log (plan_id, loaded_at, loaded_by, files, summary) VALUES (?,?,?,?,?)",
        (plan_id, now_utc(), current_user(), json.dumps(shown, ensure_ascii=False), json.dumps(summary, sort_keys=True)),
    )
