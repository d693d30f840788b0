"""The snapshot's housekeeping: Python's cycle collector paused while it builds, put back as it was,
and list --json's values built without any state. Read-only: SQLite."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from tasklist.errors import TasklistError
from tasklist.reports.facts import AssignmentState, ItemState, iter_item_values, snapshot
from tasklist.storage.schema import open_db

AS_OF = date(2024, 7, 15)


@pytest.fixture
def conn(cli):
    cli("list")  # the bundled plan, loaded
    conn = open_db()
    yield conn
    conn.close()


def test_snapshot_runs_with_the_collector_off_and_turns_it_back_on(conn, monkeypatch):
    seen = []
    real_all = conn.all
    monkeypatch.setattr(conn, "all", lambda *args: seen.append(gc.isenabled()) or real_all(*args))
    assert gc.isenabled()
    items = snapshot(conn, AS_OF)
    assert items and seen and not any(seen)
    assert gc.isenabled()


def test_snapshot_leaves_a_collector_turned_off_by_the_caller_off(conn):
    gc.disable()
    try:
        snapshot(conn, AS_OF)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_snapshot_turns_the_collector_back_on_when_it_fails(conn):
    conn.close()
    with pytest.raises(TasklistError):
        snapshot(conn, AS_OF)
    assert gc.isenabled()


def test_item_values_are_those_of_the_snapshot_and_build_no_state(conn):
    """list --json's values, a batch at a time, are the whole snapshot's ItemState.values() in the same
    order, without building any state (nothing left for the collector to free)."""
    whole = [i.values() for i in snapshot(conn, AS_OF)]
    assert len(whole) > 4
    gc.collect()
    states, seen = 0, []
    for values in iter_item_values(conn, AS_OF, batch=2):
        seen.append(values)
        states = max(states, sum(isinstance(o, (ItemState, AssignmentState)) for o in gc.get_objects()))
    assert seen == whole
    assert states == 0


def test_item_values_pause_the_collector_until_the_listing_ends_or_is_closed(conn):
    seen = []
    for _ in iter_item_values(conn, AS_OF, batch=2):
        seen.append(gc.isenabled())  # the caller's work on a value included
    assert seen and not any(seen)
    assert gc.isenabled()
    listing = iter_item_values(conn, AS_OF, batch=2)
    next(listing)
    assert not gc.isenabled()
    listing.close()  # a listing left unfinished
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(list(iter_item_values(conn, AS_OF))) == len(seen)
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()


@pytest.mark.parametrize("args", [("overdue", "--all"), ("export", "overdue", "--format", "csv"),
                                  ("remind", "--from", "office@example.org", "--out-dir", "{tmp}")])
def test_a_report_command_leaves_what_it_built_out_of_later_collections(cli, args, tmp_path):
    """overdue, export and remind keep the judged plan until they end: the command (not the library)
    freezes it out of the collector's later passes; what the command builds afterwards (remind's
    workbooks) is collected as before."""
    args = tuple(a.format(tmp=tmp_path / "eml") for a in args)
    import weakref

    class Cycle:
        pass

    cli("list")  # the bundled plan, loaded
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        snapshot(open_db(), AS_OF)
        assert gc.get_freeze_count() == 0  # the library freezes nothing
        cli(*args, "--as-of", AS_OF.isoformat())
        assert gc.get_freeze_count() > 0
        later = Cycle()
        later.me = later  # type: ignore[attr-defined]
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("args, fails", [(("overdue", "--all"), False), (("overdue",), False),
                                         (("overdue", "--all"), True)])
def test_overdue_builds_its_view_with_the_collector_off_and_turns_it_back_on(cli, monkeypatch, args, fails):
    """The command keeps what it built to the end before the collector runs again (no pass over it
    in between), and gives the collector back on, whether it succeeds or fails."""
    from tasklist.errors import DatabaseError
    from tasklist.reports import views

    cli("list")
    seen = []
    real = views.overdue_view

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        if fails:
            raise DatabaseError("error.pg_dump_missing")
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "overdue_view", watched)
    gc.unfreeze()
    try:
        cli(*args, "--as-of", AS_OF.isoformat(), code=1 if fails else 0)
        assert seen == [False]
        assert gc.isenabled()
        assert (gc.get_freeze_count() > 0) != fails
    finally:
        gc.unfreeze()


def test_the_records_written_out_behave_as_the_dataclasses_they_replace():
    """ItemState, AssignmentState, AgencySummary and the weekly report's records are written out (a dataclass costs ~1 ms of every
    report's start-up to define): their fields in __init__'s order, each item its own list of parts,
    a summary's dict (status --json's keys) in field order, repr and == as a dataclass's."""
    import inspect

    from tasklist.output.tables import Column, Table
    from tasklist.reports.claims import PendingClaim
    from tasklist.reports.facts import AgencySummary, AssignmentState, ItemState
    from tasklist.reports.weekly import Overall, WeeklyReport

    for cls in (ItemState, AssignmentState, AgencySummary, Overall, WeeklyReport, PendingClaim, Column, Table):
        assert tuple(inspect.signature(cls).parameters) == cls.FIELDS
    one = ItemState(1, "T1", "p", "task", 1, None, "t", None, None, None, None, 0, False)
    two = ItemState(1, "T1", "p", "task", 1, None, "t", None, None, None, None, 0, False)
    assert one == two and one.assignments == [] and one.assignments is not two.assignments
    assert (one.shown_code, one.status, one.light, one.overdue, one.past_due_unassigned) == ("", "not_started", "green", False, False)
    part = AssignmentState(7, 2, "省科技厅", "lead", None, None, "done", 100, None, None, None, False, 0, False, False,
                           "green", one)
    assert part.returned is None and "item=" not in repr(part) and repr(part).startswith("AssignmentState(assignment_id=7, ")
    two.status = "done"
    assert one != two and part != one
    summary = AgencySummary("省科技厅", assigned=3)
    assert list(summary.as_dict()) == list(AgencySummary.FIELDS)
    assert summary == AgencySummary("省科技厅", 3) and repr(summary).startswith("AgencySummary(agency='省科技厅', assigned=3, done=0")
    with pytest.raises(TypeError):
        hash(summary)
    overall = Overall(54, {"done": 0}, 3, 1, 2, 0.0)
    assert list(overall.as_dict()) == list(Overall.FIELDS)  # weekly --json's keys, in this order
    week = WeeklyReport({}, date(2025, 9, 15), date(2025, 9, 8), 7, None, overall, overall, [])
    other = WeeklyReport({}, date(2025, 9, 15), date(2025, 9, 8), 7, None, overall, overall, [])
    assert week == other and week.reports == [] and week.reports is not other.reports and week.trend_unit == "month"
    table = Table("t", "title", [Column("id", "编号")])
    assert table.rows == [] and table.rows is not Table("t", "title", []).rows and table.group_key == "agency"
    assert table.columns == [Column("id", "编号", "text")] != [Column("id", "编号", "date")]
