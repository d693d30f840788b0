"""The snapshot's housekeeping: Python's cycle collector paused while it builds, put back as it was,
and a batched snapshot's earlier batches freed before later ones are built. Read-only: SQLite."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from tasklist.errors import TasklistError
from tasklist.reports.facts import ItemState, iter_snapshot, snapshot
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


def test_iter_snapshot_frees_each_batch_before_building_the_next(conn):
    """An item and its assignments refer to each other, so only the collector frees a batch: a
    listing written a batch at a time must not hold the earlier batches' states as well."""
    whole = [i.code for i in snapshot(conn, AS_OF)]
    assert len(whole) > 4
    gc.collect()  # that whole snapshot's states
    codes, most_alive = [], 0
    for item in iter_snapshot(conn, AS_OF, batch=2):
        codes.append(item.code)
        del item
        most_alive = max(most_alive, sum(isinstance(o, ItemState) for o in gc.get_objects()))
    assert codes == whole  # the same items, in the same order
    assert most_alive <= 2, most_alive  # at most the batch being written


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
