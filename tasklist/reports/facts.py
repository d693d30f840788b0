"""The state of every item and assignment on an as-of date, judged by :mod:`tasklist.rules`.

Nothing here prints or writes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import date
from operator import itemgetter
from typing import Any, ParamSpec, TypeVar

from .. import rules
from ..collector import collector_off
from ..records import Record
from ..storage.connection import Connection, int_array
from ..storage.lookup import ALL_PLANS, AgencyRef, agencies_in_order, plans

_d = date.fromisoformat


def _date(text: str | None) -> date | None:
    return _d(text) if text else None


class AssignmentState(Record):
    FIELDS = ("assignment_id", "agency_id", "agency", "role", "via_group", "via_group_id", "status", "progress", "note",
              "last_report", "due", "overdue", "days_overdue", "due_soon", "stale", "light", "item", "returned")
    __slots__ = FIELDS
    HIDDEN = frozenset({"item"})

    def __init__(self, assignment_id: int, agency_id: int, agency: str, role: str, via_group: str | None,
                 via_group_id: int | None, status: str, progress: int | None, note: str | None, last_report: date | None,
                 due: date | None, overdue: bool, days_overdue: int, due_soon: bool, stale: bool, light: str,
                 item: ItemState, returned: str | None = None) -> None:
        self.assignment_id = assignment_id
        self.agency_id = agency_id
        self.agency = agency
        self.role = role  # lead | co
        self.via_group = via_group
        self.via_group_id = via_group_id
        self.status = status
        self.progress = progress
        self.note = note
        self.last_report = last_report
        self.due = due
        self.overdue = overdue
        self.days_overdue = days_overdue
        self.due_soon = due_soon
        self.stale = stale
        self.light = light
        self.item = item
        #: the reason the office gave when it returned this part's completion claim (退回), while that
        #: return is the update in force
        self.returned = returned

    def belongs_to(self, agency: AgencyRef | None) -> bool:
        """Whether this part is ``agency``'s: its own, or a member's of the group it names (None: any)."""
        return rules.belongs_to(self.agency_id, self.via_group_id, agency.id if agency else None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency, "role": self.role, "lead": self.role == "lead", "via_group": self.via_group,
            "status": self.status, "progress": self.progress, "note": self.note,
            "last_report": _iso(self.last_report), "due": _iso(self.due), "overdue": self.overdue,
            "days_overdue": self.days_overdue, "due_soon": self.due_soon, "stale": self.stale, "light": self.light,
            "returned": self.returned,
        }


class ItemState(Record):
    FIELDS = ("id", "code", "plan_id", "kind", "no", "group", "title", "content", "due_original", "due", "due_text",
              "extensions", "archived", "assignments", "shown_code", "status", "overdue", "days_overdue", "due_soon",
              "stale", "light", "past_due_unassigned")
    __slots__ = FIELDS

    def __init__(self, id: int, code: str, plan_id: str, kind: str, no: int, group: str | None, title: str,
                 content: str | None, due_original: date | None, due: date | None, due_text: str | None, extensions: int,
                 archived: bool, assignments: list[AssignmentState] | None = None, shown_code: str = "",
                 status: str = rules.NOT_STARTED, overdue: bool = False, days_overdue: int = 0, due_soon: bool = False,
                 stale: bool = False, light: str = rules.GREEN, past_due_unassigned: bool = False) -> None:
        self.id = id
        self.code = code
        self.plan_id = plan_id
        self.kind = kind
        self.no = no
        self.group = group
        self.title = title
        self.content = content
        self.due_original = due_original
        self.due = due
        self.due_text = due_text
        self.extensions = extensions
        self.archived = archived
        self.assignments = [] if assignments is None else assignments
        #: the id as a reader tells it apart: PLAN:ID when the items shown come from several plans (--plan all)
        self.shown_code = shown_code
        self.status = status
        self.overdue = overdue
        self.days_overdue = days_overdue
        self.due_soon = due_soon
        self.stale = stale
        self.light = light
        #: awaiting assignment (待交办) after its due date: see :func:`rules.unassigned_past_due`
        self.past_due_unassigned = past_due_unassigned

    @property
    def agencies_listed(self) -> list[str]:
        """Agencies as the registry lists them: a group's members collapse back into the group."""
        return _listed([a.via_group or a.agency for a in self.assignments])

    @property
    def lead(self) -> str | None:
        return self.agencies_listed[0] if self.assignments else None

    def values(self) -> tuple[Any, ...]:
        """The values of :meth:`as_dict` without its assignments, in the order of :data:`ITEM_FIELDS`
        (list --json writes 100k of these without a dict each)."""
        listed = self.agencies_listed  # once: lead is its first
        return (
            self.code, self.plan_id, self.kind, self.no, self.group, self.title, self.content, listed,
            listed[0] if listed else None, [a.agency for a in self.assignments], _iso(self.due), self.due_text,
            _iso(self.due_original), self.extensions, self.status, self.overdue, self.days_overdue, self.due_soon,
            self.stale, self.light, self.archived, self.past_due_unassigned,
        )

    def as_dict(self, *, assignments: bool = True) -> dict[str, Any]:
        out = dict(zip(ITEM_FIELDS, self.values()))
        if assignments:
            out["assignments"] = [a.as_dict() for a in self.assignments]
        return out


#: the keys of :meth:`ItemState.as_dict` (its assignments aside), in the order of :meth:`ItemState.values`
ITEM_FIELDS = ("id", "plan", "kind", "no", "group", "title", "content", "agencies", "lead", "assignees", "due",
               "due_text", "due_original", "extensions", "status", "overdue", "days_overdue", "due_soon", "stale",
               "light", "archived", "past_due_unassigned")
#: the keys of :data:`ITEM_FIELDS` whose values are lists (of agency names)
ITEM_LIST_FIELDS = ("agencies", "assignees")
#: the keys of :data:`ITEM_FIELDS` whose values are strings that recur from item to item (the plan, the
#: groups, the lead agencies, the dates, the statuses): list --json writes each one's text once
ITEM_REPEATED = ("plan", "kind", "group", "lead", "due", "due_text", "due_original", "status", "light")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


_LAST_REPORT = (
    "SELECT r.assignment_id, max(r.reported_on) FROM status_update r WHERE r.assignment_id IN ({ids}) "
    f"AND {rules.SQL_REAL_REPORT} GROUP BY r.assignment_id"
)
#: the columns of a part's row that :func:`_judge_parts` reads, first in every parts statement (then
#: the part's position, and whatever else its caller shows)
_JUDGED_COLUMNS = "a.id, a.item_id, a.agency_id, a.via_group_id, u.status, u.reported_on, u.reverses_id, a.position"
#: a part's row's place: its item, then its position
_ASSIGNMENT_ORDER = itemgetter(1, 7)
#: the items a condition on items (alias i) keeps, in registry order, their columns as ItemState takes them
_ITEMS_SQL = ("SELECT i.id, i.code, i.plan_id, i.kind, i.no, i.grp, i.title, i.content, i.due, i.due_text, i.archived "
              "FROM item i WHERE {item_filter} ORDER BY i.plan_id, i.position, i.id")


def _parts_sql(conn: Connection, item_filter: str, more: str = "", *, many: bool = False,
               items_first: bool = False) -> str:
    """The live parts of the items ``item_filter`` keeps, each with its update in force: the columns
    :data:`_JUDGED_COLUMNS`, then ``more``. Its placeholders: as_of, then the filter's. ``many``: the
    filter keeps a large share of the plan (the update in force found by one pass over the updates,
    :func:`rules.sql_updates_in_force_join`, rather than once per part). ``items_first``: the filter
    leaves out many of the items (the overdue ones' due date): on SQLite, the items are read first (in
    registry order) and only the kept ones' parts looked up, rather than every live part read and its
    item looked up (10k, the overdue parts: 23,409 item lookups; 9.4M fewer instructions)."""
    in_force = rules.sql_updates_in_force_join if many else rules.sql_update_in_force_join
    joined = ("item i CROSS JOIN assignment a ON a.item_id = i.id" if items_first and conn.dialect == "sqlite"
              else "assignment a JOIN item i ON i.id = a.item_id")  # CROSS JOIN: SQLite keeps the order given
    return (f"SELECT {_JUDGED_COLUMNS}{more} FROM {joined} "
            f"{in_force(conn.dialect)} WHERE a.archived = 0 AND {item_filter}")


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _collector_paused(build: Callable[_P, _R]) -> Callable[_P, _R]:
    """``build`` run with Python's cycle collector off. A snapshot allocates a few objects per row
    (the driver's tuples, the states, their dates), all of which stay alive; the collector, started
    every few hundred allocations, walked them again and again and found nothing to free (a third of
    the snapshot's Python time at 100k items). It runs again afterwards, so the states (an item and
    its assignments refer to each other) are freed once dropped."""

    @functools.wraps(build)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with collector_off():
            return build(*args, **kwargs)

    return paused


@_collector_paused
def snapshot(
    conn: Connection,
    as_of: date,
    *,
    warn_days: int = rules.DEFAULT_WARN_DAYS,
    item_ids: Iterable[int] | None = None,
    include_archived: bool = False,
    overdue_only: bool = False,
) -> list[ItemState]:
    """Every item (with its assignments) as it stood on ``as_of``, in registry order.

    ``overdue_only`` skips items that cannot be overdue on ``as_of`` (due on or after it, or
    ongoing, and never extended): a fast path for the overdue report on a large plan; the items
    returned are judged by the same rules.
    """
    items = _parts(conn, as_of, warn_days, item_ids, include_archived, overdue_only)
    for item in items:
        parts_of = item.assignments
        item.overdue, item.days_overdue, item.stale = _summed([a.days_overdue if a.overdue else None for a in parts_of],
                                                              [a.stale for a in parts_of])
        item.status, item.due_soon, item.light, item.past_due_unassigned = _item_verdict(
            [a.status for a in parts_of], item.due, item.overdue, item.stale, as_of, warn_days)
    return items


def _listed(shown: list[str]) -> list[str]:
    """The agencies an item lists, from each part's (its group's name for a member's part, else its
    agency's): each once, in the parts' order."""
    return list(dict.fromkeys(shown))


def _summed(days_overdue: list[int | None], stale: list[bool]) -> tuple[bool, int, bool]:
    """An item's (overdue, days overdue, stale) from its parts': each overdue part's days (None: not
    overdue) and whether each is stale. Overdue if any part is, by the most days of any."""
    late = [days for days in days_overdue if days is not None]
    return bool(late), max(late, default=0), any(stale)


def _item_verdict(statuses: list[str], due: date | None, overdue: bool, stale: bool, as_of: date,
                  warn_days: int) -> tuple[str, bool, str, bool]:
    """An item's (status, due_soon, light, past_due_unassigned) from its parts' statuses, whether any
    part is overdue or stale, and its own due date in force."""
    status = rules.item_status(statuses)
    due_soon = rules.is_due_soon(due, status, as_of, warn_days)
    if status == rules.UNASSIGNED:
        past_due = rules.unassigned_past_due(due, status, as_of)
        return status, due_soon, rules.unassigned_light(past_due), past_due
    return status, due_soon, rules.light(overdue, due_soon, stale, status), False


@_collector_paused
def overdue_parts(conn: Connection, as_of: date, agency: AgencyRef | None = None) -> dict[str, list[AssignmentState]]:
    """:func:`overdue_groups` of the whole plan's :func:`snapshot` (``agency``'s parts only, if given),
    without judging what cannot be overdue: only the parts that may be (:func:`rules.may_be_overdue`:
    not done; their item due before ``as_of`` or extended) are read, and only the overdue ones are
    built, each judged as :func:`snapshot` judges it (at 100k items, 60k of 123k parts read).

    Each part's ``item`` carries what a listing of overdue parts shows of it: its code, plan, kind,
    number, title and due dates (the original, and the one in force through the item's own
    extensions, with their count). Its group, content and due text are not read (None), and it is not
    judged as a whole: its status, light and list of assignments are left as a new ItemState has them."""
    return overdue_groups_of(conn, _overdue_parts(conn, as_of), agency)


@_collector_paused
def open_parts(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS) -> list[AssignmentState]:
    """Every part of the live items that is not done on ``as_of`` (:func:`rules.may_be_overdue`), in
    registry order, each judged as :func:`snapshot` judges it, without reading the done parts or
    judging the items as a whole: what a reminder run needs (the overdue parts are among them, and
    each agency's workbook lists its open ones; at 100k items, 149k of 235k parts, and no statement
    of the items). Each part's ``item`` carries what :func:`overdue_parts` says, and its due text."""
    return _overdue_parts(conn, as_of, warn_days, open_parts=True)


def overdue_groups_of(conn: Connection, parts: Iterable[AssignmentState],
                      agency: AgencyRef | None = None) -> dict[str, list[AssignmentState]]:
    """:func:`overdue_groups` of ``parts`` in registry order (:func:`open_parts`, say), ``agency``'s only if given."""
    groups: dict[str, list[AssignmentState]] = {}
    for part in parts:  # in registry order, as agency_assignments gives a snapshot's
        if part.belongs_to(agency):
            groups.setdefault(part.agency, []).append(part)
    return _most_overdue_first(conn, groups)


#: what a row of :func:`_overdue_parts` brings after :data:`_JUDGED_COLUMNS`: the rest of the part,
#: then of its item what the listing shows (read with each part: a second statement for the items
#: read every column of 5,213 items at 10k, 40 % of the parts statement's instructions)
_OVERDUE_PART_MORE = ", a.role, u.progress, u.note, u.source, i.code, i.plan_id, i.kind, i.no, i.title, i.due, i.position"
#: registry order of those rows: their item's plan, position and id, then the part's position and id
_OVERDUE_PART_ORDER = itemgetter(13, 18, 1, 7, 0)


def _overdue_parts(conn: Connection, as_of: date, warn_days: int = rules.DEFAULT_WARN_DAYS, *,
                   open_parts: bool = False) -> list[AssignmentState]:
    """The overdue parts of the live items, in registry order (see :func:`overdue_parts`); with
    ``open_parts``, every part not done, each item with its due text (see :func:`open_parts`)."""
    day = as_of.isoformat()
    item_filter, params = _item_filter(conn, day, None, False, not open_parts)
    deadlines_of, item_ext, assignment_ext, agency_names = _judging_inputs(conn, as_of, day)
    several_plans = _several_plans(conn, deadlines_of)
    more = _OVERDUE_PART_MORE + (", i.due_text" if open_parts else "")
    sql = _parts_sql(conn, item_filter, more, items_first=not open_parts) + f" AND {rules.SQL_MAY_BE_OVERDUE}"
    if conn.dialect == "postgresql":  # sorted by the server, which then finishes every lookup before its first row
        rows = conn.all(sql + " ORDER BY i.plan_id, i.position, i.id, a.position, a.id", (day, *params))
    else:  # a sort of a few thousand tuples here costs less than SQLite's sorter
        rows = conn.all(sql, (day, *params))
        rows.sort(key=_OVERDUE_PART_ORDER)
    items: dict[int, ItemState] = {}
    for row in rows:
        iid = row[1]
        if iid not in items:
            code, plan_id, kind, no, title, due_text_day = row[12:18]
            due = _d(due_text_day) if due_text_day else None
            items[iid] = ItemState(iid, code, plan_id, kind, no, None, title, None, due, due,
                                   row[19] if open_parts else None, 0, False,
                                   shown_code=f"{plan_id}:{code}" if several_plans else code)
    _extended(items, item_ext, as_of)
    return _judged(conn, as_of, warn_days, items, [row[:12] for row in rows], assignment_ext, agency_names,
                   deadlines_of, True, overdue_only=not open_parts)


def _parts(conn: Connection, as_of: date, warn_days: int, item_ids: Iterable[int] | None, include_archived: bool,
           overdue_only: bool) -> list[ItemState]:
    """The items :func:`snapshot` lists (registry order, not yet judged as a whole), each with its
    parts judged (by position), a part's due date through its extensions."""
    day = as_of.isoformat()
    item_filter, params = _item_filter(conn, day, item_ids, include_archived, overdue_only)
    item_sql = _ITEMS_SQL.format(item_filter=item_filter)
    read_items: Callable[[], list[Any]]
    if conn.dialect == "postgresql":  # the rows made Python values once the parts are asked for, below
        cur = conn.execute(item_sql, params)
        found, read_items = cur.rowcount, cur.fetchall
    else:
        item_rows = conn.all(item_sql, params)
        found, read_items = len(item_rows), lambda: item_rows
    if not found:
        return []
    deadlines_of, item_ext, assignment_ext, agency_names = _judging_inputs(conn, as_of, day)
    several_plans = _several_plans(conn, deadlines_of)
    # the parts are asked for before the items are built: PostgreSQL looks up their updates in force
    # meanwhile. They are sorted here (by item, then position: a stable sort of rows the index gives
    # nearly in that order) instead of by SQLite's sorter.
    with conn.asked(_parts_sql(conn, item_filter, ", a.role, u.progress, u.note, u.source"), (day, *params)) as parts_rows:
        items: dict[int, ItemState] = {}
        for iid, code, plan_id, kind, no, grp, title, content, due_text_day, due_text, archived in read_items():
            due = _d(due_text_day) if due_text_day else None
            items[iid] = ItemState(iid, code, plan_id, kind, no, grp, title, content, due, due, due_text, 0,
                                   bool(archived), shown_code=f"{plan_id}:{code}" if several_plans else code)
        _extended(items, item_ext, as_of)
        rows = parts_rows()
    rows.sort(key=_ASSIGNMENT_ORDER)
    _judged(conn, as_of, warn_days, items, rows, assignment_ext, agency_names, deadlines_of, False, overdue_only=False)
    return list(items.values())


def _judging_inputs(conn: Connection, as_of: date,
                    day: str) -> tuple[dict[str, Any], dict[int, list], dict[int, list], dict[int, str]]:
    """What judging the parts of any items needs beside their rows: each plan's reporting deadlines and
    date of issue (by plan id), the extensions in force on ``day`` (the items', the parts'), and the
    agencies' names by id (a hundred rows, instead of two joins per part)."""
    deadlines_of = {p.id: (rules.reporting_deadlines(p.reporting, as_of), p.issued) for p in plans(conn)}
    item_ext, assignment_ext = _extensions(conn, day)
    return deadlines_of, item_ext, assignment_ext, dict(conn.all("SELECT id, name FROM agency"))


def _several_plans(conn: Connection, deadlines_of: dict[str, Any]) -> bool:
    """Whether the items shown come from several plans (--plan all where the database holds more than
    one: ``deadlines_of`` has a key a plan), each then shown by PLAN:ID."""
    return len(deadlines_of) > 1 and getattr(conn, "plan_scope", None) == ALL_PLANS


def _extended(items: dict[int, ItemState], item_ext: dict[int, list], as_of: date) -> None:
    """Each of ``items`` with extensions of its own (``item_ext``, by item id): its due date through
    them, and their count."""
    for item_id, item_exts in item_ext.items():
        state = items.get(item_id)
        if state is not None:
            state.due = rules.current_due(state.due_original, item_exts, as_of)
            state.extensions = len(item_exts)


def _item_filter(conn: Connection, day: str, item_ids: Iterable[int] | None, include_archived: bool,
                 overdue_only: bool) -> tuple[str, list[Any]]:
    """The condition on items (alias i) of :func:`snapshot`'s arguments, and its parameters."""
    where: list[str] = ["1=1"]
    params: list[Any] = []
    if not include_archived:
        where.append("i.archived = 0")
    if item_ids is not None:
        ids = list(item_ids)
        if conn.dialect == "postgresql":  # one array parameter: planning IN with 5,000 values took 20 ms a statement
            where.append("i.id = ANY(CAST(? AS INTEGER[]))")
            params.append(int_array(ids))
        else:
            where.append(f"i.id IN ({','.join('?' * len(ids))})" if ids else "1=0")
            params += ids
    if overdue_only:
        where.append("(i.due < ? OR EXISTS (SELECT 1 FROM extension e WHERE e.item_id = i.id))")
        params.append(day)
    return " AND ".join(where), params


def _extensions(conn: Connection, day: str) -> tuple[dict[int, list], dict[int, list]]:
    """The extensions granted on or before ``day`` as :func:`rules.current_due` takes them: an item's
    own by item id, an agency's part's by assignment id."""
    item_ext: dict[int, list] = {}
    assignment_ext: dict[int, list] = {}
    for item_id, assignment_id, new_due, granted_on, recorded_at in conn.all(
        "SELECT item_id, assignment_id, new_due, granted_on, recorded_at FROM extension WHERE granted_on <= ?", (day,),
    ):
        target = assignment_ext.setdefault(assignment_id, []) if assignment_id else item_ext.setdefault(item_id, [])
        target.append((_d(new_due), _d(granted_on), recorded_at))
    return item_ext, assignment_ext


def _real_reports(conn: Connection, day: str, undone: list[int]) -> dict[int, str]:
    """The day of the last real report (:data:`rules.SQL_REAL_REPORT`) of each assignment in ``undone``
    (those whose update in force is an undo), where there is one."""
    real_report: dict[int, str] = {}
    for start in range(0, len(undone), 500):
        chunk = undone[start:start + 500]
        real_report.update(conn.all(_LAST_REPORT.format(ids=",".join("?" * len(chunk))), (*chunk, day)))
    return real_report


def _judged(conn: Connection, as_of: date, warn_days: int, items: dict[int, ItemState], rows: list[Any],
            assignment_ext: dict[int, list], agency_names: dict[int, str], deadlines_of: dict[str, Any],
            parts_only: bool, *, overdue_only: bool) -> list[AssignmentState]:
    """The parts of ``rows`` judged (:func:`_judge_parts`), each an AssignmentState, put in their items'
    lists of assignments (:func:`_parts`); or, ``parts_only``, returned instead, in their order
    (:func:`_overdue_parts`). ``overdue_only``: only the overdue ones are built. ``rows``:
    :data:`_JUDGED_COLUMNS`, then the part's role, progress, note and source."""
    parts: list[AssignmentState] = []
    judged = _judge_parts(conn, as_of, warn_days, rows, {iid: (item.due, item.plan_id) for iid, item in items.items()},
                          assignment_ext, deadlines_of, overdue_only)
    light, source_return = rules.light, rules.SOURCE_RETURN
    for _, row, status, due, extensions, (overdue, days_overdue, due_soon), (last_report, stale) in judged:
        aid, item_id, agency_id, via_id, _, _, _, _, role, progress, note, source = row
        item = items[item_id]
        if not parts_only:  # else not every part is read: the item's count is left as it was
            item.extensions += extensions
        (parts if parts_only else item.assignments).append(AssignmentState(
            aid, agency_id, agency_names[agency_id], role, None if via_id is None else agency_names[via_id], via_id,
            status, progress, note, last_report, due, overdue, days_overdue, due_soon,
            stale, light(overdue, due_soon, stale, status), item, note if source == source_return else None,
        ))
    return parts


def _judge_parts(conn: Connection, as_of: date, warn_days: int, rows: list[Any],
                 item_facts: dict[int, tuple[date | None, str]], assignment_ext: dict[int, list],
                 deadlines_of: dict[str, Any], overdue_only: bool) -> Iterator[tuple[Any, ...]]:
    """Each part of ``rows`` (their first columns :data:`_JUDGED_COLUMNS`) judged by the rules, in
    their order: the one place a part is judged, for :func:`snapshot`'s states and list --json's values.

    ``item_facts`` gives each item's (due date in force, plan); the parts of other items are skipped,
    and the parts not overdue too if ``overdue_only``. Yields (item id, row, status, due date through the part's
    extensions, count of those extensions, overdue, days overdue, due soon, last real report, stale).
    A part's judgement depends on its due date and status (and, for staleness, its plan, status and
    last report), so each distinct one is judged once."""
    day = as_of.isoformat()
    real_get = _real_reports(conn, day, [r[0] for r in rows if r[6] is not None]).get  # in force: an undo
    current_due, is_overdue, is_due_soon, days_overdue = rules.current_due, rules.is_overdue, rules.is_due_soon, rules.days_overdue
    stale_against, not_started = rules.stale_against, rules.NOT_STARTED
    facts_get, exts_get = item_facts.get, assignment_ext.get
    by_due: dict[tuple[date | None, str], tuple[bool, int, bool]] = {}  # (overdue, days overdue, due soon)
    by_report: dict[tuple[str, str, str | None], tuple[date | None, bool]] = {}  # (last report, stale)
    for row in rows:
        aid, item_id, status, reported_on, reverses = row[0], row[1], row[4], row[5], row[6]
        facts = facts_get(item_id)
        if facts is None:
            continue
        due, plan_id = facts
        status = status or not_started
        exts = exts_get(aid)
        if exts:
            due = current_due(due, exts, as_of)
        dated = by_due.get((due, status))
        if dated is None:
            overdue = is_overdue(due, status, as_of)
            dated = by_due[due, status] = (overdue, days_overdue(due, as_of) if overdue else 0,
                                           is_due_soon(due, status, as_of, warn_days))
        if overdue_only and not dated[0]:
            continue
        if reverses is not None:
            reported_on = real_get(aid)
        reported = by_report.get((plan_id, status, reported_on))
        if reported is None:
            deadlines, issued = deadlines_of[plan_id]
            last_report = _d(reported_on) if reported_on else None
            reported = by_report[plan_id, status, reported_on] = (
                last_report, stale_against(status, last_report, deadlines, since=issued))
        yield item_id, row, status, due, len(exts) if exts else 0, dated, reported


def iter_item_values(conn: Connection, as_of: date, *, kind: str | None = None, agency: AgencyRef | None = None,
                     status: str | None = None, overdue: bool = False, due_before: date | None = None,
                     warn_days: int = rules.DEFAULT_WARN_DAYS, batch: int = 5000,
                     part: tuple[bool, tuple[list[int], list[int], tuple[Any, ...]]] | None = None) -> Iterator[tuple[Any, ...]]:
    """:meth:`ItemState.values` of each item ``filter_items(snapshot(conn, as_of, overdue_only=overdue), ...)``
    keeps, in the same order, read and judged ``batch`` items at a time: a long listing (list --json)
    never holds every item. Only what those values show is read; each part is judged by
    :func:`_judge_parts`, as a snapshot's are, and each item by :func:`_item_verdict`, but no state is
    built for an item or its parts (at 100k items, 235k parts: no cycles for the collector to free),
    and the plans, agencies and extensions are read once for the whole listing.

    Python's cycle collector is off from the first value until the listing ends or is closed, the
    caller's work on each value included (it is back on as it was, as when a snapshot is built): the
    listing makes no cyclic garbage, yet its rows and values, and list --json's text of them, started
    a thousand passes, seven of them over every object of the process (0.17-0.2 s at 100k items).

    ``part``: (False, halves) only the items of the first of :func:`listing_split`'s two lists of ids,
    (True, halves) those of the second (``halves[2]``: the second's first key, see there)."""
    with collector_off():
        yield from _item_values(conn, as_of, kind, agency, status, overdue, due_before, warn_days, batch, part)


#: live items from which list --json is written in two halves at once (:func:`listing_split`): at
#: 100k items 0.61x main's wall with the second core free, +2-8 % CPU (benchmarks/PLANS.md, round
#: 11); below, the fork, the second connection and the copy are not worth it
LIST_HALVES_FROM = 20_000


def listing_split(conn: Connection, as_of: date, *,
                  overdue: bool = False) -> tuple[list[int], list[int], tuple[Any, ...]] | None:
    """For list --json: the ids of the listing's items in registry order (as :func:`iter_item_values`
    reads them), read once and cut in two at the middle, for its two halves (``part``) to be written
    by two processes, and the (plan, position, id) of the second half's first item. Read once, by one
    statement: a registry reloaded meanwhile (its items' positions changed) cannot put an item in both
    halves or in neither, as a split by the order's key, read again by each half, could. None for a
    listing too short to part (fewer than :data:`LIST_HALVES_FROM` items)."""
    where, params = _item_filter(conn, as_of.isoformat(), None, False, overdue)
    ids = [r[0] for r in conn.all(f"SELECT i.id FROM item i WHERE {where} ORDER BY i.plan_id, i.position, i.id", params)]
    if len(ids) < max(LIST_HALVES_FROM, 2):
        return None
    middle = len(ids) // 2
    key = conn.one("SELECT plan_id, position, id FROM item WHERE id = ?", (ids[middle],))
    if key is None:  # the item gone since (a reload): no key to keep the parts' statement to
        return None
    return ids[:middle], ids[middle:], tuple(key)


def _chunk_rows(conn: Connection, day: str, where: str, params: list[Any], ids: list[int],
                batch: int) -> Iterator[tuple[list[Any], list[Any]]]:
    """The rows of the items ``ids`` (:data:`_ITEMS_SQL`; those ``where`` kept, in registry order) and of
    their parts (:func:`_parts_sql`), ``batch`` items at a time. Each chunk's items are asked for
    (:meth:`Connection.asked`) before the chunk before it is given: on PostgreSQL the server reads them
    while the caller judges and writes that one.

    The parts: on SQLite, each chunk's with its items. On PostgreSQL, those of the whole listing in
    one statement, its updates in force found in one pass (:func:`rules.sql_updates_in_force_join`),
    sorted in registry order and read as a stream, each chunk taking the parts of its items, instead
    of 20 statements of ~11,800 lookups each (100k items: server CPU of the listing 0.91 -> 0.73 s).
    A part whose item is not in the listing (the registry changed between the statements) is given
    with the chunk it comes in, as a chunk's statements would give it; the caller skips it."""
    stream = conn.dialect == "postgresql"
    if stream:
        rank = {item_id: at for at, item_id in enumerate(ids)}
        parts = conn.stream(_parts_sql(conn, where, many=True) + " ORDER BY i.plan_id, i.position, i.id, a.position, a.id",
                            (day, *params), batch=3 * batch)  # a chunk's parts (~2.4 an item) in about one round trip
        pending = next(parts, None)

    def ask(chunk: list[int]) -> tuple[ExitStack, Callable[[], list[Any]], Callable[[], list[Any]] | None]:
        item_filter, chunk_params = _item_filter(conn, day, chunk, False, False)
        with ExitStack() as stack:
            items = stack.enter_context(conn.asked(_ITEMS_SQL.format(item_filter=item_filter), chunk_params))
            own_parts = None if stream else stack.enter_context(
                conn.asked(_parts_sql(conn, item_filter), (day, *chunk_params)))
            return stack.pop_all(), items, own_parts

    asked: tuple[ExitStack, Callable[[], list[Any]], Callable[[], list[Any]] | None] | None = ask(ids[:batch])
    try:
        for at in range(batch, len(ids) + batch, batch):
            assert asked is not None
            with asked[0]:  # read inside its block, which then ends
                item_rows, rows = asked[1](), (asked[2]() if asked[2] else [])
            if stream:
                last = at - 1
                while pending is not None and rank.get(pending[1], -1) <= last:
                    rows.append(pending)
                    pending = next(parts, None)
            asked = ask(ids[at:at + batch]) if at < len(ids) else None
            yield item_rows, rows
    finally:  # the listing left before its end: the chunk asked for is dropped, then the stream
        if asked is not None:
            asked[0].close()
        if stream:
            parts.close()


def _item_values(conn: Connection, as_of: date, kind: str | None, agency: AgencyRef | None, status: str | None,
                 overdue: bool, due_before: date | None, warn_days: int, batch: int,
                 part: tuple[bool, tuple[list[int], list[int], tuple[Any, ...]]] | None = None) -> Iterator[tuple[Any, ...]]:
    """:func:`iter_item_values`, the collector aside."""
    day = as_of.isoformat()
    where, params = _item_filter(conn, day, None, False, overdue)
    if part is not None:  # a half of the listing (listing_split): its items
        ids = list(part[1][1] if part[0] else part[1][0])
        # PostgreSQL's parts statement (of the whole listing, read as a stream) kept to the half by the order's
        # key, as it stood when the ids were read: its index gives the range, where a list of 50,000 ids
        # cost it ~10 % (100k). A part met out of its item's order is taken as one process takes it (_chunk_rows)
        where += f" AND (i.plan_id, i.position, i.id) {'>=' if part[0] else '<'} (?, ?, ?)"
        params = [*params, *part[1][2]]
    else:
        ids = [r[0] for r in conn.all(f"SELECT i.id FROM item i WHERE {where} ORDER BY i.plan_id, i.position, i.id", params)]
    if not ids:
        return
    deadlines_of, item_ext, assignment_ext, agency_names = _judging_inputs(conn, as_of, day)
    keeps = _keeps(kind, status, overdue, due_before)
    wanted = agency.id if agency else None
    current_due, belongs_to = rules.current_due, rules.belongs_to
    dates: dict[str, tuple[date | None, str | None]] = {}  # a due date's text: (the date, its ISO text)
    no_date: tuple[date | None, str | None] = (None, None)
    for item_rows, rows in _chunk_rows(conn, day, where, params, ids, batch):
        rows.sort(key=_ASSIGNMENT_ORDER)  # by item, then position (stable, as snapshot's)
        theirs = None if wanted is None else {r[1] for r in rows if belongs_to(r[2], r[3], wanted)}
        # the items the listing may keep, by its filters on what is not judged, with their due dates
        kept: list[tuple[Any, tuple[date | None, str | None]]] = []
        item_facts: dict[int, tuple[date | None, str]] = {}
        for row in item_rows:
            iid, due_text_day = row[0], row[8]
            if (kind and row[3] != kind) or (theirs is not None and iid not in theirs):
                continue
            original = no_date
            if due_text_day:
                original = dates.get(due_text_day) or dates.setdefault(
                    due_text_day, (_d(due_text_day), _d(due_text_day).isoformat()))
            item_exts = item_ext.get(iid)
            item_facts[iid] = (current_due(original[0], item_exts, as_of) if item_exts else original[0], row[2])
            kept.append((row, original))
        # each kept item's parts' judged facts, gathered as they come (by item): their statuses, the
        # names they show (a member's part its group's), their agencies, their days overdue (None: not
        # overdue), whether each is stale, and their extensions
        gathered: dict[int, tuple[list[str], list[str], list[str], list[int | None], list[bool], list[int]]] = {}
        current = None
        for item_id, row, part_status, _, part_extensions, (part_late, days, _), (_, part_stale) in _judge_parts(
                conn, as_of, warn_days, rows, item_facts, assignment_ext, deadlines_of, False):
            if item_id != current:
                current = item_id
                statuses, shown, assignees, part_days, part_stales, part_counts = gathered[item_id] = ([], [], [], [], [], [])
            statuses.append(part_status)
            name = agency_names[row[2]]
            assignees.append(name)
            shown.append(name if row[3] is None else agency_names[row[3]])
            part_days.append(days if part_late else None)
            part_stales.append(part_stale)
            part_counts.append(part_extensions)
        nothing: tuple[list[str], list[str], list[str], list[int | None], list[bool], list[int]] = ([], [], [], [], [], [])
        for (iid, code, plan_id, item_kind, no, grp, title, content, _, due_text, archived), original in kept:
            due = item_facts[iid][0]
            statuses, shown, assignees, part_days, part_stales, part_counts = gathered.get(iid, nothing)
            late, most, stale = _summed(part_days, part_stales)
            listed = _listed(shown)
            item_exts = item_ext.get(iid)
            extensions = sum(part_counts) + (len(item_exts) if item_exts else 0)
            item_status, due_soon, light, past_due = _item_verdict(statuses, due, late, stale, as_of, warn_days)
            if keeps and not keeps(item_kind, item_status, late, due):
                continue
            yield (code, plan_id, item_kind, no, grp, title, content, listed, listed[0] if listed else None, assignees,
                   original[1] if due is original[0] else _iso(due), due_text, original[1], extensions, item_status,
                   late, most, due_soon, stale, light, bool(archived), past_due)


# --------------------------------------------------------------------------- listings


def filter_items(
    items: Iterable[ItemState],
    *,
    kind: str | None = None,
    agency: AgencyRef | None = None,
    status: str | None = None,
    overdue: bool = False,
    due_before: date | None = None,
) -> list[ItemState]:
    return list(iter_filter_items(items, kind=kind, agency=agency, status=status, overdue=overdue, due_before=due_before))


def iter_filter_items(
    items: Iterable[ItemState],
    *,
    kind: str | None = None,
    agency: AgencyRef | None = None,
    status: str | None = None,
    overdue: bool = False,
    due_before: date | None = None,
) -> Iterator[ItemState]:
    keeps = _keeps(kind, status, overdue, due_before)
    for item in items:
        if agency and not any(a.belongs_to(agency) for a in item.assignments):
            continue
        if keeps and not keeps(item.kind, item.status, item.overdue, item.due):
            continue
        yield item


def _keeps(kind: str | None, status: str | None, overdue: bool,
           due_before: date | None) -> Callable[[str, str, bool, date | None], bool] | None:
    """A listing's filter as a test of an item's kind, status, whether it is overdue and its due date
    in force (its agencies aside); None when it keeps every item."""
    if not (kind or status or overdue or due_before):
        return None

    def keeps(item_kind: str, item_status: str, item_overdue: bool, item_due: date | None) -> bool:
        return not ((kind and item_kind != kind) or (status and item_status != status) or (overdue and not item_overdue)
                    or (due_before and not (item_due and item_due < due_before)))

    return keeps


def agency_assignments(items: list[ItemState], agency: AgencyRef | None = None) -> dict[str, list[AssignmentState]]:
    """Assignments grouped by agency, agencies in registry order, items in registry order."""
    groups: dict[str, list[AssignmentState]] = {}
    for item in items:
        for a in item.assignments:
            if a.belongs_to(agency):
                groups.setdefault(a.agency, []).append(a)
    return groups


def ordered_agencies(conn: Connection) -> list[str]:
    return [a.name for a in agencies_in_order(conn)]


class AgencySummary(Record):
    FIELDS = ("agency", "assigned", "done", "in_progress", "not_started", "blocked", "overdue", "due_soon", "stale",
              "last_report", "claimed")

    def __init__(self, agency: str, assigned: int = 0, done: int = 0, in_progress: int = 0, not_started: int = 0,
                 blocked: int = 0, overdue: int = 0, due_soon: int = 0, stale: int = 0, last_report: date | None = None,
                 claimed: int = 0) -> None:
        self.agency = agency
        self.assigned = assigned
        self.done = done
        self.in_progress = in_progress
        self.not_started = not_started
        self.blocked = blocked
        self.overdue = overdue
        self.due_soon = due_soon
        self.stale = stale
        self.last_report = last_report
        self.claimed = claimed  # completion claims awaiting the office's review (待审核)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["last_report"] = _iso(self.last_report)
        return out


def summarize(conn: Connection, groups: dict[str, list[AssignmentState]]) -> list[AgencySummary]:
    order = {name: i for i, name in enumerate(ordered_agencies(conn))}
    out = []
    for name in sorted(groups, key=lambda n: order.get(n, len(order))):
        s = AgencySummary(name)
        for a in groups[name]:
            s.assigned += 1
            setattr(s, a.status, getattr(s, a.status) + 1)
            s.overdue += a.overdue
            s.due_soon += a.due_soon
            s.stale += a.stale
            if a.last_report and (s.last_report is None or a.last_report > s.last_report):
                s.last_report = a.last_report
        out.append(s)
    return out


def overdue_groups(conn: Connection, items: list[ItemState], agency: AgencyRef | None = None) -> dict[str, list[AssignmentState]]:
    """Overdue assignments by agency (registry order), most overdue first within an agency."""
    return _most_overdue_first(conn, agency_assignments(items, agency))


def _most_overdue_first(conn: Connection, groups: dict[str, list[AssignmentState]]) -> dict[str, list[AssignmentState]]:
    """The overdue ones of each agency's parts (agencies in registry order), most overdue first."""
    order = {name: i for i, name in enumerate(ordered_agencies(conn))}
    out = {}
    for name in sorted(groups, key=lambda n: order.get(n, len(order))):
        # most overdue first; the sort is stable, so equal ones stay in registry order
        late = sorted((a for a in groups[name] if a.overdue), key=lambda a: -a.days_overdue)
        if late:
            out[name] = late
    return out
