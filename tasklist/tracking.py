"""Recording progress: status updates, undo, deadline extensions. Append-only, one transaction each."""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import date

from . import rules
from .db import Connection
from .errors import BadInput, NotFound
from .store import AgencyRef, ItemRef, now_utc

MAX_NOTE = 20_000


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (e.g. a container without /etc/passwd entry)
        return os.environ.get("USER") or "unknown"


@dataclass(frozen=True)
class Assigned:
    id: int
    agency: str
    role: str


def assignments_of(conn: Connection, item: ItemRef) -> list[Assigned]:
    rows = conn.all(
        "SELECT a.id, g.name, a.role FROM assignment a JOIN agency g ON g.id = a.agency_id "
        "WHERE a.item_id = ? AND a.archived = 0 ORDER BY a.position",
        (item.id,),
    )
    return [Assigned(*r) for r in rows]


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
    if not chosen:
        # A group named on the item (各设区市人民政府) stands for all its members' parts.
        group = conn.all(
            "SELECT a.id, g.name, a.role FROM assignment a JOIN agency g ON g.id = a.agency_id "
            "WHERE a.item_id = ? AND a.archived = 0 AND a.via_group_id = ? ORDER BY a.position",
            (item.id, agency.id),
        )
        if group:
            return [Assigned(*r) for r in group]
        raise BadInput(f"{agency.name} is not assigned to {item.code}; assigned: {names}")
    return chosen


def validate_update(status: str, progress: int | None, note: str | None, reported_on: date, as_of: date) -> str:
    """Check one update's values; returns the status key. Raises BadInput naming the field."""
    key = rules.parse_status(status)
    if key is None:
        labels = ", ".join(f"{k} ({v})" for k, v in rules.STATUS_LABELS_ZH.items())
        raise BadInput(f"unknown status {status!r}", hint=f"use one of {labels}")
    if progress is not None and not 0 <= progress <= 100:
        raise BadInput(f"progress must be 0 to 100, not {progress}")
    if note is not None and len(note) > MAX_NOTE:
        raise BadInput(f"note is too long ({len(note)} characters, at most {MAX_NOTE})")
    if reported_on > as_of:
        raise BadInput(f"report date {reported_on} is after the as-of date {as_of}",
                       hint="progress cannot be reported for a day that has not come")
    return key


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
    key = validate_update(status, progress, note, reported_on, as_of)
    if key == rules.DONE and progress is None:
        progress = 100
    by = recorded_by or current_user()
    with conn.transaction():
        targets = _targets(conn, item, agency, all_agencies)
        batch = uuid.uuid4().hex if len(targets) > 1 else None
        stamp = now_utc()
        return [
            conn.insert(
                "INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, "
                "recorded_by, source, batch) VALUES (?,?,?,?,?,?,?,?,?)",
                (t.id, key, progress, note, reported_on.isoformat(), stamp, by, source, batch),
            )
            for t in targets
        ]


_UPDATE_COLS = "id, assignment_id, status, progress, note, reported_on, recorded_at, batch, reverses_id"


def undo(conn: Connection, update_id: int, *, recorded_by: str | None = None) -> list[int]:
    """Append reversals of an update (and of the updates recorded with it by --all).

    Only an assignment's latest update can be undone: a reversal restores what was in force just
    before it, which would be wrong once newer updates exist.
    """
    by = recorded_by or current_user()
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
            newest = conn.one(
                f"SELECT {_UPDATE_COLS} FROM status_update WHERE assignment_id = ? "
                "ORDER BY reported_on DESC, recorded_at DESC, id DESC LIMIT 1",
                (r[1],),
            )
            if newest[0] != r[0]:
                raise BadInput(f"update #{r[0]} is no longer the latest for its assignment (#{newest[0]} came after)",
                               hint="record a new update instead")
            before = conn.one(
                f"SELECT {_UPDATE_COLS} FROM status_update WHERE assignment_id = ? AND id <> ? "
                "ORDER BY reported_on DESC, recorded_at DESC, id DESC LIMIT 1",
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
    if not reason.strip():
        raise BadInput("an extension needs a reason (--reason)")
    if len(reason) > MAX_NOTE:
        raise BadInput(f"reason is too long ({len(reason)} characters, at most {MAX_NOTE})")
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
                (item.id, assignment_id, to.isoformat(), reason.strip(), approved_by, as_of.isoformat(), stamp, by),
            )
            for assignment_id in targets
        ]
        return ids[0]
