"""Report figures computed inside the database, for plans too large to judge row by row in Python.

They use the SQL twins of the rules (:mod:`tasklist.rules`); ``tests/test_rule_twins.py`` proves, on
both engines, that they give exactly what the Python rules give.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .. import rules
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, plans
from .facts import AgencySummary, _date

_REAL_REPORT = f"(SELECT max(r.reported_on) FROM status_update r WHERE r.assignment_id = f.aid AND {rules.SQL_REAL_REPORT})"


def _facts(conn: Connection, day: str, agency: AgencyRef | None) -> tuple[str, list]:
    """SQL for one row per live assignment: aid, agency_id, plan_id, item_id, due, status, last_report."""
    has_ext = conn.one("SELECT 1 FROM extension LIMIT 1") is not None
    due = rules.SQL_CURRENT_DUE if has_ext else "i.due"
    where = "a.archived = 0 AND i.archived = 0"
    if agency is not None:
        where += f" AND {rules.SQL_BELONGS_TO}"
    # placeholders in the order they stand in the text: real report, extensions, agency, latest
    sql = (
        "SELECT f.aid, f.agency_id, f.plan_id, f.item_id, f.due, COALESCE(u.status, 'not_started') AS status, "
        f"CASE WHEN u.reverses_id IS NULL THEN u.reported_on ELSE {_REAL_REPORT} END AS last_report "
        f"FROM (SELECT a.id AS aid, a.agency_id, i.plan_id, i.id AS item_id, {due} AS due "
        f"FROM assignment a JOIN item i ON i.id = a.item_id WHERE {where}) f "
        f"{rules.sql_update_in_force_join(conn.dialect, 'f.aid')}"
    )
    params = [day] + ([day, day] if has_ext else []) + ([agency.id, agency.id] if agency else []) + [day]
    return sql, params


def agency_summary(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS,
                   agency: AgencyRef | None = None) -> list[AgencySummary]:
    """The same rows as ``summarize(conn, agency_assignments(snapshot(...), agency))``, in SQL."""
    day = as_of.isoformat()
    soon = (as_of + timedelta(days=warn_days)).isoformat()
    facts, fact_params = _facts(conn, day, agency)
    stale, stale_params = rules.sql_stale(((p.id, p.reporting, p.issued) for p in plans(conn)), as_of)
    statuses = ", ".join(f"SUM(CASE WHEN g.status = '{s}' THEN 1 ELSE 0 END)" for s in rules.STATUSES)
    sql = (
        f"SELECT ag.name, COUNT(*), {statuses}, "
        f"SUM(CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {rules.SQL_DUE_SOON} THEN 1 ELSE 0 END), "
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
        f"WHERE {rules.SQL_OVERDUE} "
        "ORDER BY ag.position, ag.id, g.due, i.plan_id, i.position, i.id"
    )
    return [(r[0], r[1]) for r in conn.all(sql, [*params, day])]


def first_items_per_agency(conn: Connection, limit: int, *, agency: AgencyRef | None = None) -> set[int]:
    """Ids of the items behind each agency's first ``limit`` live assignments, in registry order."""
    where = "a.archived = 0 AND i.archived = 0"
    params: list[Any] = []
    if agency is not None:
        where += f" AND {rules.SQL_BELONGS_TO}"
        params = [agency.id, agency.id]
    rows = conn.all(
        "SELECT item_id FROM (SELECT a.item_id, ROW_NUMBER() OVER (PARTITION BY a.agency_id "
        "ORDER BY i.plan_id, i.position, i.id) AS n FROM assignment a JOIN item i ON i.id = a.item_id "
        f"WHERE {where}) ranked WHERE n <= ?",
        [*params, limit],
    )
    return {r[0] for r in rows}
