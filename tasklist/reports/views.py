"""The rows of the list / show / status / overdue / history / agencies commands, as data.

Listings judge in full only the rows they show; the totals come from the database
(:mod:`tasklist.reports.totals`), which keeps a screenful of a 100 000-item plan fast."""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
import json
from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import Any, NamedTuple

from .. import rules
from ..registry.names import format_mailbox, mailboxes
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, ItemRef
from .facts import (
    AgencySummary,
    AssignmentState,
    ItemState,
    agency_assignments,
    overdue_groups,
    overdue_parts,
    snapshot,
    summarize,
)
from .totals import agency_summary, first_items_per_agency, overdue_facts, unassigned_item_ids


class OverdueView(NamedTuple):
    """The overdue report: its rows (all, or the first ``limit``) and the totals of all of them."""

    groups: dict[str, list[AssignmentState]]
    totals: dict[str, int]  # overdue assignments per agency, every one counted
    items: int
    assignments: int
    #: items awaiting assignment past their due date: no agency's overdue part, told apart (whole plan only)
    unassigned_past_due: int = 0


def overdue_view(conn: Connection, as_of: date, *, agency: AgencyRef | None = None, limit: int | None = None,
                 unassigned: list[ItemState] | None = None,
                 counted: tuple[dict[str, int], int] | None = None) -> OverdueView:
    """Overdue assignments by agency. Which parts are overdue, and the totals, come from the database
    (the SQL twin of the rule); only the rows shown (all, or the first ``limit``) are judged in full,
    which keeps a screenful of a 100 000-item plan fast. When every row is shown, every overdue part is
    judged (:func:`overdue_parts`: its item is not judged as a whole), and the totals are counted from
    them. Every output format goes this one way.
    ``unassigned``: :func:`awaiting_assignment` on ``as_of``, when the caller has it already.
    ``counted``: the totals (overdue parts per agency, agencies in registry order, those with none left
    out) and the number of items with an overdue part, when the caller has counted them already over
    the same facts (the weekly report: its agency summary and item totals); with a ``limit``, only the
    first rows are then asked of the database."""
    if agency is None:
        late_unassigned = sum(i.past_due_unassigned for i in (awaiting_assignment(conn, as_of) if unassigned is None
                                                              else unassigned))
    else:
        late_unassigned = 0
    if limit is None:  # every row shown: the totals are those of the rows, judged in full (no second query)
        groups = overdue_parts(conn, as_of, agency)
        return OverdueView(groups, {name: len(rows) for name, rows in groups.items()},
                           len({a.item.id for rows in groups.values() for a in rows}),
                           sum(len(rows) for rows in groups.values()), late_unassigned)
    facts = overdue_facts(conn, as_of, agency=agency, limit=limit, counted=counted is None)
    if counted is not None:
        facts = facts._replace(totals=counted[0], items=counted[1])
    top = set(facts.first)
    states = snapshot(conn, as_of, item_ids={item_id for _, item_id in top})
    groups = {}
    for name, rows in overdue_groups(conn, states, agency).items():
        kept = [a for a in rows if (name, a.item.id) in top]
        if kept:
            groups[name] = kept
    return OverdueView(groups, facts.totals, facts.items, sum(facts.totals.values()), late_unassigned)


class StatusView(NamedTuple):
    """The status report: one summary row per agency, and each agency's assignments (all, or the
    first ``limit``: the summary's ``assigned`` says how many there are)."""

    summary: list[AgencySummary]
    groups: dict[str, list[AssignmentState]]
    #: the items no agency is assigned yet (待交办): no agency's part, so beside the agencies, not among them
    unassigned: list[ItemState]


def awaiting_assignment(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS) -> list[ItemState]:
    """The live items no agency is assigned (待交办), in registry order, judged on ``as_of`` (those past
    their due date have ``past_due_unassigned``)."""
    ids = unassigned_item_ids(conn)
    return snapshot(conn, as_of, warn_days=warn_days, item_ids=ids) if ids else []


def status_view(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS,
                agency: AgencyRef | None = None, limit: int | None = None, summary_only: bool = False) -> StatusView:
    """Figures from the database (fast on any size of plan); rows judged in full only where shown.
    The items awaiting assignment come with the whole plan's view, not with one agency's."""
    unassigned = awaiting_assignment(conn, as_of, warn_days=warn_days) if agency is None else []
    if limit is None and not summary_only:
        groups = agency_assignments(snapshot(conn, as_of, warn_days=warn_days), agency)
        return StatusView(summarize(conn, groups), groups, unassigned)
    rows = agency_summary(conn, as_of, warn_days=warn_days, agency=agency)
    if summary_only:
        return StatusView(rows, {}, unassigned)
    assert limit is not None  # a None limit returned above, with summary_only or without
    wanted = first_items_per_agency(conn, limit, agency=agency)
    groups = agency_assignments(snapshot(conn, as_of, warn_days=warn_days, item_ids=wanted), agency)
    return StatusView(rows, {name: group[:limit] for name, group in groups.items()}, unassigned)


# --------------------------------------------------------------------------- history


class HistoryRow(NamedTuple):
    id: int
    item: str
    agency: str
    status: str
    progress: int | None
    note: str | None
    reported_on: str
    recorded_at: str
    recorded_by: str
    source: str
    batch: str | None
    reverses: int | None
    reported_by: str | None = None  # the person it was recorded for (--by), beside who recorded it

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


def history(
    conn: Connection,
    *,
    item: ItemRef | None = None,
    agency: AgencyRef | None = None,
    since: date | None = None,
    ids: Collection[int] | None = None,
) -> list[HistoryRow]:
    return list(iter_history(conn, item=item, agency=agency, since=since, ids=ids))


def iter_history(
    conn: Connection,
    *,
    item: ItemRef | None = None,
    agency: AgencyRef | None = None,
    since: date | None = None,
    ids: Collection[int] | None = None,
) -> Iterator[HistoryRow]:
    """The rows of :func:`history`, read from the database a batch at a time (for a long listing)."""
    for r in history_values(conn, item=item, agency=agency, since=since, ids=ids):
        yield HistoryRow(*r)


#: the keys of :meth:`HistoryRow.as_dict`, in the order of the values :func:`history_values` gives
HISTORY_FIELDS = ("id", "item", "agency", "status", "progress", "note", "reported_on", "recorded_at", "recorded_by",
                  "source", "batch", "reverses", "reported_by")
#: the keys of :data:`HISTORY_FIELDS` whose values recur from update to update (the agencies, the few
#: statuses, the days, who records): history --json writes each one's text once. Not the item: at 100k
#: items each recurs ten times, and remembering 100k texts cost more than encoding them
HISTORY_REPEATED = ("agency", "status", "reported_on", "recorded_by", "source", "batch", "reported_by")


def history_values(
    conn: Connection,
    *,
    item: ItemRef | None = None,
    agency: AgencyRef | None = None,
    since: date | None = None,
    ids: Collection[int] | None = None,
    by_id: bool = False,
    part: tuple[bool, tuple[str, int]] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The rows of :func:`iter_history` as the database gives them: a tuple of the values of
    :data:`HISTORY_FIELDS` each (history --json writes a million of them). ``ids``: only these
    updates (what a write just recorded), looked up by id rather than found in the whole history.
    ``by_id``: the item and the agency given as their ids, whose texts :func:`history_names` reads
    once, rather than read as text from each row (and the agency joined to every update).
    ``part``: (False, (day, last)) only the updates reported before ``day``, (True, (day, last)) the
    others, of those numbered up to ``last`` (:func:`history_split`); the whole history's statement is
    otherwise unchanged."""
    params: list[int | str]
    where, params = ["1=1"], []
    if item is not None:
        where.append("a.item_id = ?")
        params.append(item.id)
    if agency is not None:  # a group stands for its members' parts, as in status and overdue
        where.append(rules.SQL_BELONGS_TO)
        params += [agency.id, agency.id]
    if since is not None:
        where.append("u.reported_on >= ?")
        params.append(since.isoformat())
    if ids is not None:
        where.append(f"u.id IN ({', '.join('?' * len(ids)) or 'NULL'})")
        params += sorted(ids)
    # SQLite: the whole history is read in table order and sorted, rather than in date order down
    # ix_update_reported with one random seek into the table per update (1M updates: 7.9 -> 2.8 s for
    # the query). Unfiltered, NOT INDEXED says so and the sort is by the result's own columns, which
    # the sorter then carries once (16 -> 13 values a row: 4 % fewer instructions for the statement
    # at 10k); filtered, the unary + does it, so that a --since range or an item's assignments still
    # seek their indexes
    whole = conn.dialect == "sqlite" and where == ["1=1"]
    if part is not None:  # a half of the whole history: read as the whole is, its day filtered, and the updates
        # those recorded when the split was read (history_split): the halves, read at two moments, then hold
        # no update recorded between them, which one of them would show without the other's of before it
        where.append("u.reported_on >= ? AND u.id <= ?" if part[0] else "u.reported_on < ? AND u.id <= ?")
        params += [part[1][0], part[1][1]]
    plus = "+" if conn.dialect == "sqlite" and not whole else ""
    # the item is joined either way: `item` is the chosen plan's items where the database holds several
    # (lookup.use_plan's view), and the history is that plan's
    named, joins = ("a.item_id, a.agency_id", "") if by_id else ("i.code, g.name", "JOIN agency g ON g.id = a.agency_id ")
    rows = conn.stream(
        f"SELECT u.id, {named}, u.status, u.progress, u.note, u.reported_on, u.recorded_at, u.recorded_by, "
        f"u.source, u.batch, u.reverses_id, u.reported_by FROM status_update u {'NOT INDEXED ' if whole else ''}"
        "JOIN assignment a ON a.id = u.assignment_id "
        f"JOIN item i ON i.id = a.item_id {joins}WHERE {' AND '.join(where)} "
        f"ORDER BY {plus}u.reported_on, {plus}u.recorded_at, {plus}u.id",
        params,
    )
    return rows


#: updates from which the whole history is written in two halves at once (:func:`history_split`): at
#: 100k items (1M updates) 0.60x main's wall with the second core free, +5-10 % CPU (benchmarks/PLANS.md,
#: round 11); below, the fork, the second connection and the copy are not worth it
HISTORY_HALVES_FROM = 200_000


def history_split(conn: Connection) -> tuple[str, int] | None:
    """For history --json of the whole history: a day that parts it near its middle (the updates
    reported before it, then the rest: each a contiguous run of :func:`history_values`' order, the
    day being its first key), read down ix_update_reported, and the largest update id then, which
    bounds both halves (``part``); None for a history too short to part (fewer than
    :data:`HISTORY_HALVES_FROM` updates, told by the largest id)."""
    largest = conn.one("SELECT max(id) FROM status_update")  # one row, NULL on an empty table
    count = (largest[0] or 0) if largest is not None else 0
    if count < max(HISTORY_HALVES_FROM, 2):
        return None
    middle = conn.one("SELECT reported_on FROM status_update ORDER BY reported_on LIMIT 1 OFFSET ?", (count // 2,))
    return (middle[0], count) if middle is not None else None


class _Names(dict[int, str]):
    """Texts by id, read from the database: one not read with the rest (recorded since) is looked up."""

    def __init__(self, conn: Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        super().__init__(rows)
        self.conn, self.sql = conn, sql

    def __missing__(self, key: int) -> str:
        self[key] = text = self.conn.value(self.sql, (key,))
        return text


def history_names(conn: Connection, *, item: ItemRef | None = None) -> dict[str, dict[int, str]]:
    """The texts of the ids :func:`history_values` gives ``by_id``, by key of :data:`HISTORY_FIELDS`:
    every item's code (only ``item``'s, for its history) and every agency's name. Read whole, they pay
    for themselves on a listing of most of the history (at 100k items, 0.04 s for a million updates'
    joins and texts); an item or agency recorded since is looked up when its id comes. The codes are
    streamed into their dict: the 100k rows as one list would double the listing's peak memory."""
    code, name = "SELECT code FROM item WHERE id = ?", "SELECT name FROM agency WHERE id = ?"
    codes = [(item.id, item.code)] if item is not None else conn.stream("SELECT id, code FROM item")
    return {"item": _Names(conn, code, codes), "agency": _Names(conn, name, conn.all("SELECT id, name FROM agency"))}


def extensions(conn: Connection, item: ItemRef) -> list[dict[str, Any]]:
    rows = conn.all(
        "SELECT e.id, g.name, e.new_due, e.reason, e.approved_by, e.granted_on, e.recorded_by FROM extension e "
        "LEFT JOIN assignment a ON a.id = e.assignment_id LEFT JOIN agency g ON g.id = a.agency_id "
        "WHERE e.item_id = ? ORDER BY e.granted_on, e.recorded_at, e.id",
        (item.id,),
    )
    keys = ("id", "agency", "new_due", "reason", "approved_by", "granted_on", "recorded_by")
    return [dict(zip(keys, r)) for r in rows]


def agencies(conn: Connection) -> list[dict[str, Any]]:
    aliases: dict[int, list[str]] = {}
    for agency_id, alias in conn.all("SELECT agency_id, alias FROM agency_alias ORDER BY alias"):
        aliases.setdefault(agency_id, []).append(alias)
    members: dict[int, list[str]] = {}
    for group_id, name in conn.all(
        "SELECT m.group_id, g.name FROM agency_member m JOIN agency g ON g.id = m.member_id ORDER BY m.group_id, m.position"
    ):
        members.setdefault(group_id, []).append(name)
    counts = dict(conn.all(
        "SELECT a.agency_id, count(*) FROM assignment a JOIN item i ON i.id = a.item_id "
        "WHERE a.archived = 0 AND i.archived = 0 GROUP BY a.agency_id"
    ))
    leads = dict(conn.all(
        "SELECT a.agency_id, count(*) FROM assignment a JOIN item i ON i.id = a.item_id "
        "WHERE a.archived = 0 AND i.archived = 0 AND a.role = 'lead' GROUP BY a.agency_id"
    ))
    out = []
    for r in conn.all("SELECT id, name, full_name, kind, name_en, email FROM agency ORDER BY position, id"):
        out.append({
            "name": r[1], "full_name": r[2], "kind": r[3], "name_en": r[4],
            "email": [format_mailbox(*m) for m in mailboxes(r[5])], "aliases": aliases.get(r[0], []),
            "members": members.get(r[0], []), "assignments": counts.get(r[0], 0), "leads": leads.get(r[0], 0),
        })
    return out


def reminder_log(conn: Connection, agency: AgencyRef | None = None) -> list[dict[str, Any]]:
    """Every reminder delivered (or written for the office to send), oldest first."""
    where, params = ("WHERE l.agency_id = ?", (agency.id,)) if agency else ("", ())
    rows = conn.all(
        "SELECT l.id, g.name, l.items, l.level, l.as_of, l.sent_at, l.message_id, l.recipients, l.sent_by "
        f"FROM reminder_log l JOIN agency g ON g.id = l.agency_id {where} ORDER BY l.id",
        params,
    )
    keys = ("id", "agency", "items", "level", "as_of", "sent_at", "message_id", "recipients", "sent_by")
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        d["items"] = json.loads(d["items"])
        d["level_name"] = rules.REMINDER_LEVELS[d["level"]]
        d["recipients"] = d["recipients"].split(",") if d["recipients"] else []
        out.append(d)
    return out


def audit_log(conn: Connection, *, since: date | None = None) -> list[dict[str, Any]]:
    """The audit log, oldest first (``since``: entries on or after that day, UTC)."""
    where, params = ("WHERE at >= ?", [since.isoformat()]) if since else ("", [])
    rows = conn.all(f"SELECT id, at, actor, action, subject, detail FROM audit_log {where} ORDER BY id", params)
    return [{"id": r[0], "at": r[1], "actor": r[2], "action": r[3], "subject": r[4],
             "detail": json.loads(r[5]) if r[5] else None} for r in rows]
