"""The one writer of every record users make: status updates, undos, extensions, e-mail addresses,
reminder and import logs, registry load logs. Append-only where it is history; one transaction each.

Every entry point (the command line, feedback imports, reminders) comes through here, so each
limit and each check exists once.
"""

from __future__ import annotations

import getpass
import json
import math
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import rules, text
from ..errors import BadInput, Conflict, Forbidden, NotFound
from ..evidence import EvidenceFile, bounded
from ..messages import current_lang, join
from ..registry.names import format_mailbox, mailbox, mailboxes
from .connection import Connection, now_utc
from .lookup import AgencyRef, Assigned, ItemRef, TargetRef, assignments_of, members

MAX_NOTE = 2_000  # characters in a note or a reason, wherever it is entered
MAX_NAME = 100  # characters in a person's name (--by, --approved-by)


def current_user() -> str:
    """The operating-system user, recorded with what they write."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001  (no user name here, e.g. a container without an /etc/passwd entry)
        return os.environ.get("USER") or "unknown"


def _targets(conn: Connection, item: ItemRef, agency: AgencyRef | Sequence[AgencyRef] | None,
             all_: bool) -> list[Assigned]:
    if isinstance(agency, Sequence) and not isinstance(agency, AgencyRef):
        if len(agency) != 1:  # several agencies named: each one's part, once
            if all_:
                raise BadInput("error.agency_or_all")
            each: dict[int, Assigned] = {}
            for one in agency:
                each.update((a.id, a) for a in _targets(conn, item, one, False))
            return list(each.values())
        agency = agency[0]
    if item.archived:
        raise BadInput("error.archived_no_updates", code=item.code)
    assigned = assignments_of(conn, item)
    if not assigned:  # 待交办: no agency owes it anything yet
        raise BadInput("error.unassigned_item", hint="error.unassigned_item_hint", code=item.code)
    names = "、".join(a.agency for a in assigned)
    if all_:
        if agency is not None:
            raise BadInput("error.agency_or_all")
        return assigned
    if agency is None:
        if len(assigned) == 1:
            return assigned
        raise BadInput("error.several_agencies", hint="error.several_agencies_hint", code=item.code, count=len(assigned),
                       names=names)
    chosen = [a for a in assigned if a.agency == agency.name]
    if chosen:
        return chosen
    # A group named on the item (各设区市人民政府) stands for all its members' parts.
    group = assignments_of(conn, item, via_group=agency)
    if group:
        return group
    raise BadInput("error.not_assigned", agency=agency.name, code=item.code, names=names)


def _is_group(conn: Connection, item: ItemRef, agency: AgencyRef | Sequence[AgencyRef] | None) -> bool:
    """Whether ``agency`` is a group named on the item, standing for its members' parts."""
    named = [agency] if isinstance(agency, AgencyRef) else list(agency or [])
    return any(assignments_of(conn, item, via_group=a) for a in named)


def _members_own_word(conn: Connection, targets: list[Assigned], reported_on: date) -> dict[int, tuple[str, str, str]]:
    """The parts whose member's word stands against a group report dated ``reported_on``: done, or
    reported by the member on its own (not with a group or --all batch, not an undo) on or after it."""
    kept = {}
    for t in targets:
        row = conn.one(f"SELECT status, reported_on, batch, reverses_id FROM status_update WHERE assignment_id = ? "
                       f"{_NEWEST_FIRST} LIMIT 1", (t.id,))
        if row is None:
            continue
        status, on, batch, reverses = row
        if status in (rules.DONE, rules.CLAIMED) or (batch is None and reverses is None and on >= reported_on.isoformat()):
            kept[t.id] = (t.agency, status, on)
    return kept


def check_note(note: str | None, field: str = "note") -> str | None:
    """A note or reason as stored: as typed, None when blank, refused when too long or when it holds
    a character :mod:`tasklist.text` refuses (control, bidirectional override, invisible)."""
    if note is None:
        return None
    text.check(note, field)
    if not note.strip():
        return None
    if len(note) > MAX_NOTE:
        raise BadInput("error.too_long", field=text.field_label(field), length=len(note), limit=MAX_NOTE)
    return note


def check_name(name: str | None, field: str) -> str | None:
    """A person's name as typed (--by, --approved-by), as stored: stripped, None when blank, refused like a note."""
    if name is None:
        return None
    text.check(name, field)
    name = name.strip()
    if len(name) > MAX_NAME:
        raise BadInput("error.too_long", field=text.field_label(field), length=len(name), limit=MAX_NAME)
    return name or None


def check_update(status: str, progress: int | None, note: str | None, reported_on: date, as_of: date) -> str:
    """Check one update's values; returns the status key. Raises BadInput naming the field."""
    key = rules.parse_status(status)
    if key == rules.CLAIMED:
        raise BadInput("error.status_claimed", hint="error.status_claimed_hint")
    if key is None or key not in rules.REPORTABLE:  # 待交办 is an item's state, not a report
        choices = join(f"{v}（{k}）" if current_lang() == "zh" else f"{k} ({v})" for k, v in rules.STATUS_LABELS_ZH.items()
                      if k in rules.REPORTABLE)
        raise BadInput("error.unknown_status", hint="error.status_hint", status=status, choices=choices)
    if progress is not None and (isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100):
        raise BadInput("error.progress_range", progress=progress)
    check_note(note)
    if reported_on > as_of:
        raise BadInput("error.report_future", hint="error.date_future_hint", day=reported_on, today=as_of)
    return key


@dataclass(frozen=True)
class NewUpdate:
    """One status update to append, already checked (see :func:`check_update`)."""

    assignment_id: int
    status: str
    progress: int | None
    note: str | None
    reported_on: date


def _append(conn: Connection, updates: Sequence[NewUpdate], *, source: str, batch: str | None,
            reported_by: str | None = None, carry: bool = True) -> list[int]:
    """Append updates. Who recorded them is the OS user here; on PostgreSQL the database replaces it
    with its session user (a trigger), so no client can record in another's name. ``carry``: a
    report with no progress figure keeps the part's last one (rules.progress_for)."""
    stamp, by = now_utc(), current_user()
    ids = []
    for u in updates:
        previous = None
        if u.progress is None and carry:  # carried forward from the part's latest report (rules.progress_for)
            previous = conn.value(f"SELECT progress FROM status_update WHERE assignment_id = ? {_NEWEST_FIRST} LIMIT 1",
                                  (u.assignment_id,))
        ids.append(conn.insert(
            "INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, "
            "recorded_by, source, batch, reported_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (u.assignment_id, u.status, rules.progress_for(u.status, u.progress, previous), u.note,
             u.reported_on.isoformat(), stamp, by, source, batch, reported_by),
        ))
    return ids


def record_update(
    conn: Connection,
    item: ItemRef,
    *,
    status: str,
    as_of: date,
    agency: AgencyRef | Sequence[AgencyRef] | None = None,
    all_agencies: bool = False,
    progress: int | None = None,
    note: str | None = None,
    reported_on: date | None = None,
    reported_by: str | None = None,
    source: str = "cli",
    skipped: list[tuple[str, str, str]] | None = None,
    evidence: Sequence[EvidenceFile] = (),
    verified: bool = False,
) -> list[int]:
    """Append one update per targeted assignment; returns their ids. ``reported_by``: the person
    the clerk records for, kept beside (never instead of) who recorded it.

    Where the plan verifies completion (``plan.review``), done is a completion claim (申请销号,
    status ``claimed``) with a required note and the ``evidence`` files, which the office accepts
    or returns (:func:`review_claim`); ``verified``: the office's own report, accepted as it is
    made (the part is done, and a review row says the office verified it then).

    A report for a group (各设区市人民政府) stands for each member's part, except where the member's
    own word stands: a part that is done, or that the member reported on its own on or after this
    report's date, is left as it is. Each part left is added to ``skipped`` as (agency, status,
    reported_on); when every part is left, nothing is recorded and that is an error."""
    reported_on = reported_on or as_of
    key = check_update(status, progress, note, reported_on, as_of)
    if key != rules.DONE and (evidence or verified):
        raise BadInput("error.evidence_not_claim" if evidence else "error.verified_not_done")
    with conn.transaction():
        if not item.archived and not assignments_of(conn, item):  # 待交办: said before anything about the report
            raise BadInput("error.unassigned_item", hint="error.unassigned_item_hint", code=item.code)
        reviews = key == rules.DONE and plan_reviews(conn, item.plan_id)
        if reviews and not verified:
            key = rules.CLAIMED
            if not check_note(note):
                raise BadInput("error.claim_note", hint="error.claim_note_hint", code=item.code)
        elif evidence and not reviews:
            raise BadInput("error.evidence_not_claim")
        targets = _targets(conn, item, agency, all_agencies)
        if _is_group(conn, item, agency):
            kept = _members_own_word(conn, targets, reported_on)
            if kept and len(kept) == len(targets):
                raise BadInput("error.group_all_own_word", hint="error.group_all_own_word_hint", code=item.code,
                               names=join(name for name, _, _ in kept.values()))
            if skipped is not None:
                skipped.extend(kept.values())
            targets = [t for t in targets if t.id not in kept]
        batch = uuid.uuid4().hex if len(targets) > 1 else None
        rows = [NewUpdate(t.id, key, progress, check_note(note), reported_on) for t in targets]
        try:
            ids = _append(conn, rows, source=source, batch=batch, reported_by=check_name(reported_by, "--by"))
            if reviews:
                attach_evidence(conn, ids, evidence)
            if reviews and verified:  # the office's own report, verified as it is made: the report is its own claim
                stamp, by = now_utc(), current_user()
                for update_id in ids:
                    conn.execute("INSERT INTO review (claim_id, verdict, reason, reviewed_on, update_id, recorded_at, "
                                 "recorded_by) VALUES (?,?,?,?,?,?,?)",
                                 (update_id, rules.ACCEPTED, None, as_of.isoformat(), update_id, stamp, by))
        except Forbidden:
            if verified:
                raise Forbidden("error.review_forbidden") from None
            raise
        return ids


def plan_reviews(conn: Connection, plan_id: str) -> bool:
    """Whether the plan verifies completion: an agency's done is then a claim the office reviews."""
    return bool(conn.value("SELECT review FROM plan WHERE id = ?", (plan_id,)))


def attach_evidence(conn: Connection, claim_ids: Sequence[int], files: Sequence[EvidenceFile]) -> None:
    """Store each file once (by its SHA-256) and name it on each claim, inside the caller's transaction."""
    if not files:
        return
    stamp, by = now_utc(), current_user()
    for f in bounded(list(files)):
        conn.execute("INSERT INTO evidence_blob (sha256, media_type, size, content) VALUES (?,?,?,?) "
                     "ON CONFLICT (sha256) DO NOTHING", (f.sha256, f.media_type, f.size, f.content))
        for claim_id in claim_ids:
            conn.execute("INSERT INTO evidence (update_id, sha256, file_name, recorded_at, recorded_by) VALUES (?,?,?,?,?)",
                         (claim_id, f.sha256, f.name, stamp, by))


def pending_claims(conn: Connection, item: ItemRef, agency: AgencyRef | None) -> list[tuple[int, str]]:
    """(claim id, agency) of the parts of ``item`` (``agency``'s, or any) whose latest update is a claim."""
    if item.archived:
        raise BadInput("error.archived_no_updates", code=item.code)
    assigned = assignments_of(conn, item)
    if agency is not None:
        assigned = [a for a in assigned if a.agency == agency.name] or assignments_of(conn, item, via_group=agency)
        if not assigned:
            raise BadInput("error.not_assigned", agency=agency.name, code=item.code,
                           names="、".join(a.agency for a in assignments_of(conn, item)))
    found = []
    for a in assigned:
        row = conn.one(f"SELECT id, status FROM status_update WHERE assignment_id = ? {_NEWEST_FIRST} LIMIT 1", (a.id,))
        if row is not None and row[1] == rules.CLAIMED:
            found.append((row[0], a.agency))
    return found


def review_claim(conn: Connection, item: ItemRef, *, agency: AgencyRef | None, accept: bool, reason: str | None,
                 on: date, as_of: date) -> list[int]:
    """The office's verdict on the pending completion claims of ``agency``'s part (or of each member's
    part, for a group named on the item): accepted (销号: the part is closed as of the claim's date)
    or returned (退回: in progress again, the ``reason`` its note). Returns the updates appended."""
    if on > as_of:
        raise BadInput("error.date_future", hint="error.date_future_hint", option="--on", day=on, today=as_of)
    checked = check_note(reason, "reason")
    if not accept and not checked:
        raise BadInput("error.return_reason")
    with conn.transaction():
        claims = pending_claims(conn, item, agency)
        if not claims:
            who = agency.name if agency else join(a.agency for a in assignments_of(conn, item))
            raise BadInput("error.no_claim", hint="error.no_claim_hint", code=item.code, agency=who)
        if agency is None and len(claims) > 1:
            raise BadInput("error.claim_agency", code=item.code, count=len(claims), names=join(a for _, a in claims))
        return [_verdict(conn, claim_id, accept=accept, reason=checked, on=on) for claim_id, _ in claims]


def _verdict(conn: Connection, claim_id: int, *, accept: bool, reason: str | None, on: date) -> int:
    """Record one verdict and the update it implies, inside the caller's transaction."""
    claim = conn.one(f"SELECT {_UPDATE_COLS} FROM status_update WHERE id = ?", (claim_id,))
    assert claim is not None and claim[2] == rules.CLAIMED
    done = conn.one("SELECT verdict, reviewed_on FROM review WHERE claim_id = ?", (claim_id,))
    if done is not None:
        raise BadInput("error.already_reviewed", id=claim_id, day=done[1], verdict=_verdict_word(done[0]))
    if on.isoformat() < claim[5]:
        raise BadInput("error.review_before_claim", day=on, claimed=claim[5])
    if accept:  # closed as of the claim's date: the claim, once accepted, stopped the clock then
        update = NewUpdate(claim[1], rules.DONE, claim[3], claim[4], date.fromisoformat(claim[5]))
        source = rules.SOURCE_VERIFY
    else:  # in progress again, with the progress reported before the claim
        before = conn.value(f"SELECT progress FROM status_update WHERE assignment_id = ? AND id <> ? {_NEWEST_FIRST} "
                            "LIMIT 1", (claim[1], claim_id))
        update = NewUpdate(claim[1], rules.IN_PROGRESS, before, reason, on)
        source = rules.SOURCE_RETURN
    try:
        # a return keeps the progress reported before the claim, not the claim's 100 %
        [update_id] = _append(conn, [update], source=source, batch=None, carry=accept)
        conn.execute("INSERT INTO review (claim_id, verdict, reason, reviewed_on, update_id, recorded_at, recorded_by) "
                     "VALUES (?,?,?,?,?,?,?)", (claim_id, rules.ACCEPTED if accept else rules.RETURNED, reason,
                                                on.isoformat(), update_id, now_utc(), current_user()))
    except Conflict:  # another office desk reviewed it between our check and our insert
        raise BadInput("error.already_reviewed", id=claim_id, day=on, verdict="?") from None
    except Forbidden:
        raise Forbidden("error.review_forbidden") from None
    audit(conn, "review", str(claim_id), {"verdict": rules.ACCEPTED if accept else rules.RETURNED, "reason": reason,
                                          "reviewed_on": on.isoformat(), "update": update_id})
    return update_id


def _verdict_word(verdict: str) -> str:
    from ..i18n import Labels

    return Labels()(f"verdict_{verdict}")


_UPDATE_COLS = "id, assignment_id, status, progress, note, reported_on, recorded_at, batch, reverses_id"
_NEWEST_FIRST = "ORDER BY reported_on DESC, recorded_at DESC, id DESC"


def undo(conn: Connection, update_id: int, *, reported_by: str | None = None, whole_batch: bool = False,
         left: list[int] | None = None) -> list[int]:
    """Append the reversal of an update, or with ``whole_batch`` of every update recorded with it in
    one batch (--all, several agencies, a group).

    Only an assignment's latest update can be undone: a reversal restores what was in force just
    before it, which would be wrong once newer updates exist. An update of a batch is undone only
    with its batch (``whole_batch``); then the batch's parts that have moved on since (a newer
    report) are left as they are and their update ids added to ``left``. A unique index on
    ``reverses_id`` makes a second reversal of the same update fail on both engines, even when two
    run at once.
    """
    by = current_user()
    with conn.transaction():
        row = conn.one(f"SELECT {_UPDATE_COLS} FROM status_update WHERE id = ?", (update_id,))
        if row is None:
            raise NotFound("error.no_update", hint="error.no_update_hint", id=update_id)
        batch = row[7]
        rows = conn.all(f"SELECT {_UPDATE_COLS} FROM status_update WHERE batch = ? ORDER BY id", (batch,)) if batch else [row]
        if len(rows) > 1 and not whole_batch:
            raise BadInput("error.in_batch", hint="error.in_batch_hint", id=update_id, count=len(rows),
                           ids=join(f"#{r[0]}" for r in rows))
        stamp = now_utc()
        reversal_ids = []
        moved_on = []
        for r in rows:
            if conn.one("SELECT id FROM status_update WHERE reverses_id = ?", (r[0],)):
                raise BadInput("error.already_undone", id=r[0])
            # a verdict on another's claim stands; the office's own report verified as made may be undone
            verdict = conn.value("SELECT verdict FROM review WHERE update_id = ? AND claim_id <> update_id", (r[0],))
            if verdict is not None:
                raise BadInput("error.undo_verdict", id=r[0], verdict=_verdict_word(verdict))
            newest = conn.one(f"SELECT {_UPDATE_COLS} FROM status_update WHERE assignment_id = ? {_NEWEST_FIRST} LIMIT 1",
                              (r[1],))
            if newest is not None and newest[0] != r[0]:
                if len(rows) > 1:  # this part of the batch has moved on: its newer word stands
                    moved_on.append(r[0])
                    continue
                raise BadInput("error.not_latest", hint="error.not_latest_hint", id=r[0], newer=newest[0])
            before = conn.one(
                f"SELECT {_UPDATE_COLS} FROM status_update WHERE assignment_id = ? AND id <> ? {_NEWEST_FIRST} LIMIT 1",
                (r[1], r[0]),
            )
            status, progress, note = (before[2], before[3], before[4]) if before else (rules.NOT_STARTED, None, None)
            try:
                reversal_ids.append(conn.insert(
                    "INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, "
                    "recorded_by, source, batch, reverses_id, reported_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (r[1], status, progress, note, r[5], stamp, by, "undo", None, r[0], check_name(reported_by, "--by")),
                ))
            except Conflict:  # another process undid it between our check and our insert
                raise BadInput("error.already_undone", id=r[0]) from None
        if not reversal_ids:
            raise BadInput("error.batch_moved_on", hint="error.not_latest_hint", id=update_id)
        if left is not None:
            left.extend(moved_on)
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
) -> int:
    """Record a new due date (延期) for an item, or for one agency's part; the original is kept."""
    checked = check_note(reason, "reason")
    if not checked:
        raise BadInput("error.extension_reason")
    reason = checked.strip()
    approved_by = check_name(approved_by, "--approved-by")
    with conn.transaction():
        if agency is not None:
            # one agency's part, or each member's part when a group named on the item is given
            targets: list[int | None] = [t.id for t in _targets(conn, item, agency, False)]
        elif item.archived:
            raise BadInput("error.archived", code=item.code)
        else:
            targets = [None]
        for target in targets:  # an extension moves the deadline later, never earlier
            if target is None:
                due = conn.value(f"SELECT {rules.SQL_ITEM_DUE} FROM item i WHERE i.id = ?", (as_of.isoformat(), item.id))
            else:
                due = conn.value(f"SELECT {rules.SQL_CURRENT_DUE} FROM assignment a JOIN item i ON i.id = a.item_id "
                                 "WHERE a.id = ?", (as_of.isoformat(), as_of.isoformat(), target))
            if due is not None and to.isoformat() <= due:
                raise BadInput("error.extension_earlier", code=item.code, due=due, as_of=as_of, to=to.isoformat())
        stamp, by = now_utc(), current_user()
        ids = [
            conn.insert(
                "INSERT INTO extension (item_id, assignment_id, new_due, reason, approved_by, granted_on, recorded_at, "
                "recorded_by) VALUES (?,?,?,?,?,?,?,?)",
                (item.id, assignment_id, to.isoformat(), reason, approved_by, as_of.isoformat(), stamp, by),
            )
            for assignment_id in targets
        ]
        audit(conn, "extend", item.code, {"agency": agency.name if agency else None, "new_due": to.isoformat(),
                                          "granted_on": as_of.isoformat(), "reason": reason, "approved_by": approved_by,
                                          "extensions": ids})
        return ids[0]


def assign(conn: Connection, item: ItemRef, agencies: Sequence[AgencyRef], *, lead: AgencyRef | None, on: date,
           as_of: date) -> list[str]:
    """The office assigns an item (交办) to ``agencies`` on ``on``: one part each (a group with members:
    one per member, via the group). On an item with no lead yet, ``lead`` (else the first named) leads
    and the rest are co-responsible; on an item that has a lead, the agencies named join as co-responsible
    and ``lead`` is refused. Recorded in the assignment table and in the audit log (action ``assign``,
    with the date): a later registry load keeps every part the log says was assigned this way.
    Returns the names of the agencies given parts, in order."""
    if on > as_of:
        raise BadInput("error.date_future", hint="error.assign_future_hint", option="--on", day=on, today=as_of)
    if item.archived:
        raise BadInput("error.archived", code=item.code)
    named = list(agencies)
    if lead is not None:
        named = [lead, *(a for a in named if a.id != lead.id)]
    seen: set[int] = set()
    for a in named:
        if a.id in seen:
            raise BadInput("error.assign_twice", agency=a.name)
        seen.add(a.id)
    with conn.transaction():
        rows = {r[0]: r for r in conn.all(
            "SELECT agency_id, id, role, archived, position FROM assignment WHERE item_id = ?", (item.id,))}
        live = [r for r in rows.values() if not r[3]]
        leader = next((r for r in live if r[2] == "lead"), None)
        if leader is not None and lead is not None:
            current = conn.value("SELECT name FROM agency WHERE id = ?", (leader[0],))
            raise BadInput("error.assign_has_lead", hint="error.assign_has_lead_hint", code=item.code, lead=current)
        parts: list[tuple[AgencyRef, int | None, str]] = []
        for position, agency in enumerate(named):
            role = "lead" if leader is None and position == 0 else "co"
            group = members(conn, agency)
            for target, via in ([(m, agency.id) for m in group] if group else [(agency, None)]):
                if target.id in rows and not rows[target.id][3]:
                    raise BadInput("error.already_assigned", code=item.code, agency=target.name)
                if all(p[0].id != target.id for p in parts):
                    parts.append((target, via, role))
        position = max((r[4] for r in rows.values()), default=-1) + 1
        for target, via, role in parts:
            if target.id in rows:  # a part archived by an earlier load: it comes back, its history with it
                conn.execute("UPDATE assignment SET role = ?, position = ?, via_group_id = ?, archived = 0 WHERE id = ?",
                             (role, position, via, rows[target.id][1]))
            else:
                conn.execute("INSERT INTO assignment (item_id, agency_id, role, position, via_group_id, archived) "
                             "VALUES (?,?,?,?,?,0)", (item.id, target.id, role, position, via))
            position += 1
        audit(conn, "assign", item.code, {
            "plan": item.plan_id, "on": on.isoformat(),
            "agencies": [t.name for t, _, _ in parts], "lead": next((t.name for t, _, r in parts if r == "lead"), None),
        })
        return [t.name for t, _, _ in parts]


def assigned_by_office(conn: Connection, plan_id: str) -> set[tuple[str, str]]:
    """(item code, agency name) of every part of ``plan_id`` the office assigned with :func:`assign`,
    as the audit log records them: the parts a registry load keeps though the registry does not name them."""
    out: set[tuple[str, str]] = set()
    for subject, detail in conn.all("SELECT subject, detail FROM audit_log WHERE action = 'assign'"):
        entry = json.loads(detail) if detail else {}
        if entry.get("plan") == plan_id:
            out.update((subject, name) for name in entry.get("agencies", []))
    return out


def set_email(conn: Connection, agency: AgencyRef, addresses: list[str]) -> list[str]:
    """Replace an agency's contact addresses ("王科长 <wang@example.org>" or a bare address). A group
    has none: its members are reminded, each at its own address."""
    if agency.kind == "group":
        raise BadInput("error.group_email", agency=agency.name)
    parsed = [mailbox(a) for a in addresses]
    bad = [a for a, p in zip(addresses, parsed, strict=True) if p is None]
    if bad:
        raise BadInput("error.not_email", bad=join(f"“{b}”" if current_lang() == "zh" else repr(b) for b in bad))
    addresses = [format_mailbox(*p) for p in parsed if p is not None]
    with conn.transaction():
        before = conn.value("SELECT email FROM agency WHERE id = ?", (agency.id,))
        conn.execute("UPDATE agency SET email = ? WHERE id = ?", (", ".join(addresses) or None, agency.id))
        audit(conn, "set-email", agency.name, {"from": [format_mailbox(*m) for m in mailboxes(before)], "to": addresses})
    return addresses


def log_reminder(conn: Connection, *, agency_id: int, items: list[str], level: int, as_of: date, message_id: str,
                 recipients: list[str], sent_by: str, channel: str = "smtp") -> None:
    """Record one reminder delivered, so that the next one escalates and none goes twice by mistake."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO reminder_log (agency_id, items, level, as_of, sent_at, message_id, recipients, sent_by) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (agency_id, json.dumps(items), level, as_of.isoformat(), now_utc(), message_id, ",".join(recipients), sent_by),
        )
        audit(conn, "remind", str(agency_id), {"items": items, "level": level, "as_of": as_of.isoformat(),
                                               "message_id": message_id, "recipients": recipients,
                                               "channel": channel})


def log_load(conn: Connection, *, plan_id: str, files: list[str], digests: dict[str, str],
             summary: dict[str, int]) -> None:
    """Record a registry load (inside the load's own transaction), with a digest of each file. A
    file's path may hold bytes that are not UTF-8 (Linux allows them): it is recorded with those
    escaped."""
    shown = [text.visible(f) for f in files]
    conn.execute(
        "INSERT INTO load_log (plan_id, loaded_at, loaded_by, files, summary) VALUES (?,?,?,?,?)",
        (plan_id, now_utc(), current_user(), json.dumps(shown, ensure_ascii=False), json.dumps(summary, sort_keys=True)),
    )
    audit(conn, "load", plan_id, {"files": {text.visible(f): d for f, d in digests.items()}, "changed": summary})


def audit(conn: Connection, action: str, subject: str, detail: dict[str, Any] | None) -> None:
    """Append one entry to the audit log, inside the caller's transaction. On PostgreSQL the
    database records the actor (its session user), whatever is sent here."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?,?,?,?,?)",
        (now_utc(), current_user(), action, subject,
         json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail is not None else None),
    )


def record_export(conn: Connection, agency: AgencyRef, plan_id: str, as_of: date, rows: list[dict[str, Any]]) -> int:
    """Record a feedback export (its rows and their state now); returns the export id the workbook carries."""
    with conn.transaction():
        export_id = conn.insert(
            "INSERT INTO feedback_export (agency_id, plan_id, as_of, exported_at, exported_by, rows) VALUES (?,?,?,?,?,?)",
            (agency.id, plan_id, as_of.isoformat(), now_utc(), current_user(),
             json.dumps(rows, ensure_ascii=False, sort_keys=True)),
        )
        return export_id


def record_feedback(conn: Connection, agency: AgencyRef, export_id: int, file_name: str,
                    rows: Sequence[tuple[str, NewUpdate, bool]], *, digest: str, reported_by: str | None,
                    held_back: list[str]) -> list[int]:
    """Append the updates of a signed feedback file and mark each of its rows imported, in one
    transaction: (code, update, forced) per row. A row of an export is imported at most once (a
    unique key refuses the second, even from another process at the same moment)."""
    reported_by = check_name(reported_by, "--by")
    text.check(file_name, "feedback file name")
    for _, u, _ in rows:
        check_note(u.note)
    with conn.transaction():
        ids = _append(conn, [u for _, u, _ in rows], source=f"import:{file_name}", batch=None, reported_by=reported_by)
        stamp = now_utc()
        for (code, _, forced), update_id in zip(rows, ids, strict=True):
            try:
                conn.execute("INSERT INTO feedback_row (export_id, code, update_id, imported_at, file_name, forced) "
                             "VALUES (?,?,?,?,?,?)", (export_id, code, update_id, stamp, file_name, int(forced)))
            except Conflict:
                raise BadInput("error.import_race", hint="error.import_race_hint", file=file_name, code=code,
                               export=export_id) from None
        conn.execute(
            "INSERT INTO import_log (agency_id, file_name, content_key, rows, imported_at, imported_by) VALUES (?,?,?,?,?,?)",
            (agency.id, file_name, f"{digest}:{export_id}:{stamp}", len(ids), stamp, current_user()),
        )
        audit(conn, "import", file_name, {"agency": agency.name, "export": export_id, "digest": digest,
                                          "rows": len(ids), "updates": ids, "held_back": held_back,
                                          "forced": [code for code, _, forced in rows if forced]})
        return ids


# --------------------------------------------------------------------------- quantitative targets (指标)

_NUMBER_WITH_UNIT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")
MAX_TARGET_VALUE = 1e15  # as the registry allows for a target


def parse_target_value(text_value: str, unit: str) -> float:
    """A measured value as typed: a number in the target's unit, optionally followed by that unit
    (``2.7``, ``2.7万亿元``, ``16 %``); another unit, or anything that is not a number, is refused."""
    text.check(text_value, "value")
    m = _NUMBER_WITH_UNIT.match(text_value)
    if m is None:
        raise BadInput("error.target_value", hint="error.target_value_hint", value=text_value, unit=unit)
    if m[2] and m[2] != unit:
        raise BadInput("error.target_unit", value=text_value, given=m[2], unit=unit)
    value = float(m[1])
    if not math.isfinite(value) or abs(value) > MAX_TARGET_VALUE:
        raise BadInput("error.target_value", hint="error.target_value_hint", value=text_value, unit=unit)
    return value


def record_target_report(conn: Connection, target: TargetRef, value: str, *, on: date, today: date,
                         note: str | None = None, source: str | None = None) -> int:
    """Append a measured value of ``target`` (as of ``on``, in its unit); returns the new row's id.
    Never for a day that has not come, nor before the plan was issued; on PostgreSQL the database
    records who wrote it, and lets an agency's clerk report only on the targets it is responsible for."""
    if target.archived:
        raise BadInput("error.target_archived", code=target.code)
    number = parse_target_value(value, target.unit)
    if on > today:
        raise BadInput("error.report_future", hint="error.date_future_hint", day=on, today=today)
    issued = conn.value("SELECT issued FROM plan WHERE id = ?", (target.plan_id,))
    if issued and on.isoformat() < issued:
        raise BadInput("error.target_before_plan", day=on, issued=issued)
    note = check_note(note)
    source = check_note(source, "source")
    with conn.transaction():
        return conn.insert(
            "INSERT INTO target_report (target_id, value, reported_on, note, source, recorded_at, recorded_by) "
            "VALUES (?,?,?,?,?,?,?)", (target.id, number, on.isoformat(), note, source, now_utc(), current_user()))
