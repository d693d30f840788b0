"""The scorecard's rules without a database: quarters, the knowledge cutoff, each count at its
boundaries, the score and shared ranks."""

from __future__ import annotations

from datetime import date

import pytest

from tasklist import rules
from tasklist.scoring import (
    Counts,
    Extension,
    History,
    Part,
    Quarter,
    Reminder,
    Update,
    Verdict,
    deadlines_in,
    knowledge_cutoff,
    quarter_counts,
    quarters_up_to,
    ranks,
    score,
    weights,
)

D = date.fromisoformat
Q3 = Quarter(2026, 3)
TZ = "Asia/Shanghai"


def at(day: str, hour: int = 12) -> str:
    """A UTC recorded_at on ``day`` (noon UTC is 20:00 in Shanghai: the same day)."""
    return f"{day}T{hour:02d}:00:00.000000+00:00"


def history(parts, updates=(), extensions=(), verdicts=(), reminders=(), reporting=None, issued=None) -> History:
    return History(list(parts), list(updates), list(extensions), list(verdicts), list(reminders),
                   reporting or {"cadence": "quarterly"}, issued, TZ)


def test_quarters_parse_and_bound_their_days():
    assert Quarter.parse("2026Q3") == Quarter.parse("2026-q3") == Q3
    assert Quarter.parse("2026Q5") is None and Quarter.parse("Q3") is None and Quarter.parse("2026") is None
    assert (Q3.start, Q3.end, Q3.label) == (D("2026-07-01"), D("2026-09-30"), "2026Q3")
    assert Quarter(2026, 1).previous() == Quarter(2025, 4) and Quarter(2025, 4).next() == Quarter(2026, 1)
    assert Quarter(2024, 1).end == D("2024-03-31") and Quarter(2026, 4).end == D("2026-12-31")
    assert Quarter.last_ended(D("2026-10-01")) == Q3 and Quarter.last_ended(D("2026-09-30")) == Quarter(2026, 2)


def test_the_trend_covers_the_quarters_since_issue_or_the_last_eight():
    assert quarters_up_to(Q3, since=D("2026-02-10"), most=8) == [Quarter(2026, 1), Quarter(2026, 2), Q3]
    eight = quarters_up_to(Q3, since=D("2021-03-03"), most=8)
    assert len(eight) == 8 and eight[0] == Quarter(2024, 4) and eight[-1] == Q3
    assert quarters_up_to(Q3, since=None, most=2) == [Quarter(2026, 2), Q3]


def test_the_knowledge_cutoff_is_the_end_of_the_day_in_the_plans_zone():
    assert knowledge_cutoff(D("2026-09-30"), TZ) == "2026-09-30T16:00:00.000000+00:00"
    assert knowledge_cutoff(D("2026-09-30"), "UTC") == "2026-10-01T00:00:00.000000+00:00"
    # 23:59 Shanghai time on the 30th is known; 00:00 on the 1st is not
    assert "2026-09-30T15:59:59.999999+00:00" < knowledge_cutoff(D("2026-09-30"), TZ) <= "2026-09-30T16:00:00.000000+00:00"


def test_reporting_deadlines_in_a_quarter_follow_the_cadence():
    assert deadlines_in({"cadence": "quarterly"}, Q3.start, Q3.end) == [(D("2026-06-30"), D("2026-09-30"))]
    assert deadlines_in({"cadence": "monthly", "day": 5}, Q3.start, Q3.end) == [
        (D("2026-06-05"), D("2026-07-05")), (D("2026-07-05"), D("2026-08-05")), (D("2026-08-05"), D("2026-09-05"))]
    assert len(deadlines_in({"cadence": "weekly"}, Q3.start, Q3.end)) == 13  # Fridays from 07-03 to 09-25
    # none owed before the plan was issued
    assert deadlines_in({"cadence": "monthly"}, Q3.start, Q3.end, since=D("2026-08-15")) == [
        (D("2026-07-31"), D("2026-08-31")), (D("2026-08-31"), D("2026-09-30"))]
    assert deadlines_in({"cadence": "quarterly"}, Q3.start, Q3.end, since=D("2026-10-01")) == []


def u(id_, part, status, on, recorded=None, source="cli", reverses=None):
    return Update(id_, part, status, D(on), at(recorded or on), source, reverses)


def test_completions_count_once_on_time_or_late_against_the_due_date_in_force():
    parts = [Part(1, 10, 1, D("2026-08-31")), Part(2, 10, 2, D("2026-07-31")), Part(3, 10, 3, D("2026-12-31")),
             Part(4, 10, 4, D("2026-05-31")), Part(5, 10, 5, None)]
    updates = [u(1, 1, "done", "2026-08-20"),  # on time
               u(2, 2, "done", "2026-08-20"),  # late, though extended after the quarter (not known then)
               u(3, 3, "done", "2026-09-01"),  # early: on time, though not owed yet
               u(4, 4, "done", "2026-05-20"),  # done before the quarter: neither owed nor completed in it
               u(5, 5, "done", "2026-09-10")]  # ongoing: no due date, on time
    ext = [Extension(2, None, D("2026-12-31"), D("2026-10-05"), at("2026-10-05"))]
    [(agency, c)] = quarter_counts(history(parts, updates, ext), Q3).items()
    assert agency == 10
    assert (c.parts_owed, c.completed_on_time, c.completed_late, c.overdue) == (2, 3, 1, 0)


def test_a_claim_accepted_next_quarter_counts_then_dated_as_the_claim():
    parts = [Part(1, 10, 1, D("2026-06-30"))]
    updates = [u(1, 1, rules.CLAIMED, "2026-06-28"),
               u(2, 1, "done", "2026-06-28", recorded="2026-07-03", source=rules.SOURCE_VERIFY)]
    h = history(parts, updates)
    q2, q3 = quarter_counts(h, Quarter(2026, 2))[10], quarter_counts(h, Q3)[10]
    # at the end of Q2 the claim awaited review: the part was not done (nor overdue: due that day)
    assert (q2.parts_owed, q2.completed_on_time, q2.overdue, q2.reports_due, q2.reports_on_time) == (1, 0, 0, 1, 1)
    # Q3 sees it accepted, closed on the claim's date: still owed (Q2 closed it open), completed on
    # time, and counted here, once
    assert (q3.parts_owed, q3.completed_on_time, q3.completed_late, q3.overdue) == (1, 1, 0, 0)
    assert quarter_counts(h, Quarter(2026, 4))[10].completed_on_time == 0


def test_overdue_at_quarter_end_counts_days_and_full_thirties_per_part():
    parts = [Part(1, 10, 1, D("2026-08-01")), Part(2, 10, 2, D("2026-09-29")), Part(3, 10, 3, D("2026-09-30"))]
    updates = [u(1, 2, rules.CLAIMED, "2026-09-20")]  # a claim awaiting review does not stop the clock
    c = quarter_counts(history(parts, updates), Q3)[10]
    assert (c.overdue, c.overdue_days, c.overdue_per_30_days) == (2, 60 + 1, 2)  # 60 days: two thirties; 1 day: none
    assert c.parts_owed == 3


def test_a_part_overdue_since_before_the_quarter_is_charged_the_quarters_days_only():
    parts = [Part(1, 10, 1, D("2022-12-31")), Part(2, 10, 2, D("2026-06-30"))]  # years overdue; overdue from Q3's day 1
    c = quarter_counts(history(parts, []), Q3)[10]
    assert c.overdue_days == (D("2026-09-30") - D("2022-12-31")).days + 92  # the full age is still shown
    assert c.overdue_per_30_days == 3 + 3  # 92 days of Q3 each: three full thirties, not the 1,369 days' 45


def test_reports_owed_by_open_parts_and_made_on_time_by_real_reports_only():
    parts = [Part(1, 10, 1, None), Part(2, 10, 2, None), Part(3, 10, 3, None), Part(4, 10, 4, None)]
    updates = [u(1, 1, "in_progress", "2026-07-15"),  # a report in the period
               u(2, 2, "in_progress", "2026-06-30"),  # dated at the deadline before: last period's
               u(3, 2, "in_progress", "2026-08-01"), u(4, 2, "in_progress", "2026-08-01", source="undo", reverses=3),
               u(5, 3, "done", "2026-05-01"),  # done before: owes nothing
               u(6, 4, "blocked", "2026-09-30", recorded="2026-10-02")]  # entered after the quarter: not known then
    c = quarter_counts(history(parts, updates), Q3)[10]
    assert (c.reports_due, c.reports_on_time, c.report_missed) == (3, 1, 2)


def test_returns_and_reminders_count_in_the_quarter_they_are_dated_and_known():
    parts = [Part(1, 10, 1, None), Part(2, 20, 2, None)]
    verdicts = [Verdict(1, rules.RETURNED, D("2026-07-10"), at("2026-07-10")),
                Verdict(1, rules.ACCEPTED, D("2026-08-10"), at("2026-08-10")),
                Verdict(2, rules.RETURNED, D("2026-06-30"), at("2026-06-30")),  # Q2's
                Verdict(2, rules.RETURNED, D("2026-09-30"), at("2026-09-30", 17))]  # 01:00 on 10-01 in Shanghai
    reminders = [Reminder(10, 1, D("2026-07-01"), at("2026-07-01")), Reminder(10, 2, D("2026-08-01"), at("2026-08-01")),
                 Reminder(10, 2, D("2026-08-15"), at("2026-08-15")), Reminder(20, 3, D("2026-10-01"), at("2026-10-01"))]
    counts = quarter_counts(history(parts, verdicts=verdicts, reminders=reminders), Q3)
    assert counts[10].claim_returned == 1 and counts[20].claim_returned == 0
    assert counts[10].reminders == {1: 1, 2: 2, 3: 0} and counts[20].reminders == {1: 0, 2: 0, 3: 0}


def test_score_is_base_plus_weighted_counts_with_the_plans_overrides():
    c = Counts(completed_on_time=3, completed_late=1, overdue=2, overdue_days=61, overdue_per_30_days=2,
               reports_due=4, reports_on_time=1, claim_returned=1, reminders={1: 1, 2: 2, 3: 1})
    assert score(c, weights(None)) == 100 + 2 * 3 + 0 - 5 * 2 - 1 * 2 - 1 * 3 - 2 * 1 - 1 - 2 * 2 - 5 == 79
    w = weights({"overdue": -10, "completed_late": 0.5})
    assert w["base"] == 100 and w["overdue"] == -10
    assert score(c, w) == 69.5
    assert score(Counts(), {**weights(None), "base": 0}) == 0.0


@pytest.mark.parametrize("scores, expected", [
    ({"a": 90, "b": 95, "c": 90, "d": 80}, {"b": 1, "a": 2, "c": 2, "d": 4}),
    ({"a": 100, "b": 100}, {"a": 1, "b": 1}),
    ({}, {}),
])
def test_equal_scores_share_a_rank(scores, expected):
    assert ranks(scores) == expected
