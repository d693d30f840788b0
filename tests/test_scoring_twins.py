"""The scorecard's SQL twins (tasklist/scoring.py) give what its Python rules give, on random histories,
on both engines: each question asked of a part's updates, and whole quarters as the command counts
them (tasklist/reports/scorecard.py) against :func:`scoring.quarter_counts` over every record."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest

from tasklist import rules, scoring
from tasklist.reports.scorecard import scorecard
from tasklist.scoring import Extension, History, Part, Quarter, Reminder, Update, Verdict
from tasklist.storage.lookup import current_plan
from tasklist.storage.schema import open_db

pytestmark = pytest.mark.usefixtures("engine")

D = date.fromisoformat
#: the quarters judged; the histories cluster their dates and times around these quarters' edges
QUARTERS = [Quarter(2022, 4), Quarter(2023, 1), Quarter(2023, 2), Quarter(2023, 3)]
SOURCES = ["cli", "cli", "cli", "import:feedback.xlsx", rules.SOURCE_VERIFY, rules.SOURCE_RETURN]


def _instant(rng: random.Random, day: date) -> str:
    """A UTC time on or around ``day``: often at the edge of a day in Shanghai (16:00 UTC), now and
    then days or months later (a back-dated entry)."""
    later = rng.choice([0, 0, 0, 1, 3, 40, 100]) if rng.random() < 0.4 else 0
    moment = rng.choice(["15:59:59.999999", "16:00:00.000000", "16:00:00.000001", "04:00:00.000000", "23:30:00.000000"])
    return f"{(day + timedelta(days=later)).isoformat()}T{moment}+00:00"


def random_history(conn, rng: random.Random) -> None:
    """Updates (undos among them, as `undo` writes them: dated as what they reverse), claims' verdicts,
    extensions and reminders, inserted as rows, with dates and entry times around the quarters' edges."""
    parts = [r[0] for r in conn.all("SELECT a.id FROM assignment a ORDER BY a.id")]
    parts = rng.sample(parts, min(40, len(parts)))  # a few parts with many records each
    edges = [d for q in QUARTERS for d in (q.start - timedelta(days=1), q.start, q.end, q.end - timedelta(days=1))]
    edges += [d for q in QUARTERS for d, _ in scoring.deadlines_in({"cadence": "monthly", "day": 5}, q.start, q.end)]

    def day() -> date:
        return rng.choice(edges) if rng.random() < 0.5 else date(2022, 8, 1) + timedelta(days=rng.randrange(0, 480))

    with conn.transaction():
        updates: list[tuple[int, int, str, str]] = []  # id, part, reported_on, recorded_at
        undone: set[int] = set()
        for _ in range(500):
            part = rng.choice(parts)
            if updates and rng.random() < 0.12:  # an undo of an earlier update: dated as it, entered later
                n, part, on, at = rng.choice(updates)
                if n in undone:
                    continue
                undone.add(n)
                status, when, source, reverses = rng.choice(rules.STATUSES), _instant(rng, D(at[:10])), "undo", n
            else:
                on = day().isoformat()
                status, when, source, reverses = rng.choice(rules.STATUSES), _instant(rng, D(on)), rng.choice(SOURCES), None
                if rng.random() < 0.1 and updates:  # the same date and time as another: the id decides
                    _, part, on, when = rng.choice(updates)
            n = conn.insert("INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, "
                            "source, reverses_id) VALUES (?,?,?,?,?,?,?)", (part, status, on, when, "t", source, reverses))
            updates.append((n, part, on, when))
        for n, _, on, _ in rng.sample(updates, 60):
            reviewed = D(on) + timedelta(days=rng.randrange(0, 40))
            verdict = rng.choice([rules.ACCEPTED, rules.RETURNED, rules.RETURNED])
            conn.execute("INSERT INTO review (claim_id, verdict, reviewed_on, update_id, recorded_at, recorded_by) "
                         "VALUES (?,?,?,?,?,?)", (n, verdict, reviewed.isoformat(), n, _instant(rng, reviewed), "t"))
        for _ in range(40):
            part = rng.choice(parts)
            item = conn.value("SELECT item_id FROM assignment WHERE id = ?", (part,))
            granted = day()
            conn.execute("INSERT INTO extension (item_id, assignment_id, new_due, reason, granted_on, recorded_at, "
                         "recorded_by) VALUES (?,?,?,?,?,?,?)",
                         (item, part if rng.random() < 0.5 else None, day().isoformat(), "调整", granted.isoformat(),
                          _instant(rng, granted), "t"))
        agencies = [r[0] for r in conn.all("SELECT id FROM agency")]
        for k in range(60):
            on = day()
            conn.execute("INSERT INTO reminder_log (agency_id, level, items, as_of, sent_at, message_id, recipients, "
                         "sent_by) VALUES (?,?,?,?,?,?,?,?)",
                         (rng.choice(agencies), rng.choice([1, 2, 3, 3, 4]), "[]", on.isoformat(), _instant(rng, on),
                          f"<{k}@test>", "[]", "t"))


def every_record(conn) -> History:
    """The plan's whole history as the rules read it (what the command read before it asked the database)."""
    plan = current_plan(conn)
    assert plan is not None
    scope = ("JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
             "WHERE i.plan_id = ? AND a.archived = 0 AND i.archived = 0 AND g.kind <> 'group'")
    parts = [Part(a, g, i, D(due) if due else None)
             for a, g, i, due in conn.all(f"SELECT a.id, a.agency_id, a.item_id, i.due FROM assignment a {scope} ORDER BY a.id",
                                          (plan.id,))]
    updates = [Update(n, a, s, D(on), at, src, rev) for n, a, s, on, at, src, rev in conn.all(
        "SELECT id, assignment_id, status, reported_on, recorded_at, source, reverses_id FROM status_update")]
    extensions = [Extension(i, a, D(due), D(on), at) for i, a, due, on, at in conn.all(
        "SELECT item_id, assignment_id, new_due, granted_on, recorded_at FROM extension")]
    verdicts = [Verdict(a, v, D(on), at) for a, v, on, at in conn.all(
        "SELECT c.assignment_id, v.verdict, v.reviewed_on, v.recorded_at FROM review v JOIN status_update c ON c.id = v.claim_id")]
    reminders = [Reminder(g, level, D(on), at) for g, level, on, at in conn.all(
        "SELECT agency_id, level, as_of, sent_at FROM reminder_log")]
    return History(parts, updates, extensions, verdicts, reminders, plan.reporting, plan.issued, plan.timezone)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_question_of_a_parts_updates_has_the_rules_answer(cli, seed):
    cli("list")
    conn = open_db()
    try:
        rng = random.Random(seed)
        random_history(conn, rng)
        history = every_record(conn)
        index = scoring._Index(history.updates)
        parts = sorted({u.assignment_id for u in history.updates}) + [history.parts[0].assignment_id]
        for q in QUARTERS:
            asked = scoring.Asked.of(q, {"cadence": "monthly", "day": 5}, None, history.timezone)
            cutoffs = (asked.cutoff, asked.cutoff_before, _instant(rng, q.end))
            days = [q.end, asked.before, *(p for p, _ in asked.deadlines), q.end + timedelta(days=1)]
            for cutoff in cutoffs:
                rows = conn.all(f"SELECT a.id, {', '.join([scoring.SQL_KNOWN_IN_FORCE] * len(days))} FROM assignment a",
                                [v for d in days for v in (d.isoformat(), cutoff)])
                got = {r[0]: r[1:] for r in rows}
                for part in parts:
                    for d, answer in zip(days, got[part], strict=True):
                        u = index.in_force(part, d, cutoff)
                        assert scoring.known_in_force(answer) == ((u.status, u.reported_on) if u else None), (part, d, cutoff)
                        assert scoring.known_status(answer) == index.status(part, d, cutoff)
                spans = [*asked.deadlines, (asked.before, q.end), (q.start, q.start), (q.end, q.end + timedelta(days=1))]
                rows = conn.all(f"SELECT a.id, {', '.join([scoring.SQL_REPORTED_BETWEEN] * len(spans))} FROM assignment a",
                                [v for after, until in spans for v in (after.isoformat(), until.isoformat(), cutoff, cutoff)])
                got = {r[0]: r[1:] for r in rows}
                for part in parts:
                    for (after, until), answer in zip(spans, got[part], strict=True):
                        assert bool(answer) == index.reported_between(part, after, until, cutoff), (part, after, until, cutoff)
    finally:
        conn.close()


@pytest.mark.parametrize("seed, reporting, issued", [
    (4, {"cadence": "quarterly"}, "2021-03-03"),
    (5, {"cadence": "monthly", "day": 5}, "2023-02-10"),
    (6, {"cadence": "weekly", "day": 3}, None),
])
def test_the_commands_quarters_are_the_rules_quarters(cli, seed, reporting, issued):
    cli("list")
    conn = open_db()
    try:
        with conn.transaction():
            conn.execute("UPDATE plan SET reporting = ?, issued = ?", (json.dumps(reporting), issued))
        random_history(conn, random.Random(seed))
        history = every_record(conn)
        names = dict(conn.all("SELECT id, name FROM agency"))
        card = scorecard(conn, QUARTERS[-1], trend=True)
        assert [c.quarter for c in card.quarters][-3:] == QUARTERS[-3:]  # and those before, since the plan's issue
        for c in card.quarters:
            expected = {names[a]: counts for a, counts in scoring.quarter_counts(history, c.quarter).items()}
            assert {r.agency: r.counts for r in c.rows} == expected, c.quarter
            assert sum(r.counts.parts_owed + r.counts.reports_due + r.counts.claim_returned for r in c.rows) > 0
        # one quarter by itself counts as it does among others
        alone = scorecard(conn, QUARTERS[2])
        assert [(r.agency, r.counts) for r in alone.current.rows] == [(r.agency, r.counts) for r in card.quarters[-2].rows]
    finally:
        conn.close()
