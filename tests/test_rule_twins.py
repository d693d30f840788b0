"""Rules that exist in Python and in SQL give the same answers, on both engines, table by table."""

from __future__ import annotations

from datetime import date

import pytest

from tasklist import rules
from tasklist.rules import BLOCKED, DONE, IN_PROGRESS, NOT_STARTED
from tasklist.storage.schema import open_db

pytestmark = pytest.mark.usefixtures("engine")
D = date.fromisoformat


def u(status, reported_on, recorded_at="2026-01-01T00:00:00"):
    return status, reported_on, recorded_at


@pytest.mark.parametrize(
    "updates, as_of, expected",
    [
        ([], "2026-01-01", None),
        ([u(IN_PROGRESS, "2025-06-01")], "2026-01-01", IN_PROGRESS),
        # as-of in the past ignores later updates
        ([u(IN_PROGRESS, "2025-06-01"), u(DONE, "2025-12-01")], "2025-11-30", IN_PROGRESS),
        ([u(IN_PROGRESS, "2025-06-01"), u(DONE, "2025-12-01")], "2025-12-01", DONE),
        # reopen after done: the later report wins
        ([u(DONE, "2025-06-01"), u(IN_PROGRESS, "2025-07-01")], "2026-01-01", IN_PROGRESS),
        # same report date: the later recording wins
        ([u(DONE, "2025-06-01", "2025-06-01T10:00"), u(BLOCKED, "2025-06-01", "2025-06-01T11:00")], "2026-01-01", BLOCKED),
        # a report recorded later but dated earlier does not override a newer report
        ([u(DONE, "2025-06-02", "2025-06-02T00:00"), u(BLOCKED, "2025-06-01", "2025-06-05T00:00")], "2026-01-01", DONE),
        # same date and same recording time: the later row wins
        ([u(DONE, "2025-06-01"), u(NOT_STARTED, "2025-06-01")], "2026-01-01", NOT_STARTED),
    ],
)
def test_the_update_in_force_is_the_latest_report_on_or_before_as_of(cli, updates, as_of, expected):
    cli("list")
    conn = open_db()
    try:
        aid = conn.value("SELECT a.id FROM assignment a JOIN item i ON i.id = a.item_id WHERE i.code = 'T6' AND a.role = 'lead'")
        with conn.transaction():
            for status, reported_on, recorded_at in updates:
                conn.execute("INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source) "
                             "VALUES (?,?,?,?,?,?)", (aid, status, reported_on, recorded_at, "t", "test"))
        got = conn.value(f"SELECT u.status FROM assignment a JOIN status_update u ON u.id = {rules.SQL_UPDATE_IN_FORCE} "
                         "WHERE a.id = ?", (as_of, aid))
        assert got == expected
        # the join twin (LATERAL on PostgreSQL) brings the same row
        joined = conn.value(f"SELECT u.status FROM assignment a {rules.sql_update_in_force_join(conn.dialect)} "
                            "WHERE a.id = ?", (as_of, aid))
        assert joined == expected
        # and so does the join that finds every assignment's update in one pass (DISTINCT ON on PostgreSQL)
        whole = conn.value(f"SELECT u.status FROM assignment a {rules.sql_updates_in_force_join(conn.dialect)} "
                           "WHERE a.id = ?", (as_of, aid))
        assert whole == expected
        # the overdue report's candidates: the part whose update in force it is may be overdue
        may = conn.value(f"SELECT count(*) FROM assignment a {rules.sql_update_in_force_join(conn.dialect)} "
                         f"WHERE a.id = ? AND {rules.SQL_MAY_BE_OVERDUE}", (as_of, aid))
        assert bool(may) == rules.may_be_overdue(expected)
        # the join that looks up only where a condition on the outer row holds (PostgreSQL's week table)
        for when, brought in (("a.id = a.id", expected), ("a.id <> a.id", None)):
            joined = conn.value(f"SELECT u.status FROM assignment a "
                                f"{rules.sql_update_in_force_join(conn.dialect, when=when)} WHERE a.id = ?", (as_of, aid))
            assert joined == brought, when
        # overdue straight from the tables (PostgreSQL's overdue report), this part due on each of
        # these days: as is_overdue judges the update in force
        day = D(as_of)
        for due in (None, "2000-01-01", date.fromordinal(day.toordinal() - 1).isoformat(), as_of,
                    date.fromordinal(day.toordinal() + 1).isoformat()):
            late, params = rules.sql_overdue_assignment("CAST(? AS TEXT)", [due], as_of)
            overdue = conn.value(f"SELECT CASE WHEN {late} THEN 1 ELSE 0 END FROM assignment a WHERE a.id = ?",
                                 (*params, aid))
            assert bool(overdue) == rules.is_overdue(D(due) if due else None, expected or NOT_STARTED, day), due
    finally:
        conn.close()


CASES = [  # due, status, as_of, warn_days
    (None, IN_PROGRESS, "2026-01-01", 30),
    ("2025-12-31", IN_PROGRESS, "2025-12-31", 30),  # the due day itself is not overdue
    ("2025-12-31", IN_PROGRESS, "2026-01-01", 30),
    ("2025-12-31", DONE, "2026-01-01", 30),
    ("2026-01-31", NOT_STARTED, "2026-01-01", 30),  # the last day of the window is due soon
    ("2026-02-01", NOT_STARTED, "2026-01-01", 30),
    ("2026-01-01", BLOCKED, "2026-01-01", 0),
    ("2026-01-02", BLOCKED, "2026-01-01", 0),
]


@pytest.mark.parametrize("due, status, as_of, warn", CASES)
def test_overdue_and_due_soon_agree_in_python_and_sql(cli, due, status, as_of, warn):
    cli("list")
    conn = open_db()
    try:
        day = D(as_of)
        soon_end = date.fromordinal(day.toordinal() + warn).isoformat()
        row = conn.one(
            f"SELECT CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END, CASE WHEN {rules.SQL_DUE_SOON} THEN 1 ELSE 0 END "
            "FROM (SELECT CAST(? AS TEXT) AS due, CAST(? AS TEXT) AS status) g",
            (as_of, as_of, soon_end, due, status),
        )
        python = (rules.is_overdue(D(due) if due else None, status, day),
                  rules.is_due_soon(D(due) if due else None, status, day, warn))
        assert (bool(row[0]), bool(row[1])) == python
    finally:
        conn.close()


@pytest.mark.parametrize("status, last_report, as_of", [
    (NOT_STARTED, None, "2026-11-23"), (IN_PROGRESS, "2026-07-15", "2026-11-23"), (IN_PROGRESS, "2026-06-30", "2026-11-23"),
    (IN_PROGRESS, "2026-10-02", "2026-11-23"), (DONE, None, "2026-11-23"), (NOT_STARTED, None, "2021-03-10"),
    (NOT_STARTED, None, "2021-07-10"),
])
def test_stale_agrees_in_python_and_sql(cli, status, last_report, as_of):
    cli("list")
    conn = open_db()
    try:
        day, issued, reporting = D(as_of), D("2021-03-03"), {"cadence": "quarterly"}
        sql, params = rules.sql_stale([("p", reporting, issued)], day)
        got = conn.value(f"SELECT {sql} FROM (SELECT CAST(? AS TEXT) AS plan_id, CAST(? AS TEXT) AS status, "
                         "CAST(? AS TEXT) AS last_report) g", [*params, "p", status, last_report])
        expected = rules.stale_against(status, D(last_report) if last_report else None,
                                       rules.reporting_deadlines(reporting, day), since=issued)
        assert bool(got) is expected
    finally:
        conn.close()
