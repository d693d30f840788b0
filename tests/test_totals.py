"""The database-side figures equal the Python rules, on random histories, on both engines."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tasklist import rules
from tasklist.errors import BadInput
from tasklist.reports import facts as reports
from tasklist.reports import totals as aggregates
from tasklist.reports import views
from tasklist.storage.lookup import assignments_of, resolve_agency, resolve_item
from tasklist.storage.schema import open_db
from tasklist.storage.writes import extend, record_update, review_claim, undo

pytestmark = pytest.mark.usefixtures("engine")

AS_OFS = [date(2021, 2, 1), date(2021, 12, 31), date(2022, 12, 31), date(2023, 1, 1), date(2024, 7, 15), date(2026, 11, 23)]


def random_history(conn, seed):
    rng = random.Random(seed)
    codes = [r[0] for r in conn.all("SELECT code FROM item ORDER BY position")]
    start = date(2021, 3, 1)
    # the boundaries the rules turn on: reporting deadlines, as-of dates, the end of the warning window
    edges = [date(y, m, d) for y in range(2021, 2027) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))]
    edges += AS_OFS + [d + timedelta(days=30) for d in AS_OFS]
    for _ in range(150):
        item = resolve_item(conn, rng.choice(codes))
        assigned = assignments_of(conn, item)
        who = resolve_agency(conn, rng.choice(assigned).agency)
        day = rng.choice(edges) if rng.random() < 0.4 else start + timedelta(days=rng.randrange(0, 2100))
        status = rng.choice(rules.REPORTABLE)
        verified = status == rules.DONE and rng.random() < 0.3  # the office's own report, closed as it is made
        ids = record_update(conn, item, status=status, as_of=date(2030, 1, 1), agency=who, reported_on=day,
                            note="随机", verified=verified)
        if status == rules.DONE and not verified:  # a claim: accepted, returned, or left awaiting review
            verdict = rng.random()
            if verdict < 0.75:
                on = day + timedelta(days=rng.randrange(0, 60))
                try:
                    review_claim(conn, item, agency=who, accept=verdict < 0.5, reason="材料不全", on=on,
                                 as_of=date(2030, 1, 1))
                except BadInput as exc:  # a later-dated report came before the claim: it is not the one in force
                    assert "no completion claim awaiting review" in exc.message
        if rng.random() < 0.1:
            try:
                undo(conn, ids[0])
            except BadInput as exc:  # a later-dated update came before it: the history stays as it is
                assert "is no longer the latest" in exc.message
    for _ in range(25):
        item = resolve_item(conn, rng.choice(codes))
        granted = start + timedelta(days=rng.randrange(0, 1500))
        new_due = rng.choice(edges) if rng.random() < 0.5 else granted + timedelta(days=rng.randrange(-30, 400))
        who = resolve_agency(conn, rng.choice(assignments_of(conn, item)).agency) if rng.random() < 0.5 else None
        try:
            extend(conn, item, to=new_due, reason="调整", as_of=granted, agency=who)
        except BadInput as exc:  # an extension moves a deadline later only: that draw is skipped
            assert "an extension must move it later" in exc.message


@pytest.mark.parametrize("seed", [1, 2])
def test_agency_summary_in_sql_equals_the_rules(cli, seed):
    cli("list")
    conn = open_db()
    try:
        random_history(conn, seed)
        for as_of in AS_OFS:
            for warn in (0, 30, 400):
                expected = reports.summarize(conn, reports.agency_assignments(reports.snapshot(conn, as_of, warn_days=warn)))
                assert aggregates.agency_summary(conn, as_of, warn_days=warn) == expected, (as_of, warn)
        group = resolve_agency(conn, "各设区市人民政府")
        expected = reports.summarize(conn, reports.agency_assignments(reports.snapshot(conn, AS_OFS[-1]), group))
        assert aggregates.agency_summary(conn, AS_OFS[-1], agency=group) == expected
    finally:
        conn.close()


def test_whole_plan_summary_and_unassigned_check_are_planned_without_hash_joins(cli, engine, monkeypatch):
    """On PostgreSQL the agency summary of the whole plan and the check for items awaiting assignment
    are planned with hash joins off (merge joins: benchmarks/PLANS.md, round 8), and the unassigned
    check without parallel workers; one agency's summary, and the statements after them, with the
    session's settings. The figures are the rules' either way (the tests above)."""
    from tasklist.storage.connection import Connection

    cli("list")
    conn = open_db()
    seen: list[tuple[str, tuple | None]] = []
    all_rows = Connection.all

    def noted(self, sql, params=()):
        if self.dialect == "postgresql" and sql.startswith("SELECT") and "current_setting" not in sql:
            seen.append((sql, all_rows(self, "SELECT current_setting('enable_hashjoin'), "
                                               "current_setting('max_parallel_workers_per_gather')")[0]))
        else:
            seen.append((sql, None))
        return all_rows(self, sql, params)

    monkeypatch.setattr(Connection, "all", noted)
    try:
        views.status_view(conn, AS_OFS[-1], summary_only=True)
        aggregates.agency_summary(conn, AS_OFS[-1], agency=resolve_agency(conn, "各设区市人民政府"))
        aggregates.first_items_per_agency(conn, 3)
    finally:
        conn.close()
    unassigned = [s for sql, s in seen if "NOT EXISTS (SELECT 1 FROM assignment a" in sql]
    summaries = [s for sql, s in seen if "GROUP BY g.agency_id" in sql or "GROUP BY ag.id" in sql]
    others = [s for sql, s in seen if "ROW_NUMBER()" in sql]
    assert len(unassigned) == 1 and len(summaries) == 2 and len(others) == 1
    if engine == "postgresql":
        session = others[0]
        assert session is not None and session[0] == "on" and session[1] != "0"
        assert unassigned == [("off", "0")]
        assert summaries == [("off", session[1]), session]  # the whole plan's, then one agency's
    else:
        assert unassigned + summaries + others == [None] * 4


def test_overdue_facts_are_the_overdue_rows_in_report_order(cli, engine):
    """The rules' overdue rows, counted and cut in the database; on PostgreSQL from the statements of
    the two halves of the items, run side by side on two connections and merged (_merged_halves)."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 3)
        group = resolve_agency(conn, "各设区市人民政府")
        for as_of in AS_OFS:
            groups = reports.overdue_groups(conn, reports.snapshot(conn, as_of))
            expected = [(name, a.item.id) for name, rows in groups.items() for a in rows]
            facts = aggregates.overdue_facts(conn, as_of)
            assert facts.first == expected, as_of
            assert facts.totals == {name: len(rows) for name, rows in groups.items()}, as_of
            assert list(facts.totals) == list(groups), as_of  # agencies in report order
            assert facts.items == len({item_id for _, item_id in expected}), as_of
            assert aggregates.overdue_facts(conn, as_of, limit=5) == (expected[:5], facts.totals, facts.items), as_of
            # one agency's (a group: its members' parts too)
            mine = reports.overdue_groups(conn, reports.snapshot(conn, as_of), group)
            assert aggregates.overdue_facts(conn, as_of, agency=group) == (
                [(name, a.item.id) for name, rows in mine.items() for a in rows],
                {name: len(rows) for name, rows in mine.items()},
                len({a.item.id for rows in mine.values() for a in rows})), as_of
            full = views.overdue_view(conn, as_of)
            first = views.overdue_view(conn, as_of, limit=7)
            assert first.totals == full.totals and (first.items, first.assignments) == (full.items, full.assignments)
            shown = [(n, a.item.code) for n, rows in first.groups.items() for a in rows]
            assert shown == [(n, a.item.code) for n, rows in full.groups.items() for a in rows][:7]
    finally:
        conn.close()


def test_overdue_parts_are_the_overdue_groups_of_the_whole_snapshot(cli):
    """Reading only the parts that may be overdue judges each overdue part as the whole snapshot does."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 5)
        groups = [None, resolve_agency(conn, "各设区市人民政府"), resolve_agency(conn, "省发展改革委")]
        for as_of in AS_OFS:
            for agency in groups:
                expected = reports.overdue_groups(conn, reports.snapshot(conn, as_of), agency)
                got = reports.overdue_parts(conn, as_of, agency)
                assert list(got) == list(expected), (as_of, agency)
                for name, rows in expected.items():
                    assert [(a.as_dict(), a.assignment_id, *_item_shown(a.item)) for a in got[name]] \
                        == [(a.as_dict(), a.assignment_id, *_item_shown(a.item)) for a in rows]
        assert any(reports.overdue_parts(conn, as_of) for as_of in AS_OFS)
        # an item extended on its own (its due date in force is not its registry's) among them
        assert any(a.item.due != a.item.due_original
                   for as_of in AS_OFS for rows in reports.overdue_parts(conn, as_of).values() for a in rows)
    finally:
        conn.close()


def test_open_parts_are_the_parts_not_done_of_the_whole_snapshot(cli):
    """Reading only the parts not done (a reminder run's) judges each as the whole snapshot does, in
    registry order, its item carrying what a listing shows of it and its due text."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 7)
        for as_of in AS_OFS:
            for warn_days in (30, 7):
                expected = [a for item in reports.snapshot(conn, as_of, warn_days=warn_days) for a in item.assignments
                            if a.status != rules.DONE]
                got = reports.open_parts(conn, as_of, warn_days=warn_days)
                assert [(a.as_dict(), a.assignment_id, *_item_shown(a.item), a.item.due_text) for a in got] \
                    == [(a.as_dict(), a.assignment_id, *_item_shown(a.item), a.item.due_text) for a in expected], as_of
                for agency in (None, resolve_agency(conn, "各设区市人民政府"), resolve_agency(conn, "省发展改革委")):
                    groups = reports.overdue_groups(conn, reports.snapshot(conn, as_of, warn_days=warn_days), agency)
                    assert {name: [(a.as_dict(), a.assignment_id) for a in rows]
                            for name, rows in reports.overdue_groups_of(conn, got, agency).items()} \
                        == {name: [(a.as_dict(), a.assignment_id) for a in rows] for name, rows in groups.items()}, as_of
        # the history has done parts, overdue ones and some due soon
        mixed = [a for as_of in AS_OFS for a in reports.open_parts(conn, as_of)]
        assert any(a.overdue for a in mixed) and any(a.due_soon for a in mixed) and any(not a.overdue for a in mixed)
        assert any(a.item.due_text for a in mixed) and any(a.returned for a in mixed)
        assert any(a.status == rules.DONE for as_of in AS_OFS for item in reports.snapshot(conn, as_of)
                   for a in item.assignments)
    finally:
        conn.close()


def _item_shown(item):
    """What an overdue part's item carries (:func:`facts.overdue_parts`) as a snapshot's does."""
    return (item.id, item.code, item.shown_code, item.plan_id, item.kind, item.no, item.title, item.due_original,
            item.due, item.archived)


def test_overdue_parts_read_their_items_with_them(cli, monkeypatch):
    """Every overdue part (overdue --all) comes from one statement that brings what is shown of its item
    with it: no second statement reads the items, and no item's content (long text nothing shows) is
    read (10k items: the items' statement was 40 % of the parts statement's instructions)."""
    from tasklist.storage.connection import Connection

    cli("list")
    conn = open_db()
    try:
        random_history(conn, 3)
        sent = []
        execute = Connection.execute

        def watched(self, sql, params=()):
            sent.append(" ".join(sql.split()))
            return execute(self, sql, params)

        monkeypatch.setattr(Connection, "execute", watched)
        assert reports.overdue_parts(conn, date(2024, 7, 15))
        reading_items = [sql for sql in sent if " item i" in sql]
        assert len(reading_items) == 1, reading_items
        assert not [sql for sql in sent if "content" in sql]
        # on SQLite the items come first, their due date filtering them before their parts are looked up
        # (10k: 9.4M fewer instructions than every live part read and its item looked up); PostgreSQL
        # plans the join as it sees fit
        first = "FROM item i CROSS JOIN assignment a" if conn.dialect == "sqlite" else "FROM assignment a JOIN item i"
        assert first in reading_items[0], reading_items
        if conn.dialect == "sqlite":
            sent.clear()
            monkeypatch.setattr(Connection, "execute", execute)
            sql = reading_items[0]
            params = [date(2024, 7, 15).isoformat()] * sql.count("?")
            steps = [r[3] for r in conn.all("EXPLAIN QUERY PLAN " + sql, params)]
            assert steps[0].startswith("SCAN i") and any(s.startswith("SEARCH a USING INDEX") for s in steps), steps
    finally:
        conn.close()


def test_item_values_are_those_of_the_filtered_snapshot(cli):
    """list --json's values, judged from the rows alone, equal ItemState.values() of the items
    filter_items keeps of the whole snapshot: every filter, undone updates, extensions of items and
    of parts, returned claims, several batches, a group (its members' parts too)."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 6)
        group, one = resolve_agency(conn, "各设区市人民政府"), resolve_agency(conn, "省发展改革委")
        filters = [{}, {"kind": "outcome"}, {"agency": group}, {"agency": one, "overdue": True},
                   {"status": rules.IN_PROGRESS}, {"status": rules.DONE, "kind": "task"}, {"overdue": True},
                   {"due_before": date(2023, 1, 1)}, {"status": rules.CLAIMED, "agency": one}]
        for as_of in AS_OFS:
            for wanted in filters:
                snapshot = reports.snapshot(conn, as_of, overdue_only=wanted.get("overdue", False))
                expected = [i.values() for i in reports.filter_items(snapshot, **wanted)]
                assert list(reports.iter_item_values(conn, as_of, batch=7, **wanted)) == expected, (as_of, wanted)
        whole = [i.values() for i in reports.snapshot(conn, AS_OFS[-1], warn_days=400)]
        assert list(reports.iter_item_values(conn, AS_OFS[-1], warn_days=400)) == whole
        assert any(v[13] for v in whole) and any(v[15] for v in whole) and any(v[18] for v in whole)  # extended, overdue, stale
    finally:
        conn.close()


def test_item_values_left_halfway_leave_the_connection_usable(cli):
    """A listing read in chunks asks for the next chunk before it gives this one (on PostgreSQL in
    pipeline mode): left after its first value, the chunk asked for is dropped and the connection
    answers the next statement, the same listing again included."""
    cli("list")
    conn = open_db()
    try:
        as_of = AS_OFS[-1]
        values = reports.iter_item_values(conn, as_of, batch=2)
        first = next(values)
        values.close()
        assert conn.value("SELECT count(*) FROM item") > 4
        assert list(reports.iter_item_values(conn, as_of, batch=3)) == [i.values() for i in reports.snapshot(conn, as_of)]
        assert first == reports.snapshot(conn, as_of)[0].values()
    finally:
        conn.close()


def test_item_values_judge_an_undone_report_by_the_real_report_before_it(cli):
    """A part whose update in force is an undo was last reported by the real report before the undone
    one: stale by that older report, in list --json's values as in the snapshot."""
    cli("list")
    conn = open_db()
    try:
        code = conn.value("SELECT i.code FROM item i JOIN assignment a ON a.item_id = i.id AND a.archived = 0 "
                          "GROUP BY i.id, i.code, i.position HAVING count(*) = 1 ORDER BY i.position LIMIT 1")
        item = resolve_item(conn, code)
        who = resolve_agency(conn, assignments_of(conn, item)[0].agency)
        for day in (date(2021, 4, 1), date(2026, 11, 1)):
            ids = record_update(conn, item, status=rules.IN_PROGRESS, as_of=date(2030, 1, 1), agency=who,
                                reported_on=day, note="进展")
        undo(conn, ids[0])
        as_of = date(2026, 11, 23)
        expected = [i.values() for i in reports.snapshot(conn, as_of)]
        assert list(reports.iter_item_values(conn, as_of)) == expected
        assert [v[18] for v in expected if v[0] == code] == [True]  # stale: its last real report is of 2021
    finally:
        conn.close()


def test_status_view_shows_the_first_rows_of_each_agency_with_full_figures(cli):
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 4)
        for as_of in AS_OFS:
            full = views.status_view(conn, as_of)
            first = views.status_view(conn, as_of, limit=3)
            assert first.summary == full.summary
            for name, rows in full.groups.items():
                assert [(a.item.code, a.status, a.light) for a in first.groups[name]] == \
                    [(a.item.code, a.status, a.light) for a in rows[:3]]
    finally:
        conn.close()


def _weekly_by_snapshots(conn, as_of, days, warn):
    """The weekly report's figures the way it once worked them out: two full snapshots, judged in Python."""
    start = as_of - timedelta(days=days)
    now = reports.snapshot(conn, as_of, warn_days=warn)
    before = {i.id: i for i in reports.snapshot(conn, start, warn_days=warn)}

    def overall(items):
        by_status = {s: 0 for s in rules.ITEM_STATUSES}
        for i in items:
            by_status[i.status] += 1
        return (len(items), by_status, sum(i.overdue for i in items), sum(i.due_soon for i in items),
                sum(i.stale for i in items))

    completed = [i.code for i in now if i.status == rules.DONE and before[i.id].status != rules.DONE]
    became = [i.code for i in now if i.overdue and not before[i.id].overdue]
    late = [(n, a.item.code, a.days_overdue) for n, rows in reports.overdue_groups(conn, now).items() for a in rows]
    updates: dict[str, int] = {}
    undone = {r.reverses for r in views.history(conn) if r.reverses}
    for r in views.history(conn, since=start + timedelta(days=1)):  # real reports: no undo, nothing undone
        if r.reported_on <= as_of.isoformat() and r.reverses is None and r.id not in undone:
            updates[r.agency] = updates.get(r.agency, 0) + 1
    summary = reports.summarize(conn, reports.agency_assignments(now))
    return overall(now), overall(list(before.values())), completed, became, late, updates, summary


@pytest.mark.parametrize("seed", [5, 6])
def test_weekly_figures_in_sql_equal_two_full_snapshots(cli, seed):
    from tasklist.reports.claims import pending_claims
    from tasklist.reports.weekly import weekly_report

    cli("list")
    conn = open_db()
    try:
        random_history(conn, seed)
        for as_of in AS_OFS:
            for days, warn in ((7, 30), (30, 0), (400, 400)):
                now, before, completed, became, late, updates, summary = _weekly_by_snapshots(conn, as_of, days, warn)
                assert aggregates.item_totals(conn, as_of, warn_days=warn) == now
                assert aggregates.item_totals(conn, as_of - timedelta(days=days), warn_days=warn) == before
                r = weekly_report(conn, as_of, days=days, warn_days=warn)
                assert [i.code for i in r.completed] == completed, (as_of, days)
                assert [i.code for i in r.became_overdue] == became, (as_of, days)
                assert [(n, a.item.code, a.days_overdue) for n, rows in r.overdue.items() for a in rows] == late
                assert r.updates_by_agency == updates and list(r.updates_by_agency) == list(updates)
                assert [a["agency"] for a in r.agencies] == [s.agency for s in summary]
                assert [(a["done"], a["overdue"], a["due_soon"], a["stale"]) for a in r.agencies] == \
                    [(s.done, s.overdue, s.due_soon, s.stale) for s in summary]
                # the totals inside the report read the day's shared item rows: the same figures
                for got, want in ((r.overall, now), (r.previous, before)):
                    assert (got.items, got.by_status, got.overdue, got.due_soon, got.stale) == want, (as_of, days)
                # the claims query is skipped when no part stands claimed: the same queue either way
                assert [c.claim_id for c in r.pending_claims] == [c.claim_id for c in pending_claims(conn, as_of)]
                first = weekly_report(conn, as_of, days=days, warn_days=warn, limit=5)
                assert [(n, a.item.code) for n, rows in first.overdue.items() for a in rows] == \
                    [(n, code) for n, code, _ in late][:5]
                assert first.overdue_totals == r.overdue_totals
    finally:
        conn.close()


@pytest.mark.parametrize("seed", [5])
def test_weekly_asks_only_the_first_overdue_rows_and_counts_them_as_the_view_does(cli, seed, monkeypatch):
    """A screenful of the weekly report: its agency summary and item totals count the overdue parts
    already, over the same facts, so the overdue view asks the database only for its first rows;
    its totals, items, parts and rows are those the view finds by itself."""
    from tasklist.reports import weekly

    cli("list")
    conn = open_db()
    views_built, asked = [], []
    real_view, real_facts = views.overdue_view, views.overdue_facts

    def view(*args, **kwargs):
        views_built.append(real_view(*args, **kwargs))
        return views_built[-1]

    def facts(*args, **kwargs):
        asked.append(kwargs.get("counted", True))
        return real_facts(*args, **kwargs)

    monkeypatch.setattr(weekly, "overdue_view", view)
    monkeypatch.setattr(views, "overdue_facts", facts)
    try:
        random_history(conn, seed)
        for as_of in AS_OFS:
            views_built.clear()
            asked.clear()
            weekly.weekly_report(conn, as_of, days=30, limit=5)
            assert asked == [False], as_of  # the first rows alone
            alone = views.overdue_view(conn, as_of, limit=5)
            got = views_built[0]
            assert (got.totals, list(got.totals), got.items, got.assignments) == \
                (alone.totals, list(alone.totals), alone.items, alone.assignments), as_of
            assert {n: [a.item.code for a in rows] for n, rows in got.groups.items()} == \
                {n: [a.item.code for a in rows] for n, rows in alone.groups.items()}, as_of
            assert alone.totals and alone.items, as_of  # some overdue parts on each day tried
    finally:
        conn.close()


@pytest.mark.parametrize("seed", [3, 7])
def test_week_facts_give_both_days_the_figures_of_each_day_alone(cli, seed):
    """Within week_facts (one table on both engines, the week's start looked up again only where an
    update is dated in the period), the totals and the changed items equal those worked out day by day."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, seed)
        for as_of in AS_OFS:
            for days, warn in ((7, 30), (90, 0), (400, 400)):
                start = as_of - timedelta(days=days)
                alone = (aggregates.item_totals(conn, as_of, warn_days=warn),
                         aggregates.item_totals(conn, start, warn_days=warn))
                summary = aggregates.agency_summary(conn, start, warn_days=warn)
                with aggregates.week_facts(conn, as_of, start):
                    assert aggregates.week_item_totals(conn, as_of, start, warn_days=warn) == alone, (as_of, days)
                    assert aggregates.agency_summary(conn, start, warn_days=warn) == summary, (as_of, days)
                    changes = aggregates.item_changes(conn, start, as_of)
                assert aggregates.item_changes(conn, start, as_of) == changes, (as_of, days)
    finally:
        conn.close()


def test_week_facts_inside_a_transaction_give_the_same_figures_and_leave_nothing(cli):
    """The week's table is made where the engine allows (on SQLite a database in memory attached for
    it, or within a transaction, where nothing can be attached, the temp store): the figures are the
    same either way, and once the block ends no table nor attached database is left."""
    cli("list")
    conn = open_db()

    def leftovers():
        if conn.dialect == "sqlite":
            return (conn.all("SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')"),
                    conn.all("SELECT name FROM sqlite_temp_master WHERE name = 'week_facts'"))
        return conn.all("SELECT relname FROM pg_class WHERE relname = 'week_facts'")

    try:
        random_history(conn, 5)
        conn.end_read()
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        alone = (aggregates.item_totals(conn, as_of), aggregates.item_totals(conn, start))
        before = leftovers()
        with aggregates.week_facts(conn, as_of, start):
            assert aggregates.week_item_totals(conn, as_of, start) == alone
        assert leftovers() == before
        with conn.transaction(), aggregates.week_facts(conn, as_of, start):
            assert aggregates.week_item_totals(conn, as_of, start) == alone
        assert leftovers() == before
        with pytest.raises(ZeroDivisionError), aggregates.week_facts(conn, as_of, start):
            1 / 0  # noqa: B018
        conn.end_read()
        assert leftovers() == before
    finally:
        conn.close()


def test_week_facts_leave_a_users_table_of_the_same_name_alone(cli):
    """A table named week_facts in the user's own database is neither read nor written by the weekly
    figures: SQLite looks a bare name up in main before an attached database, so the week's table is
    always named with its schema. The figures are those of each day alone, and the user's row stays
    the only one."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 3)
        with conn.transaction():
            conn.execute("CREATE TABLE week_facts (item_id INTEGER NOT NULL, aid INTEGER NOT NULL, agency_id INTEGER, "
                         "plan_id TEXT, due_a TEXT, status_a TEXT, last_a TEXT, due_b TEXT, status_b TEXT, last_b TEXT)")
            conn.execute("INSERT INTO week_facts VALUES (1, 1, 1, 'x', '2020-01-01', 'done', NULL, NULL, 'done', NULL)")
        conn.end_read()
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        alone = (aggregates.item_totals(conn, as_of), aggregates.item_totals(conn, start))
        with aggregates.week_facts(conn, as_of, start):
            assert aggregates.week_item_totals(conn, as_of, start) == alone
        with conn.transaction(), aggregates.week_facts(conn, as_of, start):
            assert aggregates.week_item_totals(conn, as_of, start) == alone
        conn.end_read()
        assert conn.all("SELECT item_id, status_a FROM week_facts") == [(1, "done")]
    finally:
        conn.close()


@pytest.mark.parametrize("seed", [7])
def test_history_of_some_updates_is_the_whole_history_filtered(cli, seed):
    """What a write echoes (``history(ids=...)``) is the whole history's rows of those ids, in its order,
    looked up by id: undo at 1M updates read the whole history to show one row (15 s, 860 MB)."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, seed)
        whole = views.history(conn)
        rng = random.Random(seed)
        every = [r.id for r in whole]
        for wanted in ([], [every[-1]], rng.sample(every, 7), rng.sample(every, 40) + [10**9], every):
            assert views.history(conn, ids=wanted) == [r for r in whole if r.id in set(wanted)]
        item = resolve_item(conn, "T1")
        recorded = record_update(conn, item, status=rules.IN_PROGRESS, as_of=date(2030, 1, 1), all_agencies=True,
                                 reported_on=date(2029, 12, 31), note="再报")
        assert len(recorded) > 1
        assert [r.id for r in views.history(conn, ids=recorded)] == sorted(recorded)
        reversals = undo(conn, recorded[0], whole_batch=True)
        assert [r.reverses for r in views.history(conn, ids=reversals)] == recorded
    finally:
        conn.close()


def test_week_facts_count_the_items_awaiting_assignment_as_each_day_alone_does(cli):
    """Beside a plan with parts, one whose every item awaits assignment (待交办, no row in the week's
    table): the week's item totals count those items as unassigned on both days, as item_totals does."""
    from conftest import ROOT

    cli("list")
    conn = open_db()
    try:
        random_history(conn, 4)
        conn.end_read()
        cli("load", ROOT / "data" / "plans" / "qingdao-2023")
        for as_of in AS_OFS:
            start = as_of - timedelta(days=30)
            alone = (aggregates.item_totals(conn, as_of), aggregates.item_totals(conn, start))
            assert alone[0][1][rules.UNASSIGNED] == 28 and alone[0][0] > 28
            waiting = aggregates.unassigned_item_ids(conn)
            with aggregates.week_facts(conn, as_of, start):
                assert aggregates.week_item_totals(conn, as_of, start) == alone, as_of
                # given the items awaiting assignment, as the weekly report has them: the same totals
                assert aggregates.week_item_totals(conn, as_of, start, unassigned=waiting) == alone, as_of
    finally:
        conn.close()


def test_weekly_looks_for_the_items_awaiting_assignment_once(cli, monkeypatch):
    """The weekly report lists the items awaiting assignment and hands their ids to its item totals,
    which count those (the same figures, above) rather than looking for every item's live parts again:
    the statements it sends look for items with no live part once."""
    from conftest import ROOT

    from tasklist.reports import weekly
    from tasklist.storage.connection import Connection

    cli("list")
    cli("load", ROOT / "data" / "plans" / "qingdao-2023")
    conn = open_db()
    sent: list[str] = []
    real = Connection.execute

    def execute(self, sql, params=()):
        sent.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(Connection, "execute", execute)
    try:
        report = weekly.weekly_report(conn, date(2026, 1, 1), limit=5)
        assert report.overall.by_status[rules.UNASSIGNED] == len(report.unassigned) == 28
        # the items with no live part (on PostgreSQL searched among all item ids, alias j: unassigned_item_ids)
        anti_join = re.compile(r"NOT EXISTS \(SELECT 1 FROM assignment a WHERE a\.item_id = [ij]\.id AND a\.archived = 0\)")
        assert sum(bool(anti_join.search(sql)) for sql in sent) == 1
    finally:
        conn.close()


def test_week_table_moves_only_parts_with_an_update_dated_after_the_start(cli):
    """The week's table looks the start day's update in force up again only for the parts whose update
    in force on as_of is dated after the start (an update dated in the period): an update dated on
    the start day itself, a later recording on that same day, an undo in the period and an update
    dated after as_of each give both days' facts exactly as each day's own facts give them."""
    cli("list")
    conn = open_db()
    try:
        aids = [r[0] for r in conn.all("SELECT a.id FROM assignment a JOIN item i ON i.id = a.item_id "
                                       "WHERE a.archived = 0 AND i.archived = 0 ORDER BY a.id LIMIT 5")]
        rows = [  # (part, status, reported_on, recorded_at, undoes the update numbered)
            (0, rules.DONE, "2025-09-08", "2025-09-08T10:00", None),  # on the start day: not moved
            (1, rules.IN_PROGRESS, "2025-09-01", "2025-09-01T10:00", None),
            (1, rules.DONE, "2025-09-09", "2025-09-09T10:00", None),  # the day after the start: moved
            (2, rules.BLOCKED, "2025-09-01", "2025-09-01T10:00", None),
            (2, rules.DONE, "2025-09-10", "2025-09-10T10:00", None),
            (2, rules.BLOCKED, "2025-09-12", "2025-09-12T10:00", 4),  # the done undone in the period
            (3, rules.DONE, "2025-09-08", "2025-09-08T10:00", None),
            (3, rules.BLOCKED, "2025-09-08", "2025-09-08T11:00", None),  # recorded later the same day
            (4, rules.IN_PROGRESS, "2025-09-05", "2025-09-05T10:00", None),
            (4, rules.DONE, "2025-09-16", "2025-09-16T10:00", None),  # after as_of: not in force
        ]
        ids: list[int] = []
        with conn.transaction():
            for part, status, day, at, undoes in rows:
                ids.append(conn.insert(
                    "INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source, "
                    "reverses_id) VALUES (?,?,?,?,?,?,?)",
                    (aids[part], status, day, at, "t", "test", None if undoes is None else ids[undoes])))
        conn.end_read()
        as_of, start = date(2025, 9, 15), date(2025, 9, 8)
        alone = {d: sorted(conn.all(*aggregates._facts(conn, d.isoformat(), None))) for d in (as_of, start)}
        ours = {r[0]: r for r in alone[start] if r[0] in aids}
        assert [ours[a][5] for a in aids] == [rules.DONE, rules.IN_PROGRESS, rules.BLOCKED, rules.BLOCKED,
                                              rules.IN_PROGRESS]
        with aggregates.week_facts(conn, as_of, start):
            for d in (as_of, start):
                assert sorted(conn.all(*aggregates._facts(conn, d.isoformat(), None))) == alone[d], d
    finally:
        conn.close()


def test_week_table_writes_the_start_days_facts_only_where_they_may_differ(cli):
    """The week's table writes the start day's status and last report only for the parts with an update
    dated in the period (NULL elsewhere: as_of's stand for them), and the start day's due date only
    where there are extensions (else each part's due date is its item's on both days); the facts it
    gives for either day are each day's own either way."""
    cli("list")
    conn = open_db()
    try:
        as_of, start = date(2025, 9, 15), date(2025, 9, 8)
        aids = [r[0] for r in conn.all("SELECT a.id FROM assignment a JOIN item i ON i.id = a.item_id "
                                       "WHERE a.archived = 0 AND i.archived = 0 ORDER BY a.id LIMIT 3")]
        rows = [(0, rules.IN_PROGRESS, "2025-09-01"), (0, rules.DONE, "2025-09-10"),  # moved
                (1, rules.BLOCKED, "2025-09-08"),  # dated on the start day: not moved
                (2, rules.IN_PROGRESS, "2025-09-09")]  # moved, from no update at all
        with conn.transaction():
            for part, status, day in rows:
                conn.insert("INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, "
                            "source) VALUES (?,?,?,?,?,?)", (aids[part], status, day, f"{day}T10:00", "t", "test"))
        conn.end_read()

        def week_table():
            alone = {d: sorted(conn.all(*aggregates._facts(conn, d.isoformat(), None))) for d in (as_of, start)}
            with aggregates.week_facts(conn, as_of, start):
                for d in (as_of, start):
                    assert sorted(conn.all(*aggregates._facts(conn, d.isoformat(), None))) == alone[d], d
                table = aggregates._TABLES[id(conn)][0]
                return {r[0]: r[1:] for r in conn.all(f"SELECT aid, due_b, status_b, last_b FROM {table}")}

        written = week_table()
        assert len(written) > 100
        assert written[aids[0]] == (None, rules.IN_PROGRESS, "2025-09-01")
        assert written[aids[2]] == (None, rules.NOT_STARTED, None)
        assert {aid: cols for aid, cols in written.items() if cols != (None, None, None)} == \
            {aids[0]: written[aids[0]], aids[2]: written[aids[2]]}
        # with an extension in the database, every part's start-day due date is written
        item = resolve_item(conn, conn.one("SELECT i.code FROM item i JOIN assignment a ON a.item_id = i.id "
                                           "WHERE a.id = ?", (aids[1],))[0])
        extend(conn, item, to=date(2025, 12, 31), reason="调整", as_of=date(2025, 9, 1))
        conn.end_read()
        written = week_table()
        assert written[aids[1]] == ("2025-12-31", None, None)
        assert sum(cols[0] is not None for cols in written.values()) > 100
    finally:
        conn.close()


def test_week_table_scans_the_assignments_themselves_on_sqlite(cli, engine):
    """SQLite's week table reads the assignments from their table (their rows carry the agency), not
    through ix_assignment_live_item, whose every entry cost a seek of the row (benchmarks/PLANS.md,
    round 10); PostgreSQL has no such clause. A part assigned later to an older item comes out of
    that scan after younger items' parts, and both days' facts are still each day's own."""
    from tasklist.storage.lookup import resolve_agency as agency_named
    from tasklist.storage.writes import assign

    cli("list")
    conn = open_db()
    try:
        as_of, start = date(2025, 9, 15), date(2025, 9, 8)
        first = conn.one("SELECT i.code, i.id FROM item i WHERE i.archived = 0 ORDER BY i.id LIMIT 1")
        taken = {r[0] for r in conn.all("SELECT agency_id FROM assignment WHERE item_id = ?", (first[1],))}
        other = next(name for aid, name in conn.all("SELECT id, name FROM agency ORDER BY id") if aid not in taken)
        assign(conn, resolve_item(conn, first[0]), [agency_named(conn, other)], lead=None, on=date(2025, 9, 10),
               as_of=as_of)
        conn.end_read()
        late = conn.one("SELECT MAX(id) FROM assignment")[0]
        assert conn.one("SELECT item_id FROM assignment WHERE id = ?", (late,))[0] == first[1]
        sql, params = aggregates._week_facts(conn, as_of, start, aggregates._has_extensions(conn))
        if engine == "sqlite":
            plan = [r[3] for r in conn.all(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert "SCAN a" in plan, plan
        else:
            assert "NOT INDEXED" not in sql
        alone = {d: sorted(conn.all(*aggregates._facts(conn, d.isoformat(), None))) for d in (as_of, start)}
        assert any(r[0] == late for r in alone[as_of])
        with aggregates.week_facts(conn, as_of, start):
            for d in (as_of, start):
                assert sorted(conn.all(*aggregates._facts(conn, d.isoformat(), None))) == alone[d], d
    finally:
        conn.close()


def test_week_facts_work_beside_the_caller_on_a_second_connection_and_leave_nothing(cli, engine, monkeypatch):
    """On SQLite outside a transaction, the work handed to week_facts's Aside runs in a thread of its
    own on a second connection to the database, which reads the same week's table (the figures are
    each day's own), ``meanwhile`` first; an error there reaches the caller. When the block ends, by
    an error or not, the second connection is closed and the database in memory is gone. On PostgreSQL
    ``meanwhile`` runs so on a third connection (the table's halves are on the other two) and the rest
    at once on the caller's; within a transaction, and where SQLite reads no URIs, all of it runs at
    once on the caller's connection."""
    monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)  # the small test plans too
    monkeypatch.setattr(aggregates, "_HALVES_FROM", 0)
    import threading

    cli("list")
    conn = open_db()
    names: list[str | None] = []
    real_scratch = aggregates._scratch

    def scratch(*args):
        made = real_scratch(*args)
        names.append(made[3])
        return made

    monkeypatch.setattr(aggregates, "_scratch", scratch)

    def where(c):  # which connection, in which thread
        return c, threading.current_thread()

    try:
        random_history(conn, 5)
        conn.end_read()
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        alone = (aggregates.item_totals(conn, as_of), aggregates.item_totals(conn, start))
        with aggregates.week_facts(conn, as_of, start, meanwhile=where) as aside:
            first = aside.first()
            totals = aside.run(lambda c: (where(c), aggregates.week_item_totals(c, as_of, start)))()
            assert totals[1] == alone
            second = aside.conn
        assert totals[0][0] is second
        if engine == "sqlite":
            assert first[0] is second and second is not conn
            assert threading.current_thread() not in (first[1], totals[0][1])
            with pytest.raises(Exception, match="closed"):
                second.raw.execute("SELECT 1")
            assert names[-1] is not None and names[-1].startswith("file:/tasklist-")
            conn.execute("ATTACH DATABASE ? AS was", (names[-1],))
            assert conn.all("SELECT name FROM was.sqlite_master") == []
            conn.execute("DETACH DATABASE was")
        else:  # meanwhile on a third connection, in a thread of its own, closed with the block
            assert first[0] is not conn and first[1] is not threading.current_thread() and first[0].raw.closed
            assert totals[0] == (conn, threading.current_thread()) and second is conn
        # an error of the work beside reaches the caller; one of the caller's closes the second connection
        with pytest.raises(ZeroDivisionError), aggregates.week_facts(conn, as_of, start) as aside:
            aside.run(lambda c: 1 / 0)()
        conn.end_read()  # PostgreSQL: the failed block's transaction, and its table, rolled back
        with pytest.raises(KeyError), aggregates.week_facts(conn, as_of, start) as aside:
            aside.run(aggregates.week_item_totals, as_of, start)
            raise KeyError("the caller's")
        if engine == "sqlite":
            with pytest.raises(Exception, match="closed"):
                aside.conn.raw.execute("SELECT 1")
        conn.end_read()
        # in a transaction, or where SQLite reads no URIs: the caller's connection, at once
        monkeypatch.setattr(aggregates, "_reads_uris", lambda c: False)
        for block in (conn.transaction, lambda: aggregates.week_facts(conn, as_of, start)):
            with block(), aggregates.week_facts(conn, as_of, start, meanwhile=where) as aside:
                assert aside.first() == (conn, threading.current_thread())
                assert aside.run(aggregates.week_item_totals, as_of, start)() == alone
        assert names[-1] is None
    finally:
        conn.close()


def test_weekly_reads_its_summary_beside_its_item_totals(cli, engine, monkeypatch):
    """The weekly report asks for the agency summary and the changed items on the Aside's connection
    (SQLite: the second one, in its own thread) while it counts the item totals on its own; the report
    is the same as with everything on one connection."""
    monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)  # the small test plans too
    import threading

    from tasklist.reports import weekly

    cli("list")
    conn = open_db()
    seen: dict[str, tuple] = {}
    real_fetch = type(conn)._fetch

    def noted(self, sql, params, fetch):
        for key, mark in (("summary", "GROUP BY g.agency_id"), ("changes", "WITH may_change"),
                          ("totals", "AS due_soon_a")):
            if mark in sql:
                seen[key] = (self is conn, threading.current_thread() is threading.main_thread())
        return real_fetch(self, sql, params, fetch)

    try:
        random_history(conn, 6)
        conn.end_read()
        now = datetime(2024, 7, 15, 12, tzinfo=UTC)
        monkeypatch.setattr(type(conn), "_fetch", noted)
        beside = weekly.weekly_report(conn, date(2024, 7, 15), limit=5, now=now).as_dict()
        on_sqlite = engine == "sqlite"
        assert seen == {"summary": (not on_sqlite, not on_sqlite), "changes": (not on_sqlite, not on_sqlite),
                        "totals": (True, True)}
        monkeypatch.setattr(aggregates, "_reads_uris", lambda c: False)
        assert weekly.weekly_report(conn, date(2024, 7, 15), limit=5, now=now).as_dict() == beside
        assert seen["summary"] == (True, True)
    finally:
        conn.close()


def test_week_facts_cut_the_work_beside_short_when_the_caller_fails(cli, engine, monkeypatch):
    """When the caller's block fails while the work beside is running a statement (SQLite: on the
    second connection, in its thread), that statement is interrupted rather than waited for to its end."""
    monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)  # the small test plans too
    import threading

    cli("list")
    conn = open_db()
    running, outcome = threading.Event(), []

    def long_count(c):
        if c is not conn:  # SQLite's second connection: say when its statement is under way
            c.raw.set_progress_handler(lambda: running.set() and 0, 1000)
        else:
            running.set()
        try:
            outcome.append(c.one("WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 200000000) "
                                 "SELECT COUNT(*) FROM n" if c.dialect == "sqlite" else "SELECT 1"))
        except Exception as exc:
            outcome.append(type(exc).__name__)
            raise

    try:
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        with pytest.raises(KeyError), aggregates.week_facts(conn, as_of, start) as aside:
            aside.run(long_count)
            running.wait()
            raise KeyError("the caller's")
        assert outcome == (["DatabaseError"] if engine == "sqlite" else [(1,)])
    finally:
        conn.end_read()
        conn.close()


def test_week_facts_begin_no_work_beside_once_the_caller_has_failed(cli, engine, monkeypatch):
    """Once the caller's block has failed, the work beside stops at once: a statement it starts after
    that is stopped by the second connection's progress handler (an interrupt reaches only the statement
    running at the time), and work handed over but not yet begun is not begun."""
    monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)  # the small test plans too
    import threading

    cli("list")
    conn = open_db()
    gate, outcome = threading.Event(), []
    count = ("WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 200000000) "
             "SELECT COUNT(*) FROM n" if engine == "sqlite" else "SELECT 1")

    def waits_then_counts(c):
        gate.wait()
        try:
            outcome.append(c.one(count))
        except Exception as exc:
            outcome.append(type(exc).__name__)

    try:
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        if engine != "sqlite":
            gate.set()  # the work runs at once on the caller's connection
        opened = threading.Timer(0.3, gate.set)  # the count begins after the caller has failed
        with pytest.raises(KeyError), aggregates.week_facts(conn, as_of, start) as aside:
            aside.run(waits_then_counts)
            aside.run(lambda c: outcome.append("begun"))
            opened.start()
            raise KeyError("the caller's")
        opened.join()
        assert outcome == (["DatabaseError"] if engine == "sqlite" else [(1,), "begun"])
    finally:
        conn.end_read()
        conn.close()


def test_a_failure_within_week_facts_is_reported_as_itself_not_as_a_busy_database(cli, engine):
    """Where the caller failed while a statement of its own still held the week's table (Ctrl-C during
    a fetch), SQLite refuses to detach the table's database ("locked"): the caller's error is the one
    that leaves the block, not a "database busy" error in its place (which made Ctrl-C end weekly with
    exit 1 and 数据库正忙)."""
    cli("list")
    conn = open_db()
    try:
        random_history(conn, 3)
        conn.end_read()
        with pytest.raises(KeyboardInterrupt), aggregates.week_facts(conn, date(2024, 7, 15), date(2024, 7, 8)):
            table = aggregates._TABLES[id(conn)][0]
            if engine == "sqlite":
                held = conn.raw.execute(f"SELECT * FROM {table}")  # left open, as an interrupted fetch leaves it
                assert held.fetchone() is not None
            raise KeyboardInterrupt
    finally:
        conn.end_read()
        conn.close()


def test_week_facts_keep_a_small_plan_on_the_caller_s_connection(cli, engine, monkeypatch):
    """Below _BESIDE_FROM assignments (by their largest id) week_facts opens no second connection and no
    thread: the work beside runs at once on the caller's connection, the week's table in a database in
    memory of the caller's alone; from that size on (SQLite), a second connection reads it beside."""
    import threading

    cli("list")
    conn = open_db()
    try:
        random_history(conn, 3)
        conn.end_read()
        largest = conn.one("SELECT max(id) FROM assignment")[0]
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        monkeypatch.setattr(aggregates, "_BESIDE_FROM", largest + 1)
        with aggregates.week_facts(conn, as_of, start) as aside:
            assert aside.conn is conn
            assert aside.run(lambda c: threading.current_thread())() is threading.current_thread()
        monkeypatch.setattr(aggregates, "_BESIDE_FROM", largest)
        with aggregates.week_facts(conn, as_of, start) as aside:
            assert (aside.conn is not conn) == (engine == "sqlite")
    finally:
        conn.close()


@pytest.mark.parametrize("seed", [3, 6])
def test_week_facts_in_two_halves_give_the_figures_of_one_whole_table(cli, engine, seed, monkeypatch):
    """On PostgreSQL outside a transaction (from _BESIDE_FROM assignments) the week's table is made in two
    halves by item id, the caller's on its connection and the other on a second one, and each statement
    that reads it runs over both, their rows merged: counts added per agency and per combination of
    figures, the latest report the later of the two, the changed items and the first overdue rows in
    report order. Every figure, and the whole report, is that of one whole table; the halves hold parts
    of the same agencies, and (seed 6) the registry's order is not the items' ids'. A reader that does not
    run over both halves reads the tables themselves."""
    from tasklist.reports import weekly

    cli("list")
    conn = open_db()
    now = datetime(2024, 7, 15, 12, tzinfo=UTC)

    def figures(as_of, start, warn, limit):
        return (aggregates.week_item_totals(conn, as_of, start, warn_days=warn),
                aggregates.agency_summary(conn, as_of, warn_days=warn),
                aggregates.agency_summary(conn, start, warn_days=warn),
                aggregates.item_changes(conn, start, as_of),
                aggregates.overdue_facts(conn, as_of, limit=limit),
                aggregates.overdue_facts(conn, as_of, limit=limit, counted=False))

    try:
        random_history(conn, seed)
        if seed == 6:  # the registry in the reverse order of the items' ids: the upper half's items come first
            with conn.transaction():
                conn.execute("UPDATE item SET position = -position")
        conn.end_read()
        split = conn.one("SELECT (MIN(id) + MAX(id)) / 2 FROM item")[0]
        agencies = [{r[0] for r in conn.all(f"SELECT agency_id FROM assignment WHERE archived = 0 AND item_id {op} ?",
                                            [split])} for op in ("<=", ">")]
        assert len(agencies[0] & agencies[1]) > 10  # the same agencies' parts in both halves
        both_halves_late = False
        for as_of in AS_OFS:
            for days, warn, limit in ((7, 30, 5), (90, 0, None), (400, 400, 3)):
                start = as_of - timedelta(days=days)
                alone = aggregates.item_totals(conn, as_of, warn_days=warn)
                monkeypatch.setattr(aggregates, "_BESIDE_FROM", 10 ** 9)  # one whole table
                monkeypatch.setattr(aggregates, "_HALVES_FROM", 10 ** 9)
                whole = weekly.weekly_report(conn, as_of, days=days, warn_days=warn, limit=limit, now=now).as_dict()
                with aggregates.week_facts(conn, as_of, start):
                    assert id(conn) not in aggregates._HALVES
                    one = figures(as_of, start, warn, limit)
                monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)
                monkeypatch.setattr(aggregates, "_HALVES_FROM", 0)
                with aggregates.week_facts(conn, as_of, start):
                    assert (id(conn) in aggregates._HALVES) == (engine == "postgresql")
                    second = aggregates._HALVES.get(id(conn), (None,))[0]
                    two = figures(as_of, start, warn, limit)
                    assert aggregates.item_totals(conn, as_of, warn_days=warn) == alone
                assert two == one, (as_of, days)
                assert weekly.weekly_report(conn, as_of, days=days, warn_days=warn, limit=limit, now=now).as_dict() \
                    == whole, (as_of, days)
                late = {item_id > split for _, item_id in one[4].first}
                both_halves_late = both_halves_late or late == {True, False}
                assert not aggregates._HALVES
                assert second is None or second.raw.closed  # the second half's connection closed with the block
        assert both_halves_late  # the first overdue rows merged from both halves on some day
    finally:
        conn.close()


def test_week_facts_halves_make_their_tables_while_meanwhile_runs_beside_and_stop_it_when_they_fail(cli, engine,
                                                                                                       monkeypatch):
    """On PostgreSQL with the week's table in halves, ``meanwhile`` runs on a third connection in a thread
    of its own while both halves are made: its error reaches the caller at ``first``; when the caller
    fails, its running statement is cancelled (without that the test waits for a long count and fails)
    and its connection closed, and nothing of the halves is left."""
    import threading

    monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)
    monkeypatch.setattr(aggregates, "_HALVES_FROM", 0)
    cli("list")
    conn = open_db()
    as_of, start = date(2024, 7, 15), date(2024, 7, 8)
    try:
        conn.end_read()
        with pytest.raises(ZeroDivisionError), aggregates.week_facts(conn, as_of, start, meanwhile=lambda c: 1 / 0) as aside:
            aside.first()
        conn.end_read()
        if engine != "postgresql":
            return
        seen: list = []
        running = threading.Event()

        def count(c):
            seen.append(c)
            running.set()
            try:
                return c.value("SELECT COUNT(*) FROM generate_series(1, 200000000)")
            except Exception as exc:
                seen.append(exc)
                raise

        with pytest.raises(KeyError), aggregates.week_facts(conn, as_of, start, meanwhile=count):
            assert running.wait(10)
            raise KeyError("the caller's")
        # the count cancelled by the server, not run to its end
        assert type(seen[1].__cause__).__name__ == "QueryCanceled", seen
        assert seen[0] is not conn and seen[0].raw.closed and not aggregates._HALVES
        conn.end_read()
    finally:
        conn.close()


def test_week_facts_keep_a_plan_below_the_halves_threshold_in_one_table(cli, engine, monkeypatch):
    """Below _HALVES_FROM assignments (by their largest id) PostgreSQL's week table is made whole on the
    caller's connection, whatever _BESIDE_FROM says; from that size on, in halves (never on SQLite)."""
    cli("list")
    conn = open_db()
    try:
        conn.end_read()
        largest = conn.one("SELECT max(id) FROM assignment")[0]
        as_of, start = date(2024, 7, 15), date(2024, 7, 8)
        monkeypatch.setattr(aggregates, "_BESIDE_FROM", 0)
        monkeypatch.setattr(aggregates, "_HALVES_FROM", largest + 1)
        with aggregates.week_facts(conn, as_of, start):
            assert id(conn) not in aggregates._HALVES
        monkeypatch.setattr(aggregates, "_HALVES_FROM", largest)
        with aggregates.week_facts(conn, as_of, start):
            assert (id(conn) in aggregates._HALVES) == (engine == "postgresql")
    finally:
        conn.close()
