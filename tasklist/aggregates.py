"""Report figures computed inside the database, for plans too large to judge row by row in Python.

The predicates below are the rules of :mod:`tasklist.rules` written as SQL over each assignment's
facts (status in force, current due date, last real report). ``tests/test_aggregates.py`` proves,
on both engines, that they give exactly what the Python rules give; change them together.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from . import rules
from .db import Connection
from .reports import _LATEST, REAL_REPORT, AgencySummary, _date  # one definition of "the update in force"
from .store import AgencyRef

_EXT = (
    "(SELECT e.new_due FROM extension e WHERE {match} AND e.granted_on <= ? "
    "ORDER BY e.granted_on DESC, e.recorded_at DESC, e.id DESC LIMIT 1)"
)
# AssignmentState.belongs_to in SQL: the agency's own part, or a member's of the group it names
_BELONGS_TO = "(a.agency_id = ? OR a.via_group_id = ?)"
_REAL_REPORT = f"(SELECT max(r.reported_on) FROM status_update r WHERE r.assignment_id = f.aid AND {REAL_REPORT})"


def _facts(conn: Connection, day: str, agency: AgencyRef | None) -> tuple[str, list]:
    """SQL for one row per live assignment: aid, agency_id, plan_id, item_id, due, status, last_report."""
    has_ext = conn.one("SELECT 1 FROM extension LIMIT 1") is not None
    due = (
        f"COALESCE({_EXT.format(match='e.assignment_id = a.id')}, "
        f"{_EXT.format(match='e.item_id = i.id AND e.assignment_id IS NULL')}, i.due)"
        if has_ext else "i.due"
    )
    where = "a.archived = 0 AND i.archived = 0"
    if agency is not None:
        where += f" AND {_BELONGS_TO}"
    sql = (
        "SELECT f.aid, f.agency_id, f.plan_id, f.item_id, f.due, COALESCE(u.status, 'not_started') AS status, "
        f"CASE WHEN u.reverses_id IS NULL THEN u.reported_on ELSE {_REAL_REPORT} END AS last_report "
        f"FROM (SELECT a.id AS aid, a.agency_id, i.plan_id, i.id AS item_id, {due} AS due, {_LATEST} AS uid "
        f"FROM assignment a JOIN item i ON i.id = a.item_id WHERE {where}) f "
        "LEFT JOIN status_update u ON u.id = f.uid"
    )
    # placeholders in the order they stand in the text: real report, extensions, latest, agency
    params = [day] + ([day, day] if has_ext else []) + [day] + ([agency.id, agency.id] if agency else [])
    return sql, params


def _stale_sql(conn: Connection, as_of: date) -> tuple[str, list]:
    """rules.stale_against, per plan: not done and last real report none or on/before `previous`."""
    cases, params = [], []
    for plan_id, reporting, issued in conn.all("SELECT id, reporting, issued FROM plan"):
        previous, last = rules.reporting_deadlines(json.loads(reporting), as_of)
        since = _date(issued)
        if since is not None and last < since:
            continue  # nothing owed yet under this plan
        cases.append("WHEN ? THEN (CASE WHEN g.last_report IS NULL OR g.last_report <= ? THEN 1 ELSE 0 END)")
        params += [plan_id, previous.isoformat()]
    if not cases:
        return "0", []
    return f"(CASE WHEN g.status = 'done' THEN 0 ELSE (CASE g.plan_id {' '.join(cases)} ELSE 0 END) END)", params


def agency_summary(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS,
                   agency: AgencyRef | None = None) -> list[AgencySummary]:
    """The same rows as ``summarize(conn, agency_assignments(snapshot(...), agency))``, in SQL."""
    day = as_of.isoformat()
    soon = (as_of + timedelta(days=warn_days)).isoformat()
    facts, fact_params = _facts(conn, day, agency)
    stale, stale_params = _stale_sql(conn, as_of)
    statuses = ", ".join(f"SUM(CASE WHEN g.status = '{s}' THEN 1 ELSE 0 END)" for s in rules.STATUSES)
    sql = (
        f"SELECT ag.name, COUNT(*), {statuses}, "
        # rules.is_overdue: a due date before as_of and not done
        "SUM(CASE WHEN g.due IS NOT NULL AND g.due < ? AND g.status <> 'done' THEN 1 ELSE 0 END), "
        # rules.is_due_soon: due within [as_of, as_of + warn_days] and not done
        "SUM(CASE WHEN g.due IS NOT NULL AND g.due >= ? AND g.due <= ? AND g.status <> 'done' THEN 1 ELSE 0 END), "
        f"SUM({stale}), MAX(g.last_report) "
        f"FROM ({facts}) g JOIN agency ag ON ag.id = g.agency_id "
        "GROUP BY ag.id, ag.name, ag.position ORDER BY ag.position, ag.id"
    )
    rows = conn.all(sql, [day, day, soon, *stale_params, *fact_params])
    out = []
    for name, assigned, not_started, in_progress, done, blocked, overdue, due_soon, stale_n, last in rows:
        out.append(AgencySummary(name, assigned, done, in_progress, not_started, blocked, overdue, due_soon, stale_n,
                                 _date(last)))
    return out


def overdue_facts(conn: Connection, as_of: date, *, agency: AgencyRef | None = None) -> list[tuple[str, int]]:
    """(agency name, item id) of every overdue assignment, in report order: agencies in registry
    order, then most overdue first, then registry order of the items."""
    day = as_of.isoformat()
    facts, params = _facts(conn, day, agency)
    sql = (
        f"SELECT ag.name, g.item_id FROM ({facts}) g JOIN agency ag ON ag.id = g.agency_id "
        "JOIN item i ON i.id = g.item_id "
        # rules.is_overdue
        "WHERE g.due IS NOT NULL AND g.due < ? AND g.status <> 'done' "
        "ORDER BY ag.position, ag.id, g.due, i.plan_id, i.position, i.id"
    )
    return [(r[0], r[1]) for r in conn.all(sql, [*params, day])]


def first_items_per_agency(conn: Connection, limit: int, *, agency: AgencyRef | None = None) -> set[int]:
    """Ids of the items behind each agency's first ``limit`` live assignments, in registry order."""
    where = "a.archived = 0 AND i.archived = 0"
    params: list = []
    if agency is not None:
        where += f" AND {_BELONGS_TO}"
        params = [agency.id, agency.id]
    rows = conn.all(
        "SELECT item_id FROM (SELECT a.item_id, ROW_NUMBER() OVER (PARTITION BY a.agency_id "
        "ORDER BY i.plan_id, i.position, i.id) AS n FROM assignment a JOIN item i ON i.id = a.item_id "
        f"WHERE {where}) ranked WHERE n <= ?",
        [*params, limit],
    )
    return {r[0] for r in rows}
