"""Report figures computed inside the database, for plans too large to judge row by row in Python.

They use the SQL twins of the rules (:mod:`tasklist.rules`); ``tests/test_rule_twins.py`` proves, on
both engines, that they give exactly what the Python rules give.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, NamedTuple

from .. import rules
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, plans
from .facts import AgencySummary, _date

_REAL_REPORT = f"(SELECT max(r.reported_on) FROM status_update r WHERE r.assignment_id = f.aid AND {rules.SQL_REAL_REPORT})"


def _has_extensions(conn: Connection) -> bool:
    return conn.one("SELECT 1 FROM extension LIMIT 1") is not None


#: id(conn) -> {day: the temp table holding that day's facts of the whole plan}; see shared_facts
_SHARED: dict[int, dict[str, str]] = {}
#: in _SHARED, the key of a day's item rows (see _item_facts) beside that day's facts
_ITEMS_KEY = "items "


@contextmanager
def shared_facts(conn: Connection, days: Iterable[date], item_days: Iterable[date] = ()) -> Iterator[None]:
    """Within: the facts of every live assignment on each of ``days`` (:func:`_facts`) are computed
    once, into a temp table, and every figure here over the whole plan on those days (no agency
    filter) reads them from it; so are the item rows (:func:`_item_facts`) on each of ``item_days``
    (from the day's facts table when there is one, else straight from the updates). The weekly
    report asks for the whole plan's facts on two days six times (the agency summary, the overdue
    rows, the item totals twice, the changed items twice): each time one seek down
    ix_update_latest per assignment, 2.6 s of SQL at 100k.

    SQLite only (on PostgreSQL the statements stay as they are): a temp table there lives in the
    connection's own temp store, never in the database file, so a read stays a read."""
    if conn.dialect != "sqlite" or id(conn) in _SHARED:
        yield
        return
    tables = _SHARED[id(conn)] = {}
    made: list[str] = []
    try:
        for d in days:
            day = d.isoformat()
            if day in tables:
                continue
            sql, params = _facts(conn, day, None)
            conn.execute(f"CREATE TEMP TABLE shared_facts_{len(made)} AS {sql}", params)
            made.append(f"temp.shared_facts_{len(made)}")
            tables[day] = made[-1]
        # the item rows, which the item totals and the changed items both read: grouped by item
        # once a day rather than twice
        for d in item_days:
            key = _ITEMS_KEY + d.isoformat()
            if key in tables:
                continue
            sql, params = _item_facts(conn, d)
            conn.execute(f"CREATE TEMP TABLE shared_facts_{len(made)} AS {sql}", params)
            made.append(f"temp.shared_facts_{len(made)}")
            tables[key] = made[-1]
        yield
    finally:
        _SHARED.pop(id(conn), None)
        for name in made:
            conn.execute(f"DROP TABLE {name}")


def _facts(conn: Connection, day: str, agency: AgencyRef | None,
           items: tuple[str, list] | None = None, *, at_once: bool = True) -> tuple[str, list]:
    """SQL for one row per live assignment: aid, agency_id, plan_id, item_id, due, status, last_report.
    ``items``: a condition on the item (alias i) and its parameters, to judge only those items.
    ``at_once``: over the whole plan, every update in force is found in one pass
    (:func:`rules.sql_updates_in_force_join`); otherwise, and for one agency or some items, one
    lookup per assignment."""
    shared = _SHARED.get(id(conn), {}).get(day) if agency is None else None
    if shared is not None:
        columns = "f.aid, f.agency_id, f.plan_id, f.item_id, f.due, f.status, f.last_report"
        if items is None:
            return f"SELECT {columns} FROM {shared} f", []
        return f"SELECT {columns} FROM {shared} f JOIN item i ON i.id = f.item_id WHERE {items[0]}", list(items[1])
    has_ext = _has_extensions(conn)
    due = rules.SQL_CURRENT_DUE if has_ext else "i.due"
    where = "a.archived = 0 AND i.archived = 0"
    if agency is not None:
        where += f" AND {rules.SQL_BELONGS_TO}"
    if items is not None:
        where += f" AND {items[0]}"
    # the whole plan: every assignment's update in force in one pass; a few: one lookup each
    whole = at_once and agency is None and items is None
    join = rules.sql_updates_in_force_join if whole else rules.sql_update_in_force_join
    # placeholders in the order they stand in the text: real report, extensions, agency, latest
    sql = (
        "SELECT f.aid, f.agency_id, f.plan_id, f.item_id, f.due, COALESCE(u.status, 'not_started') AS status, "
        f"CASE WHEN u.reverses_id IS NULL THEN u.reported_on ELSE {_REAL_REPORT} END AS last_report "
        f"FROM (SELECT a.id AS aid, a.agency_id, i.plan_id, a.item_id, {due} AS due "
        f"FROM assignment a JOIN item i ON i.id = a.item_id WHERE {where}) f "
        f"{join(conn.dialect, 'f.aid')}"
    )
    params = ([day] + ([day, day] if has_ext else []) + ([agency.id, agency.id] if agency else [])
              + (list(items[1]) if items else []) + [day])
    return sql, params


def _item_facts(conn: Connection, as_of: date, items: tuple[str, list] | None = None) -> tuple[str, list]:
    """SQL for one row per live item (alias g): id, plan_id, position, status, overdue (0/1),
    stale (0/1), due (the item's own due date in force, for due soon), in registry order.

    The item rules of :func:`tasklist.reports.facts.snapshot` over the assignment facts:
    :func:`rules.item_status`, overdue and stale when any assignment is."""
    day = as_of.isoformat()
    shared = _SHARED.get(id(conn), {}).get(_ITEMS_KEY + day)
    if shared is not None:
        if items is None:
            return f"SELECT * FROM {shared} g", []
        return f"SELECT g.* FROM {shared} g JOIN item i ON i.id = g.id WHERE {items[0]}", list(items[1])
    facts, fact_params = _facts(conn, day, None, items)
    stale, stale_params = rules.sql_stale(((p.id, p.reporting, p.issued) for p in plans(conn)), as_of)
    has_ext = _has_extensions(conn)
    item_due = rules.SQL_ITEM_DUE if has_ext else "i.due"
    where = "i.archived = 0" + (f" AND {items[0]}" if items else "")
    sql = (
        "SELECT i.id, i.plan_id, i.position, "
        f"CASE WHEN f.n IS NULL THEN '{rules.UNASSIGNED}' WHEN f.n > 0 AND f.n_done = f.n THEN '{rules.DONE}' "
        f"WHEN f.n > 0 AND f.n_done + f.n_claimed = f.n THEN '{rules.CLAIMED}' WHEN f.n_blocked > 0 THEN '{rules.BLOCKED}' "
        f"WHEN f.n_started > 0 THEN '{rules.IN_PROGRESS}' ELSE '{rules.NOT_STARTED}' END AS status, "
        f"COALESCE(f.overdue, 0) AS overdue, COALESCE(f.stale, 0) AS stale, {item_due} AS due "
        "FROM item i LEFT JOIN (SELECT g.item_id, COUNT(*) AS n, "
        f"SUM(CASE WHEN g.status = '{rules.DONE}' THEN 1 ELSE 0 END) AS n_done, "
        f"SUM(CASE WHEN g.status = '{rules.CLAIMED}' THEN 1 ELSE 0 END) AS n_claimed, "
        f"SUM(CASE WHEN g.status = '{rules.BLOCKED}' THEN 1 ELSE 0 END) AS n_blocked, "
        f"SUM(CASE WHEN g.status IN ('{rules.IN_PROGRESS}', '{rules.DONE}', '{rules.CLAIMED}') THEN 1 ELSE 0 END) AS n_started, "
        f"MAX(CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END) AS overdue, MAX({stale}) AS stale "
        f"FROM ({facts}) g GROUP BY g.item_id) f ON f.item_id = i.id "
        f"WHERE {where}"
    )
    params = ([day] if has_ext else []) + [day, *stale_params, *fact_params] + (list(items[1]) if items else [])
    return sql, params


def item_totals(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS) -> tuple[int, dict[str, int], int, int, int]:
    """(items, items by status, overdue, due soon, stale) over every live item, as the item rows of
    :func:`tasklist.reports.facts.snapshot` count them. Items awaiting assignment count under
    ``unassigned`` (待交办), never as overdue: no agency owes them."""
    day = as_of.isoformat()
    soon = (as_of + timedelta(days=warn_days)).isoformat()
    facts, params = _item_facts(conn, as_of)
    statuses = ", ".join(f"SUM(CASE WHEN g.status = '{s}' THEN 1 ELSE 0 END)" for s in rules.ITEM_STATUSES)
    row = conn.one(
        f"SELECT COUNT(*), {statuses}, SUM(g.overdue), SUM(CASE WHEN {rules.SQL_DUE_SOON} THEN 1 ELSE 0 END), "
        f"SUM(g.stale) FROM ({facts}) g",
        [day, soon, *params],
    )
    assert row is not None
    n, *counts, overdue, due_soon, stale = (int(v or 0) for v in row)
    return n, dict(zip(rules.ITEM_STATUSES, counts)), overdue, due_soon, stale


def item_changes(conn: Connection, start: date, as_of: date) -> tuple[list[int], list[int]]:
    """Ids of the items done on ``as_of`` but not on ``start``, and of those overdue on ``as_of`` but
    not on ``start``, in registry order. Only items that can differ are judged: those with an
    update reported in (start, as_of], an extension granted in it, or a due date (original or
    extended) in [start, as_of)."""
    a, b = start.isoformat(), as_of.isoformat()
    may_change = (
        "i.id IN (SELECT a2.item_id FROM status_update u2 JOIN assignment a2 ON a2.id = u2.assignment_id "
        "WHERE u2.reported_on > ? AND u2.reported_on <= ? "
        "UNION SELECT e2.item_id FROM extension e2 WHERE (e2.granted_on > ? AND e2.granted_on <= ?) "
        "OR (e2.new_due >= ? AND e2.new_due < ?) "
        "UNION SELECT i2.id FROM item i2 WHERE i2.due >= ? AND i2.due < ?)"
    )
    items = (may_change, [a, b, a, b, a, b, a, b])
    before = {r[0]: (r[3], r[4]) for r in conn.all(*_item_facts(conn, start, items))}
    sql, params = _item_facts(conn, as_of, items)
    completed, became_overdue = [], []
    for item_id, _plan, _pos, status, overdue, *_ in conn.all(f"SELECT * FROM ({sql}) g ORDER BY g.plan_id, g.position, g.id",
                                                             params):
        was = before.get(item_id)
        if was is None:
            continue
        if status == rules.DONE and was[0] != rules.DONE:
            completed.append(item_id)
        if overdue and not was[1]:
            became_overdue.append(item_id)
    return completed, became_overdue


def agency_summary(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS,
                   agency: AgencyRef | None = None) -> list[AgencySummary]:
    """The same rows as ``summarize(conn, agency_assignments(snapshot(...), agency))``, in SQL."""
    day = as_of.isoformat()
    soon = (as_of + timedelta(days=warn_days)).isoformat()
    facts, fact_params = _facts(conn, day, agency)
    stale, stale_params = rules.sql_stale(((p.id, p.reporting, p.issued) for p in plans(conn)), as_of)
    statuses = ", ".join(f"SUM(CASE WHEN g.status = '{s}' THEN 1 ELSE 0 END)" for s in rules.STATUSES)
    counts = (f"g.agency_id, COUNT(*), {statuses}, SUM(CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END), "
              f"SUM(CASE WHEN {rules.SQL_DUE_SOON} THEN 1 ELSE 0 END), SUM({stale}), MAX(g.last_report)")
    from_table = agency is None and day in _SHARED.get(id(conn), {})
    if conn.dialect == "postgresql" or from_table:
        # Counted per agency first, then joined to the 100 agency names: grouped by the agency row,
        # PostgreSQL sorted the assignments by agency ahead of the latest-update lookups, which then
        # hit the index in random order (benchmarks/PLANS.md). No materialized CTE: with every
        # update in force found in one pass, the CTE only spooled 235k rows to a temp file.
        # SQLite over a shared facts table: sorting on the agency id alone and naming 99 rows rather
        # than 235k is a quarter faster (0.24 s vs 0.32 s at 100k); over the lookups themselves, twice
        # as slow.
        sql = (f"SELECT ag.name, s.* FROM (SELECT {counts} FROM ({facts}) g "
               "GROUP BY g.agency_id) s JOIN agency ag ON ag.id = s.agency_id ORDER BY ag.position, ag.id")
    else:
        sql = (f"SELECT ag.name, {counts} FROM ({facts}) g JOIN agency ag ON ag.id = g.agency_id "
               "GROUP BY ag.id, ag.name, ag.position ORDER BY ag.position, ag.id")
    params = [day, day, soon, *stale_params, *fact_params]
    rows = conn.all(sql, params)
    out = []
    for name, _, assigned, not_started, in_progress, done, blocked, claimed, overdue, due_soon, stale_n, last in rows:
        out.append(AgencySummary(name, assigned, done, in_progress, not_started, blocked, overdue, due_soon, stale_n,
                                 _date(last), claimed))
    return out


class OverdueFacts(NamedTuple):
    """The overdue assignments as a screenful needs them."""

    first: list[tuple[str, int]]  # (agency name, item id) of the first ``limit`` overdue assignments, in report order
    totals: dict[str, int]  # overdue assignments per agency, agencies in registry order
    items: int  # the items with an overdue assignment


def overdue_facts(conn: Connection, as_of: date, *, agency: AgencyRef | None = None,
                  limit: int | None = None) -> OverdueFacts:
    """The overdue assignments in report order (agencies in registry order, then most overdue first,
    then registry order of the items): the first ``limit`` of them (all with None), and the counts
    of all of them. One statement, counted and cut inside the database: at 100k only a screenful of
    the 60,383 overdue rows leaves it, and the database keeps the first ``limit`` in order rather than
    sorting all of them (PostgreSQL server CPU 590 -> 500 ms)."""
    day = as_of.isoformat()
    # One lookup per assignment even over the whole plan: PostgreSQL keeps only the assignments of
    # items past their due date before it looks (half of them), and a parallel plan would read the
    # whole index once per worker (benchmarks/PLANS.md)
    facts, params = _facts(conn, day, agency, at_once=False)
    cut = "" if limit is None else " LIMIT ?"
    # three parts told apart by the first column: the count per agency, the number of items, the first rows
    sql = (
        f"WITH o AS (SELECT g.agency_id, g.item_id, g.due, i.plan_id, i.position FROM ({facts}) g "
        f"JOIN item i ON i.id = g.item_id WHERE {rules.SQL_OVERDUE}) "
        "SELECT 0, ag.position, ag.id, NULL, NULL, CAST(NULL AS INTEGER), CAST(NULL AS BIGINT), ag.name, s.n "
        "FROM (SELECT o.agency_id, COUNT(*) AS n FROM o GROUP BY o.agency_id) s JOIN agency ag ON ag.id = s.agency_id "
        "UNION ALL SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*) FROM (SELECT DISTINCT o.item_id FROM o) d "
        "UNION ALL SELECT * FROM (SELECT 2, ag.position, ag.id, o.due, o.plan_id, o.position, o.item_id, ag.name, "
        "CAST(NULL AS BIGINT) FROM o JOIN agency ag ON ag.id = o.agency_id "
        f"ORDER BY ag.position, ag.id, o.due, o.plan_id, o.position, o.item_id{cut}) t "
        "ORDER BY 1, 2, 3, 4, 5, 6, 7"
    )
    first: list[tuple[str, int]] = []
    totals: dict[str, int] = {}
    items = 0
    for part, *_, item_id, name, n in conn.all(sql, [*params, day, *([] if limit is None else [limit])]):
        if part == 0:
            totals[name] = n
        elif part == 1:
            items = n
        else:
            first.append((name, item_id))
    return OverdueFacts(first, totals, items)


def unassigned_item_ids(conn: Connection) -> list[int]:
    """Ids of the live items no agency is assigned (status ``unassigned``, 待交办), in registry order."""
    return [r[0] for r in conn.all(
        "SELECT i.id FROM item i WHERE i.archived = 0 AND NOT EXISTS "
        "(SELECT 1 FROM assignment a WHERE a.item_id = i.id AND a.archived = 0) ORDER BY i.plan_id, i.position, i.id")]


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
