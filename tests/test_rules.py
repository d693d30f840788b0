"""The rules as tables: pure functions of the data and the as-of date, no database."""

from __future__ import annotations

from datetime import date

import pytest

from tasklist import rules
from tasklist.rules import BLOCKED, DONE, IN_PROGRESS, NOT_STARTED

D = date.fromisoformat


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([DONE, DONE], DONE),
        ([DONE, NOT_STARTED], IN_PROGRESS),  # partial completion of a multi-agency item
        ([NOT_STARTED, NOT_STARTED], NOT_STARTED),
        ([DONE, BLOCKED, IN_PROGRESS], BLOCKED),
        ([IN_PROGRESS], IN_PROGRESS),
    ],
)
def test_item_status_from_its_assignments(statuses, expected):
    assert rules.item_status(statuses) == expected


@pytest.mark.parametrize(
    "due, status, as_of, overdue",
    [
        ("2022-12-31", NOT_STARTED, "2022-12-31", False),  # the due day itself is not overdue
        ("2022-12-31", NOT_STARTED, "2023-01-01", True),
        ("2022-12-31", DONE, "2023-01-01", False),  # done before or after due: not overdue
        ("2022-12-31", IN_PROGRESS, "2026-11-23", True),
        (None, NOT_STARTED, "2030-01-01", False),  # ongoing items are never overdue
    ],
)
def test_overdue_boundaries(due, status, as_of, overdue):
    assert rules.is_overdue(D(due) if due else None, status, D(as_of)) is overdue


def test_days_overdue_counts_from_the_day_after_due():
    assert rules.days_overdue(D("2022-12-31"), D("2023-01-01")) == 1
    assert rules.days_overdue(D("2022-12-31"), D("2022-12-31")) == 0


@pytest.mark.parametrize(
    "due, status, as_of, warn, soon",
    [
        ("2026-12-23", NOT_STARTED, "2026-11-23", 30, True),
        ("2026-12-24", NOT_STARTED, "2026-11-23", 30, False),
        ("2026-11-23", NOT_STARTED, "2026-11-23", 30, True),
        ("2026-12-01", DONE, "2026-11-23", 30, False),
        ("2026-11-22", NOT_STARTED, "2026-11-23", 30, False),  # already overdue, not "soon"
        ("2026-11-30", NOT_STARTED, "2026-11-23", 5, False),
    ],
)
def test_due_soon_window(due, status, as_of, warn, soon):
    assert rules.is_due_soon(D(due), status, D(as_of), warn) is soon


@pytest.mark.parametrize(
    "reporting, as_of, expected",
    [
        ({"cadence": "quarterly"}, "2026-11-23", ("2026-06-30", "2026-09-30")),
        ({"cadence": "quarterly"}, "2026-09-30", ("2026-03-31", "2026-06-30")),  # deadline day is still in time
        ({"cadence": "quarterly"}, "2026-01-01", ("2025-09-30", "2025-12-31")),
        ({"cadence": "monthly", "day": 28}, "2026-11-23", ("2026-09-28", "2026-10-28")),
        ({"cadence": "monthly", "day": 31}, "2026-03-01", ("2026-01-31", "2026-02-28")),
        ({"cadence": "weekly"}, "2026-11-23", ("2026-11-13", "2026-11-20")),  # Fridays
        ({"cadence": "weekly", "day": 1}, "2026-11-23", ("2026-11-09", "2026-11-16")),
    ],
)
def test_reporting_deadlines(reporting, as_of, expected):
    assert rules.reporting_deadlines(reporting, D(as_of)) == tuple(D(x) for x in expected)


@pytest.mark.parametrize(
    "status, last_report, as_of, stale",
    [
        (NOT_STARTED, None, "2026-11-23", True),
        (IN_PROGRESS, "2026-07-15", "2026-11-23", False),  # reported in the quarter that ended 09-30
        (IN_PROGRESS, "2026-06-30", "2026-11-23", True),  # last report before that quarter
        (IN_PROGRESS, "2026-10-02", "2026-11-23", False),  # late for Q3, but reported since
        (DONE, None, "2026-11-23", False),  # done needs no report
    ],
)
def test_stale_when_the_last_period_had_no_report(status, last_report, as_of, stale):
    last = D(last_report) if last_report else None
    assert rules.stale_against(status, last, rules.reporting_deadlines({"cadence": "quarterly"}, D(as_of))) is stale


def test_nothing_is_owed_for_periods_before_the_plan():
    assert rules.stale_against(NOT_STARTED, None, rules.reporting_deadlines({"cadence": "quarterly"}, D("2021-03-10")), since=D("2021-03-03")) is False
    assert rules.stale_against(NOT_STARTED, None, rules.reporting_deadlines({"cadence": "quarterly"}, D("2021-07-10")), since=D("2021-03-03")) is True


@pytest.mark.parametrize(
    "overdue, soon, stale, status, light",
    [
        (True, False, False, IN_PROGRESS, rules.RED),
        (True, True, True, BLOCKED, rules.RED),
        (False, True, False, NOT_STARTED, rules.YELLOW),
        (False, False, True, IN_PROGRESS, rules.YELLOW),
        (False, False, False, BLOCKED, rules.YELLOW),
        (False, False, False, DONE, rules.GREEN),
        (False, False, False, IN_PROGRESS, rules.GREEN),
    ],
)
def test_traffic_light(overdue, soon, stale, status, light):
    assert rules.light(overdue, soon, stale, status) == light


def test_current_due_uses_the_latest_extension_granted_by_as_of():
    exts = [(D("2023-06-30"), D("2023-01-10"), "a"), (D("2023-12-31"), D("2023-06-01"), "b")]
    assert rules.current_due(D("2022-12-31"), exts, D("2022-12-31")) == D("2022-12-31")
    assert rules.current_due(D("2022-12-31"), exts, D("2023-02-01")) == D("2023-06-30")
    assert rules.current_due(D("2022-12-31"), exts, D("2024-01-01")) == D("2023-12-31")


@pytest.mark.parametrize(
    "text, key",
    [("done", DONE), ("已完成", DONE), ("推进中", IN_PROGRESS), ("推進中", IN_PROGRESS), ("In Progress", IN_PROGRESS),
     ("not_started", NOT_STARTED), ("未启动", NOT_STARTED), ("受阻", BLOCKED), ("BLOCKED", BLOCKED), ("finished", None)],
)
def test_status_labels_in_english_and_chinese(text, key):
    assert rules.parse_status(text) == key
