"""The rules: statuses, overdue, due soon, stale, due date in force, traffic lights, "belongs to".

Each rule is a pure function of data and ``as_of``; nothing here touches a database or a clock.
Where a report needs a rule inside the database (totals over 100 000 items), its SQL twin stands
beside it at the end of this module, and ``tests/test_rule_twins.py`` runs both on both engines.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from .dates import month_end

NOT_STARTED, IN_PROGRESS, DONE, BLOCKED = "not_started", "in_progress", "done", "blocked"
#: an agency's "done" where the plan verifies completion: a claim (申请销号) awaiting the office's review
CLAIMED = "claimed"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, BLOCKED, CLAIMED)
#: what a report may say; a claim is made by reporting done, never typed as a status of its own
REPORTABLE = (NOT_STARTED, IN_PROGRESS, DONE, BLOCKED)
#: an item no agency is responsible for yet (待交办): listed in the registry before it is assigned
#: (``assigned: false``), awaiting the office's ``tasklist assign``. An item's status, never a part's.
UNASSIGNED = "unassigned"
#: the statuses an item may have: a part's, and unassigned
ITEM_STATUSES = (*STATUSES, UNASSIGNED)
STATUS_LABELS_ZH = {NOT_STARTED: "未启动", IN_PROGRESS: "推进中", DONE: "已完成", BLOCKED: "受阻", CLAIMED: "待审核",
                    UNASSIGNED: "待交办"}
STATUS_ALIASES = {
    "not started": NOT_STARTED, "in progress": IN_PROGRESS, "done": DONE, "blocked": BLOCKED,
    "started": IN_PROGRESS, "unassigned": UNASSIGNED, "complete": DONE, "completed": DONE,
    **{v: k for k, v in STATUS_LABELS_ZH.items()},
    "未啟動": NOT_STARTED, "未开始": NOT_STARTED, "未開始": NOT_STARTED,
    "推進中": IN_PROGRESS, "进行中": IN_PROGRESS, "進行中": IN_PROGRESS,
    "完成": DONE, "阻塞": BLOCKED,
}
RED, YELLOW, GREEN = "red", "yellow", "green"
#: the light of a part whose completion claim awaits the office's review (待审核): the office's move
PENDING = "pending"
#: verdicts on a completion claim
ACCEPTED, RETURNED = "accepted", "returned"
#: the sources of the status updates a verdict appends: the part closed (as of the claim's date), or
#: in progress again with the office's reason as its note (a part is "returned" while that update is in force)
SOURCE_VERIFY, SOURCE_RETURN = "verify", "return"
DEFAULT_WARN_DAYS = 30


def parse_status(text: str) -> str | None:
    """A status from its English key or Chinese label (simplified or traditional); None if unknown."""
    key = text.strip()
    if key.isascii():
        key = key.lower().replace("_", " ").replace("-", " ")
    return STATUS_ALIASES.get(key)


def progress_for(status: str, progress: int | None, previous: int | None = None) -> int | None:
    """The progress recorded with an update: done means 100 % unless a figure is given; a report
    that gives none while work goes on (in progress, blocked) keeps the last figure reported."""
    if progress is not None:
        return progress
    if status in (DONE, CLAIMED):
        return 100
    return previous if status in (IN_PROGRESS, BLOCKED) else None


def item_status(assignment_statuses: Sequence[str]) -> str:
    """unassigned (待交办) without any live assignment; done when every assignment is done; claimed
    (awaiting review) when every one is done or claimed; blocked if any is; in progress if any has started."""
    if not assignment_statuses:
        return UNASSIGNED
    kinds = set(assignment_statuses)  # the statuses present (a snapshot asks this of every item)
    if kinds <= _ONLY_DONE:
        return DONE
    if kinds <= _DONE_OR_CLAIMED:
        return CLAIMED
    if BLOCKED in kinds:
        return BLOCKED
    if kinds & _STARTED:
        return IN_PROGRESS
    return NOT_STARTED


_ONLY_DONE = frozenset((DONE,))
_DONE_OR_CLAIMED = frozenset((DONE, CLAIMED))
_STARTED = frozenset((IN_PROGRESS, DONE, CLAIMED))


def is_overdue(due: date | None, status: str, as_of: date) -> bool:
    """Past due and not done. The due day itself is not overdue; no due date (ongoing) never is.
    A claim awaiting review is not done: it stops the clock as of its date only once accepted (the
    acceptance closes the part on the claim's date), and a returned claim never stopped it."""
    return due is not None and due < as_of and may_be_overdue(status)


def may_be_overdue(status: str | None) -> bool:
    """Whether a part whose update in force has ``status`` (None: no update yet) can be overdue on
    any date: not done. :func:`is_overdue` asks it; the overdue report reads only these parts."""
    return status != DONE


def days_overdue(due: date | None, as_of: date) -> int:
    return (as_of - due).days if due is not None and due < as_of else 0


def is_due_soon(due: date | None, status: str, as_of: date, warn_days: int = DEFAULT_WARN_DAYS) -> bool:
    """Due within ``warn_days`` and neither done nor claimed (a claimed part has nothing left to hurry)."""
    return due is not None and status not in (DONE, CLAIMED) and as_of <= due <= as_of + timedelta(days=warn_days)


def current_due(original: date | None, extensions: Iterable[tuple[date, date, str]], as_of: date) -> date | None:
    """The due date in force: the latest extension granted on or before as_of, else the original.
    ``extensions`` are (new_due, granted_on, recorded_at)."""
    granted = [e for e in extensions if e[1] <= as_of]
    if not granted:
        return original
    return max(granted, key=lambda e: (e[1], e[2]))[0]


# --------------------------------------------------------------------------- reporting rhythm


def reporting_deadlines(reporting: dict, as_of: date) -> tuple[date, date]:
    """(previous, last): the two most recent reporting deadlines strictly before ``as_of``.

    A report is owed for the period that ended at ``last``; an assignment whose latest update was
    reported on or before ``previous`` missed it (it is stale).
    """
    return _deadlines(reporting.get("cadence", "quarterly"), reporting.get("day"), as_of)


@functools.lru_cache(maxsize=64)
def _deadlines(cadence: str, day: int | None, as_of: date) -> tuple[date, date]:
    if cadence == "weekly":
        weekday = (day or 5) - 1  # ISO weekday 1-7, default Friday
        last = as_of - timedelta(days=1)
        last -= timedelta(days=(last.weekday() - weekday) % 7)
        return last - timedelta(days=7), last
    if cadence == "monthly":
        day = day or 31

        def deadline(year: int, month: int) -> date:
            return date(year, month, min(day, month_end(year, month).day))

        year, month = as_of.year, as_of.month
        last = deadline(year, month)
        if last >= as_of:
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            last = deadline(year, month)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return deadline(year, month), last
    quarter_ends = []
    for year in (as_of.year - 1, as_of.year):
        quarter_ends += [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    before = [d for d in quarter_ends if d < as_of]
    return before[-2], before[-1]


def stale_against(status: str, last_report: date | None, deadlines: tuple[date, date], since: date | None = None) -> bool:
    """Whether a part missed the last report owed, the period's deadlines already worked out (a
    report asks once per plan). A part done or claimed owes no more reports."""
    if status in (DONE, CLAIMED):
        return False
    previous, last = deadlines
    if since is not None and last < since:
        return False
    return last_report is None or last_report <= previous


def light(overdue: bool, due_soon: bool, stale: bool, status: str) -> str:
    """红黄绿灯: pending (待审核) while a completion claim awaits the office, whatever the date; red when
    overdue; yellow when due soon, stale or blocked; green when done or on track."""
    if status == CLAIMED:
        return PENDING
    if overdue:
        return RED
    if due_soon or stale or status == BLOCKED:
        return YELLOW
    return GREEN


def unassigned_past_due(due: date | None, status: str, as_of: date) -> bool:
    """An item awaiting assignment (待交办) whose due date has passed. It is no agency's overdue part
    (no agency owes it, so no agency is reminded or scored for it); the office is shown it, since the
    assignment is the office's move."""
    return status == UNASSIGNED and due is not None and due < as_of


def unassigned_light(past_due: bool) -> str:
    """The light of an item awaiting assignment: red once past its due date, else yellow (the office's move)."""
    return RED if past_due else YELLOW


def chased(status: str, overdue: bool) -> bool:
    """Whether an agency is reminded of its part: overdue, and not awaiting the office's review."""
    return overdue and status != CLAIMED


REMINDER_LEVELS = {1: "督办提醒", 2: "催办", 3: "通报"}

#: the quarterly scorecard's weights (考评), each overridable in the registry's ``evaluation:`` block:
#: every agency starts its quarter at ``base``; each count below adds its weight times the count
EVALUATION_WEIGHTS: dict[str, float] = {
    "base": 100,
    "completed_on_time": 2,  # a part completed (claim accepted) on or before its due date
    "completed_late": 0,  # a part completed after its due date
    "overdue": -5,  # a part overdue at the quarter's end
    "overdue_per_30_days": -1,  # each full 30 days those parts were overdue within the quarter
    "report_missed": -1,  # a report owed under the plan's cadence and not made by its deadline
    "claim_returned": -2,  # a completion claim the office returned (退回)
    "reminder_1": -1,  # a reminder received: 督办提醒
    "reminder_2": -2,  # 催办
    "reminder_3": -5,  # 通报
}


def reminder_level(times_reminded: int) -> int:
    """督办提醒 the first time, 催办 the second, 通报 from the third on."""
    return min(3, times_reminded + 1)


def belongs_to(agency_id: int, via_group_id: int | None, wanted_id: int | None) -> bool:
    """An assignment is the agency's when it is its own part, or a member's part of the group it names."""
    return wanted_id is None or agency_id == wanted_id or via_group_id == wanted_id


# --------------------------------------------------------------------------- SQL twins
# The rules above written as SQL over the tables (a = assignment, i = item, u/r/x = status_update,
# e = extension) or over one row of assignment facts (g: due, status, last_report, plan_id). Each
# ``?`` is a placeholder whose value the comment names. Change a rule and its twin together.

#: the update in force on as_of: the latest by reported_on, then recorded_at, then id: ? = as_of
SQL_UPDATE_IN_FORCE = (
    "(SELECT u.id FROM status_update u WHERE u.assignment_id = a.id AND u.reported_on <= ? "
    "ORDER BY u.reported_on DESC, u.recorded_at DESC, u.id DESC LIMIT 1)"
)
#: the same update in force as a join that brings its row (alias u): ? = as_of. PostgreSQL gets a
#: LATERAL subquery, run once per assignment down ix_update_latest; the scalar subquery above,
#: joined back by id, it runs twice per row (the select list and the join) and may hash the table.
#: SQLite has no LATERAL: there it is the scalar subquery joined by id. ``aid``: the assignment id;
#: ``alias``: the joined row's; ``when``: a condition on the outer rows (which may name an earlier
#: join's u: the lookup's own row is aliased s on PostgreSQL), where false nothing is looked up and
#: the joined row is NULL.
def sql_update_in_force_join(dialect: str, aid: str = "a.id", *, alias: str = "u", when: str | None = None) -> str:
    if dialect == "postgresql":
        cond = f"{when} AND " if when else ""
        return (f"LEFT JOIN LATERAL (SELECT s.* FROM status_update s WHERE {cond}s.assignment_id = {aid} "
                f"AND s.reported_on <= ? ORDER BY s.reported_on DESC, s.recorded_at DESC, s.id DESC LIMIT 1) {alias} ON TRUE")
    lookup = SQL_UPDATE_IN_FORCE.replace("a.id", aid)
    return f"LEFT JOIN status_update {alias} ON {alias}.id = {f'CASE WHEN {when} THEN {lookup} END' if when else lookup}"


#: the same update in force for every assignment at once, as a join (alias u: assignment_id, status,
#: reported_on, reverses_id): ? = as_of. For a pass over the whole plan on PostgreSQL: one backward
#: read of ix_update_latest (which carries status and reverses_id there, so the heap is not read)
#: keeping each assignment's first row, instead of one index descent per assignment (100k items: about
#: 18k buffers read instead of 700k). SQLite has no DISTINCT ON: there it is the per-assignment join.
#: A pass over a few assignments (one agency's, the items that changed) keeps the per-assignment join.
def sql_updates_in_force_join(dialect: str, aid: str = "a.id", *, span: tuple[str, str] | None = None) -> str:
    """``span`` (PostgreSQL): (operator, bound), only the assignments whose id is so to the bound (SQL; its
    placeholders follow the day's) are looked for: a narrower stretch of the one pass."""
    if dialect == "postgresql":
        within = f"AND u.assignment_id {span[0]} {span[1]} " if span else ""
        return ("LEFT JOIN (SELECT DISTINCT ON (u.assignment_id) u.assignment_id, u.status, u.reported_on, u.reverses_id "
                f"FROM status_update u WHERE u.reported_on <= ? {within}"
                f"ORDER BY u.assignment_id DESC, u.reported_on DESC, u.recorded_at DESC, u.id DESC) u ON u.assignment_id = {aid}")
    return sql_update_in_force_join(dialect, aid)


#: r is a real report (an undo, and the update it undid, are not reports from the agency): ? = as_of.
#: The unary + keeps SQLite from choosing the reverses_id index (nearly every row is NULL there).
SQL_REAL_REPORT = (
    "r.reported_on <= ? AND +r.reverses_id IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM status_update x WHERE x.reverses_id = r.id)"
)
_SQL_EXTENSION = (
    "(SELECT e.new_due FROM extension e WHERE {match} AND e.granted_on <= ? "
    "ORDER BY e.granted_on DESC, e.recorded_at DESC, e.id DESC LIMIT 1)"
)
#: current_due for an assignment (its own extension, else the item's, else the original): ?, ? = as_of, as_of
SQL_CURRENT_DUE = (
    f"COALESCE({_SQL_EXTENSION.format(match='e.assignment_id = a.id')}, "
    f"{_SQL_EXTENSION.format(match='e.item_id = i.id AND e.assignment_id IS NULL')}, i.due)"
)
#: current_due for a whole item (its own extensions only, else the original): ? = as_of
SQL_ITEM_DUE = f"COALESCE({_SQL_EXTENSION.format(match='e.item_id = i.id AND e.assignment_id IS NULL')}, i.due)"
#: belongs_to: ?, ? = the agency's id twice
SQL_BELONGS_TO = "(a.agency_id = ? OR a.via_group_id = ?)"
#: item_status's first case, unassigned (待交办), over the item whose id is ``item`` (a column): no live
#: assignment. With the item live (its own archived = 0), the item awaits assignment.
def sql_no_live_part(item: str = "i.id") -> str:
    return f"NOT EXISTS (SELECT 1 FROM assignment a WHERE a.item_id = {item} AND a.archived = 0)"


#: is_overdue over facts g: ? = as_of
SQL_OVERDUE = "(g.due IS NOT NULL AND g.due < ? AND g.status <> 'done')"
#: may_be_overdue over the update in force u (sql_update_in_force_join's; NULL: no update yet)
SQL_MAY_BE_OVERDUE = "(u.status IS NULL OR u.status <> 'done')"
#: is_overdue of one assignment (alias a) whose due date in force is ``due`` (a column or an
#: expression over a and its item, with ``due_params`` for its placeholders) on ``as_of``, straight
#: from the tables, and the parameters of the text in their order. Its status matters
#: only where it may be done, and an assignment with no done update on or before as_of is not done:
#: the done updates (the small partial index ix_update_done) are asked first, and the update in force
#: is looked up only for the overdue candidates that have one (100k items: 62,564 lookups, not
#: 122,906). The CASE keeps that order: given as plain conditions on a, PostgreSQL tested the done
#: updates and looked up the update in force of every assignment, past due or not.
def sql_overdue_assignment(due: str, due_params: Sequence[Any], as_of: str) -> tuple[str, list[Any]]:
    status = SQL_UPDATE_IN_FORCE.replace("SELECT u.id", "SELECT u.status")  # ? = as_of
    sql = (f"({due} IS NOT NULL AND {due} < ? AND CASE WHEN {due} IS NULL OR {due} >= ? THEN FALSE "
           f"WHEN a.id IN (SELECT d.assignment_id FROM status_update d WHERE d.status = '{DONE}' AND d.reported_on <= ?) "
           f"THEN {status} <> '{DONE}' ELSE TRUE END)")
    return sql, [*due_params, *due_params, as_of, *due_params, *due_params, as_of, as_of, as_of]


#: is_due_soon over facts g: ?, ? = as_of, as_of + warn_days
SQL_DUE_SOON = "(g.due IS NOT NULL AND g.due >= ? AND g.due <= ? AND g.status NOT IN ('done', 'claimed'))"


def sql_stale(plans: Iterable[tuple[str, dict, date | None]], as_of: date) -> tuple[str, list[str]]:
    """stale_against over facts g, per plan ((plan id, reporting, issued) each): SQL and its parameters."""
    cases, params = [], []
    for plan_id, reporting, issued in plans:
        previous, last = reporting_deadlines(reporting, as_of)
        if issued is not None and last < issued:
            continue  # nothing owed yet under this plan
        cases.append("WHEN ? THEN (CASE WHEN g.last_report IS NULL OR g.last_report <= ? THEN 1 ELSE 0 END)")
        params += [plan_id, previous.isoformat()]
    if not cases:
        return "0", []
    return f"(CASE WHEN g.status IN ('done', 'claimed') THEN 0 ELSE (CASE g.plan_id {' '.join(cases)} ELSE 0 END) END)", params
