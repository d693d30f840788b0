"""Report figures computed inside the database, for plans too large to judge row by row in Python.

They use the SQL twins of the rules (:mod:`tasklist.rules`); ``tests/test_rule_twins.py`` proves, on
both engines, that they give exactly what the Python rules give.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext, suppress
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .. import rules
from ..errors import DatabaseError
from ..storage.connection import Connection, int_array
from ..storage.lookup import AgencyRef, plans, same_plan
from .facts import AgencySummary, _date

if TYPE_CHECKING:
    import threading

T = TypeVar("T")

_REAL_REPORT = f"(SELECT max(r.reported_on) FROM status_update r WHERE r.assignment_id = f.aid AND {rules.SQL_REAL_REPORT})"


def _has_extensions(conn: Connection) -> bool:
    return conn.one("SELECT 1 FROM extension LIMIT 1") is not None


#: id(conn) -> {day: a SELECT of that day's facts of the whole plan, from the week's table}; see week_facts
_SHARED: dict[int, dict[str, str]] = {}
#: id(conn) -> the week's table, named with its schema (see _scratch), and its start day's columns
#: as :func:`_start_columns` gives them
_TABLES: dict[int, tuple[str, tuple[str, str, str]]] = {}
#: id(conn) -> the week's table in two halves (PostgreSQL, see week_facts): the second connection, which
#: holds the items above the split in a table of its own, and the split (conn holds the items up to it)
_HALVES: dict[int, tuple[Connection, int]] = {}
#: the columns of a day's facts, as :func:`_facts` gives them
_FACT_COLUMNS = "f.aid, f.agency_id, f.plan_id, f.item_id, f.due, f.status, f.last_report"


class Aside:
    """Work done beside the caller while it works on: :meth:`run` hands ``fn`` a connection and returns
    a function that gives ``fn``'s result (or raises its error). Within :func:`week_facts` on SQLite
    (outside a transaction) that connection is a second one to the same database, which reads the
    week's table too, and ``fn`` runs in a thread of its own, one after the other: SQLite's module lets
    go of the interpreter while a statement steps, so its statements and the caller's run at once on
    two cores. On PostgreSQL with the table in halves, ``meanwhile`` alone runs so, on a third
    connection (psycopg lets go of it while it waits for the server). Elsewhere ``fn`` runs at once on
    the caller's own connection.

    When the caller fails (:meth:`close` with ``failed``), the work beside stops: the statement running
    is interrupted, any later statement on the second connection is stopped by its progress handler
    (an interrupt reaches only the statement running at that moment), and work not yet begun is
    not begun."""

    def __init__(self, conn: Connection, *, threaded: bool) -> None:
        self.conn = conn
        self.threaded = threaded
        self._last: threading.Thread | None = None
        self._stopped = False
        #: the result of week_facts's ``meanwhile``
        self.first: Callable[[], Any] = lambda: None
        if threaded and conn.dialect == "sqlite":  # asked every million of SQLite's steps (a few ms)
            conn.raw.set_progress_handler(lambda: self._stopped, 1_000_000)

    def run(self, fn: Callable[..., T], *args: Any) -> Callable[[], T]:
        if not self.threaded:
            value = fn(self.conn, *args)
            return lambda: value
        import threading

        before = self._last
        values: list[T] = []
        errors: list[BaseException] = []

        def work() -> None:
            if before is not None:
                before.join()
            if self._stopped:  # the caller failed: nobody will ask for this result
                errors.append(_NotBegun())
                return
            try:
                values.append(fn(self.conn, *args))
            except BaseException as exc:  # noqa: BLE001  (handed to the caller, raised in its thread)
                errors.append(exc)

        thread = threading.Thread(target=work, name="tasklist-aside", daemon=True)
        thread.start()
        self._last = thread

        def result() -> T:
            thread.join()
            if errors:
                raise errors[0]
            return values[0]
        return result

    def close(self, failed: bool) -> None:
        """Wait for the work handed over (cut short when the caller failed), then close the second
        connection."""
        if not self.threaded:
            return
        if failed:
            self._stopped = True
            if self.conn.dialect == "sqlite":
                self.conn.raw.interrupt()
            else:  # the server asked to cancel the statement running (none: nothing happens)
                with suppress(Exception):  # cancel_safe from psycopg 3.2; pyproject allows 3.1
                    (getattr(self.conn.raw, "cancel_safe", None) or self.conn.raw.cancel)()
        if self._last is not None:
            self._last.join()
        self.conn.close()


class _NotBegun(Exception):
    """Work handed to an :class:`Aside` that was not begun: its caller had failed."""


@contextmanager
def week_facts(conn: Connection, as_of: date, start: date, *,
               meanwhile: Callable[[Connection], Any] | None = None) -> Iterator[Aside]:
    """Within: the facts of every live assignment (:func:`_facts`) on ``as_of`` and on ``start`` are
    computed once, side by side in one temp table keyed by item, and every figure here over the whole
    plan on those days (no agency filter) reads them from it: the agency summary, the overdue rows,
    the item totals and the changed items, without one seek down ix_update_latest per assignment
    each time (at 100k: 235k assignments).

    The update in force on ``start`` is looked up only for the assignments with an update reported
    in (start, as_of]; for every other one it is the update in force on ``as_of`` (no update of
    theirs is dated between the two days), and so is its last real report.

    The table is the connection's own, never the database's: a read stays a read, and any role may
    make one. On PostgreSQL it is a temp table (the session's schema); a failed statement leaves the
    transaction to be rolled back, which takes the table with it. On SQLite it is made in a database
    in memory attached for the purpose (see :func:`_scratch`), else in the temp store. Either way it
    is named with its schema wherever it is used: a table of the user's own named week_facts is never
    read or written.

    On PostgreSQL outside a transaction, from :data:`_HALVES_FROM` assignments, the table is made in two
    halves by item id, each a temp table of its own backend's: the caller's connection holds the items
    up to the middle id, a second connection (:meth:`Connection.beside`) those above it (:data:`_HALVES`).
    The second half's statements are sent first, and both backends make their halves at once; every
    statement here that reads the table then runs over both at once (:func:`_both_halves`) and their
    rows are merged. An item and all its parts lie in one half, so counts per agency, per item and per
    combination of figures add up. No server process works on another's temp table, and PostgreSQL 15
    hands no part of these statements (a write to a temp table, correlated lookups) to parallel workers:
    the two backends are the way to two cores. Where the server refuses a second connection, the table
    is made whole on the caller's.

    Yields an :class:`Aside` for work beside the caller's; ``meanwhile`` is handed to it before the
    table is filled (work that does not read it), its result given by the Aside's ``first``. Nothing
    is left when the block ends, whether it fails or not: the second connection is closed (its
    backend's temp table with it) and the database in memory gone with the last connection to it."""
    if id(conn) in _SHARED:
        aside = Aside(conn, threaded=False)
        if meanwhile:
            aside.first = aside.run(meanwhile)
        yield aside
        return
    has_ext = _has_extensions(conn)
    create, table, drop, memory = _scratch(conn, "week_facts")
    # keyed by item on SQLite, whose passes read it in that order; PostgreSQL's plans hash it, and a key
    # built from the INSERT's rows, which come in no particular order, cost the INSERT a quarter more
    # (100k: 1,030 -> 780 ms server CPU without it). PostgreSQL makes and fills it in one statement
    # (CREATE TABLE ... AS writes its pages in bulk: 100k, 586 -> 569 ms against CREATE then INSERT),
    # its columns typed by the SELECT's.
    failed = False
    aside = Aside(conn, threaded=False)
    halves = ExitStack()
    other = None
    try:
        if conn.dialect == "postgresql" and _beside_pays(conn, _HALVES_FROM):
            # the table in two halves by item id, each made and read by a backend of its own (_HALVES)
            other = halves.enter_context(conn.beside())
        if conn.dialect == "sqlite":
            conn.execute(f"{create} (item_id INTEGER NOT NULL, aid INTEGER NOT NULL, agency_id INTEGER, "
                         "plan_id TEXT, due_a TEXT, status_a TEXT, last_a TEXT, due_b TEXT, status_b TEXT, last_b TEXT, "
                         "PRIMARY KEY (item_id, aid)) WITHOUT ROWID")
        if memory is not None:
            # a second connection, the same database in memory attached to it under the same name
            from ..storage.connection import connect

            second = connect(conn.url, create=False, any_thread=True)
            aside = Aside(second, threaded=True)
            same_plan(conn, second)
            second.execute(f"ATTACH DATABASE ? AS {_SCRATCH}", (memory,))
        if conn.dialect == "sqlite":
            if meanwhile:
                aside.first = aside.run(meanwhile)
            sql, params = _week_facts(conn, as_of, start, has_ext)
            conn.execute(f"INSERT INTO {table} {sql}", params)
        else:
            split = None
            if other is not None:  # the items' ids halved (their ids' range, not their count)
                row = conn.one("SELECT (MIN(id) + MAX(id)) / 2 FROM item")
                split = int(row[0]) if row and row[0] is not None else 0
            own = _pg_week_table(conn, create, table, as_of, start, has_ext, None if split is None else (False, split))
            with other.sent(*_pg_week_table(conn, create, table, as_of, start, has_ext, (True, split))) \
                    if other is not None and split is not None else nullcontext():
                third = halves.enter_context(conn.beside()) if other is not None and meanwhile else None
                if third is not None and meanwhile:
                    # ``meanwhile`` on a third connection in a thread of its own, while both halves are
                    # made: on the caller's it came before its half (100k: ~0.2 s of its ~0.5 s)
                    early = Aside(third, threaded=True)
                    halves.callback(lambda: early.close(failed))
                    aside.first = early.run(meanwhile)
                elif meanwhile:
                    aside.first = aside.run(meanwhile)
                for statement in own:
                    conn.execute(*statement)
            if other is not None and split is not None:
                _HALVES[id(conn)] = other, split
        due_b, status_b, last_b = starts = _start_columns(has_ext)
        for reader in {id(conn), id(aside.conn)}:
            _SHARED[reader] = {
                start.isoformat(): f"SELECT aid, agency_id, plan_id, item_id, {due_b} AS due, {status_b} AS status, "
                                   f"{last_b} AS last_report FROM {table}",
                as_of.isoformat(): f"SELECT aid, agency_id, plan_id, item_id, due_a AS due, status_a AS status, "
                                   f"last_a AS last_report FROM {table}"}
            _TABLES[reader] = table, starts
        yield aside
    except BaseException:
        failed = True
        raise
    finally:
        try:
            aside.close(failed)  # the work beside ended first: until then it may read the table
        finally:
            for reader in {id(conn), id(aside.conn)}:
                _SHARED.pop(reader, None)
                _TABLES.pop(reader, None)
                _HALVES.pop(reader, None)
            try:
                if not failed:
                    conn.execute(drop)
                elif conn.dialect == "sqlite":  # PostgreSQL's failed transaction takes no statement
                    # the caller's error is the one to report: a statement it cut short (Ctrl-C in a
                    # fetch) may still hold the table, and SQLite then refuses to detach it ("locked"),
                    # which was reported as a busy database in place of the interruption
                    with suppress(DatabaseError):
                        conn.execute(drop)
            finally:
                # the second half's connection closed, its temp table with it (its own session's)
                halves.close()


def _pg_week_table(conn: Connection, create: str, table: str, as_of: date, start: date, has_ext: bool,
                   half: tuple[bool, int] | None) -> list[tuple[str, list]]:
    """PostgreSQL's statements that make the week's table (of the items of ``half``, see _week_facts)
    and analyze it."""
    sql, params = _week_facts(conn, as_of, start, has_ext, half)
    # the table's size and item count: unanalyzed, PostgreSQL guessed 200 items and joined the
    # item totals' 100k groups to item by 100k index lookups (100k: that statement 700 -> 490 ms
    # server CPU). Only the number of items is wanted of it, and a sample of 3,000 rows
    # (statistics target 10) tells it as well as the default 30,000 for that (100k: an
    # estimate of 0.29 against 0.33 items per row, 0.42 in fact; the same plans), at a third of
    # the cost (ANALYZE 41 -> 17 ms)
    return [(f"{create} (item_id, aid, agency_id, plan_id, due_a, status_a, last_a, due_b, status_b, last_b) AS {sql}",
             params),
            (f"ALTER TABLE {table} ALTER COLUMN item_id SET STATISTICS 10", []),
            (f"ANALYZE {table} (item_id)", [])]


def _start_columns(has_ext: bool) -> tuple[str, str, str]:
    """The start day's due date, status and last real report of a row of the week's table, as SQL
    over its columns. The table writes them (due_b, status_b, last_b) only where they may differ from
    as_of's: the due date where there are extensions (else it is the item's on both days), status and
    last report where an update is dated in the week (moved: status_b is never NULL there); elsewhere
    they are NULL and as_of's stand."""
    due = "due_b" if has_ext else "due_a"
    return due, "COALESCE(status_b, status_a)", "CASE WHEN status_b IS NULL THEN last_a ELSE last_b END"


#: the schema SQLite's scratch tables are made in, a database in memory (see _scratch)
_SCRATCH = "scratch"
#: the databases in memory made by this process so far (each is named after its number)
_MEMORIES = itertools.count(1)


#: the fewest assignments (told by their largest id, one step down the table's key) for which the week's
#: table is shared with a second connection working beside the caller: on a small plan its opening and
#: its thread cost more than the overlap saves (the bundled plan's 204 parts: weekly's kernel time up by
#: a few ms for statements of well under a millisecond); 10k items have ~23,000
_BESIDE_FROM = 5_000


#: ... and on PostgreSQL for the week's table in halves with the work beside on a third connection: at
#: 10k (~23,000 assignments) the two more backends cost ~50 ms of server CPU (164 -> 216 ms) for a table
#: made in ~50 ms, and weekly took 1.03x the wall time of one whole table (11 pairs); at 100k (~235,000)
#: the halves pay (benchmarks/PLANS.md, round 11)
_HALVES_FROM = 50_000


def _beside_pays(conn: Connection, least: int | None = None) -> bool:
    """Whether the plan is large enough for week_facts's work beside to pay: ``least`` assignments
    (default :data:`_BESIDE_FROM`)."""
    largest = conn.one("SELECT max(id) FROM assignment")  # one row, NULL on an empty table
    return largest is not None and (largest[0] or 0) >= (_BESIDE_FROM if least is None else least)


def _reads_uris(conn: Connection) -> bool:
    """Whether SQLite reads the file names of ATTACH as URIs (built so; Python opens its connections
    without asking for it) and its memdb VFS shares a named database between connections (3.36 and
    later). Elsewhere ``file:/name?vfs=memdb`` would be a file of that name, or a database of its own
    for each connection."""
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 36) and conn.one(
        "SELECT 1 FROM pragma_compile_options WHERE compile_options = 'USE_URI'") is not None


def _scratch(conn: Connection, table: str) -> tuple[str, str, str, str | None]:
    """The statement that makes the scratch table ``table`` (its columns to follow), its name with its
    schema, the statement that removes it, and the name under which a second connection of this
    process may attach the same database (None: it may not). The schema is always named: SQLite looks
    a bare name up in temp, then main, then the attached databases, so a table of the user's own of
    that name would be read and written instead of one attached (PostgreSQL, like SQLite for temp,
    looks in the session's temp schema first, but the name is given all the same).

    PostgreSQL: a temp table. SQLite: a table of a database in memory attached for it, removed by
    detaching that database, where a temp table spilled past the temp store's cache into a file and
    its DROP read every page back to free it (100k weekly: 5,663 pages; the DROP 50-70 ms, the writes
    and reads of the file ~0.1 s of system time). Where SQLite reads file names as URIs, the database
    is the memdb VFS's named one (``file:/name?vfs=memdb``), which another connection of this process
    may attach by that name and read at the same time, each with its own cache and locks; it goes
    with the last connection to detach it. Within a transaction SQLite attaches nothing: there it is
    a temp table."""
    if conn.dialect == "sqlite" and not conn.in_transaction():
        shared = _beside_pays(conn) and _reads_uris(conn)
        memory = f"file:/tasklist-{os.getpid()}-{next(_MEMORIES)}?vfs=memdb" if shared else None
        conn.execute(f"ATTACH DATABASE ? AS {_SCRATCH}", (memory or ":memory:",))
        return f"CREATE TABLE {_SCRATCH}.{table}", f"{_SCRATCH}.{table}", f"DETACH DATABASE {_SCRATCH}", memory
    name = f"{'temp' if conn.dialect == 'sqlite' else 'pg_temp'}.{table}"
    return f"CREATE TEMP TABLE {name}", name, f"DROP TABLE {name}", None


def _week_facts(conn: Connection, as_of: date, start: date, has_ext: bool,
                half: tuple[bool, int] | None = None) -> tuple[str, list]:
    """SQL for the rows of week_facts: one per live assignment, in (item, assignment) order, with
    its facts on ``as_of`` (due_a, status_a, last_a) and on ``start`` (due_b, status_b, last_b; NULL
    where they are as_of's, see :func:`_start_columns`). ``has_ext``: whether there are extensions.
    ``half`` (PostgreSQL): (upper, split), only the items above ``split`` (upper) or up to it."""
    a, b = as_of.isoformat(), start.isoformat()

    def due(day: str) -> tuple[str, list[str]]:
        return (rules.SQL_CURRENT_DUE, [day, day]) if has_ext else ("i.due", [])

    due_a, due_b = due(a), due(b)

    def last(u: str) -> str:  # ? = the day
        return f"CASE WHEN {u}.reverses_id IS NULL THEN {u}.reported_on ELSE {_REAL_REPORT} END"

    # ub: the update in force on start, looked up again only where an update is dated in
    # (start, as_of] (moved), else u's row. Moved is asked of u: an update is dated in (start, as_of]
    # exactly when the one in force on as_of is (it is the latest dated on or before as_of).
    # PostgreSQL finds every u in one pass over ix_update_latest and looks ub up (LATERAL, a one-time
    # filter on moved) only where moved; it hashed all 1M updates to join ub by id (100k: the
    # statement 2.1 -> 1.2 s), and the list of the week's updates, built and probed once a part where
    # u now answers, cost it ~60 ms more (100k: the INSERT 620 -> 560 ms). SQLite looks u up per part
    # and, where nothing moved, does not fetch u's row again as ub (100k: the INSERT ~13 % faster).
    when = "u.reported_on > ?"
    items, half_params = "", list[Any]()
    if conn.dialect == "postgresql":
        # a half's one pass reads only the stretch of ix_update_latest (by assignment id, its first
        # column) between the half's smallest and largest assignment ids, not the whole index: where the
        # parts were made with their items, the half of it that holds the half's parts
        span: tuple[str, str] | None = None
        if half is not None:
            upper, split = half
            items, half_params = _half_items(upper, split)
            span = ((">=", "(SELECT MIN(sp.id) FROM assignment sp WHERE sp.item_id > ?)") if upper else
                    ("<=", "(SELECT MAX(sp.id) FROM assignment sp WHERE sp.item_id <= ?)"))
        u_join = rules.sql_updates_in_force_join(conn.dialect, "f.aid", span=span)
    else:
        u_join = rules.sql_update_in_force_join(conn.dialect, "f.aid")
    joins = f"{u_join} {rules.sql_update_in_force_join(conn.dialect, 'f.aid', alias='ub', when=when)}"
    join_params = [a, b, b]  # u's day; ub's condition (moved), then its day
    # the start day's columns only where they may differ from as_of's, else NULL (see _start_columns)
    status_b = f"CASE WHEN {when} THEN COALESCE(ub.status, 'not_started') END"
    last_b = f"CASE WHEN {when} THEN {last('ub')} END"
    last_b_params = [b, b, b]
    # SQLite: the assignments read from the table itself, not through ix_assignment_live_item (the
    # partial index it picks for archived = 0), whose every entry then cost a seek of the row for its
    # agency (100k weekly: 10.04G -> 9.90G instructions). The rows then come in assignment order,
    # which is item order wherever the assignments were made with their items; one added later to an
    # older item is written out of order into the table's key: a B-tree descent, not a wrong row.
    scan = "assignment a NOT INDEXED" if conn.dialect == "sqlite" else "assignment a"
    # placeholders in the order they stand in the text
    sql = (
        "SELECT f.item_id, f.aid, f.agency_id, f.plan_id, f.due_a, COALESCE(u.status, 'not_started'), "
        f"{last('u')}, {'f.due_b' if has_ext else 'NULL'}, {status_b}, {last_b} "
        f"FROM (SELECT a.id AS aid, a.agency_id, i.plan_id, a.item_id, {due_a[0]} AS due_a, {due_b[0]} AS due_b "
        f"FROM {scan} JOIN item i ON i.id = a.item_id WHERE a.archived = 0 AND i.archived = 0{items}) f {joins}"
    )
    params = [a, *last_b_params, *due_a[1], *due_b[1], *half_params, join_params[0], *half_params, *join_params[1:]]
    return sql, params


def _facts(conn: Connection, day: str, agency: AgencyRef | None,
           items: tuple[str, list] | None = None, *, halved: bool = False) -> tuple[str, list]:
    """SQL for one row per live assignment: aid, agency_id, plan_id, item_id, due, status, last_report.
    ``items``: a condition on the item (alias i) and its parameters, to judge only those items.
    Over the whole plan, every update in force is found in one pass
    (:func:`rules.sql_updates_in_force_join`); for one agency or some items, one lookup per assignment.
    Within week_facts the day's facts are read from the week's table, and where that is in two halves
    (:data:`_HALVES`) only for a caller that runs the statement over both (``halved``): the caller's
    own half is not the plan."""
    whole_table = halved or id(conn) not in _HALVES
    shared = _SHARED.get(id(conn), {}).get(day) if agency is None and whole_table else None
    if shared is not None:
        if items is None:
            return f"SELECT {_FACT_COLUMNS} FROM ({shared}) f", []
        return f"SELECT {_FACT_COLUMNS} FROM ({shared}) f JOIN item i ON i.id = f.item_id WHERE {items[0]}", list(items[1])
    has_ext = _has_extensions(conn)
    due = rules.SQL_CURRENT_DUE if has_ext else "i.due"
    where = "a.archived = 0 AND i.archived = 0"
    if agency is not None:
        where += f" AND {rules.SQL_BELONGS_TO}"
    if items is not None:
        where += f" AND {items[0]}"
    # the whole plan: every assignment's update in force in one pass; a few: one lookup each
    whole = agency is None and items is None
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


# rules.item_status from two ranks of the parts' statuses (alias g): the lowest of done 2 / claimed 1 /
# other 0 says whether all are done, or all done or claimed; the highest of blocked 2 / started 1 / not
# started 0, whether any is blocked, or any started. Two aggregates where counting each status took four.
_PART_FINISHED = f"CASE g.status WHEN '{rules.DONE}' THEN 2 WHEN '{rules.CLAIMED}' THEN 1 ELSE 0 END"
# The started statuses one WHEN each rather than IN (...): SQLite tests a list of three or more constants
# by a probe of a little index it builds, once a part and day (100k weekly: the item totals 2.3M fewer VM
# steps, ~7 % less time).
_PART_MOVING = (f"CASE g.status WHEN '{rules.BLOCKED}' THEN 2 "
                + " ".join(f"WHEN '{s}' THEN 1" for s in (rules.IN_PROGRESS, rules.DONE, rules.CLAIMED)) + " ELSE 0 END")


def _item_status(alias: str, suffix: str = "") -> str:
    """rules.item_status of an item with live parts, from MIN(_PART_FINISHED) and MAX(_PART_MOVING)
    (columns finished and moving of ``alias``, with ``suffix``)."""
    fin, mov = f"{alias}.finished{suffix}", f"{alias}.moving{suffix}"
    return (f"CASE WHEN {fin} = 2 THEN '{rules.DONE}' WHEN {fin} = 1 THEN '{rules.CLAIMED}' "
            f"WHEN {mov} = 2 THEN '{rules.BLOCKED}' WHEN {mov} = 1 THEN '{rules.IN_PROGRESS}' "
            f"ELSE '{rules.NOT_STARTED}' END")


def _item_facts(conn: Connection, as_of: date, items: tuple[str, list] | None = None) -> tuple[str, list]:
    """SQL for one row per live item (alias g): id, plan_id, position, status, overdue (0/1),
    stale (0/1), due (the item's own due date in force, for due soon), in registry order.

    The item rules of :func:`tasklist.reports.facts.snapshot` over the assignment facts:
    :func:`rules.item_status`, overdue and stale when any assignment is. (The weekly report's two
    days come from :func:`_week_items` instead.)"""
    day = as_of.isoformat()
    facts, fact_params = _facts(conn, day, None, items)
    stale, stale_params = rules.sql_stale(((p.id, p.reporting, p.issued) for p in plans(conn)), as_of)
    has_ext = _has_extensions(conn)
    item_due = rules.SQL_ITEM_DUE if has_ext else "i.due"
    where = "i.archived = 0" + (f" AND {items[0]}" if items else "")
    sql = (
        f"SELECT i.id, i.plan_id, i.position, CASE WHEN f.n IS NULL THEN '{rules.UNASSIGNED}' ELSE {_item_status('f')} END "
        f"AS status, COALESCE(f.overdue, 0) AS overdue, COALESCE(f.stale, 0) AS stale, {item_due} AS due "
        f"FROM item i LEFT JOIN (SELECT g.item_id, COUNT(*) AS n, MIN({_PART_FINISHED}) AS finished, "
        f"MAX({_PART_MOVING}) AS moving, MAX(CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END) AS overdue, "
        f"MAX({stale}) AS stale FROM ({facts}) g GROUP BY g.item_id) f ON f.item_id = i.id "
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


def _shared_days(conn: Connection, *days: date) -> bool:
    """Whether the facts of every one of ``days`` are in the week's table (:func:`week_facts`)."""
    shared = _SHARED.get(id(conn), {})
    return all(d.isoformat() in shared for d in days)


def _both_halves(conn: Connection, statement: Callable[[bool], tuple[str, list]]) -> list[tuple[Any, ...]] | None:
    """Within week_facts with its table in two halves (:data:`_HALVES`): the rows of ``statement(upper)``
    over each half's table at once, the caller's half (``upper`` False) first, then the other's (sent
    first, on the second connection); None where the table is whole. An item and all of its parts lie
    in one half: counts per agency, per item or per combination of figures add up."""
    halves = _HALVES.get(id(conn))
    if halves is None:
        return None
    with halves[0].asked(*statement(True)) as theirs:
        rows = conn.all(*statement(False))
        return rows + theirs()


def _item_half(conn: Connection, upper: bool) -> tuple[str, list]:
    """The condition on the item (alias i) of the half ``upper`` of the week's table (:data:`_HALVES`),
    for a statement that reads the items besides the table's rows; nothing where the table is whole."""
    halves = _HALVES.get(id(conn))
    return ("", []) if halves is None else _half_items(upper, halves[1])


def _half_items(upper: bool, split: int) -> tuple[str, list[int]]:
    """The condition (`` AND ...`` on alias i) of the items of the week's table's half ``upper``: above
    ``split`` or up to it, and its parameters."""
    return (" AND i.id > ?" if upper else " AND i.id <= ?"), [split]


def _plan_rank(conn: Connection) -> dict[str, int]:
    """Each plan id's rank as the database orders plan ids (its collation, which need not be Python's)."""
    return {plan_id: n for n, (plan_id,) in enumerate(conn.all("SELECT id FROM plan ORDER BY id"))}


def _week_items(conn: Connection, as_of: date, start: date, where: str = "") -> tuple[str, list]:
    """SQL for one row per item with live parts (alias f), both days side by side from the week's
    table (:func:`week_facts`): item_id, finished_a, moving_a, overdue_a, stale_a, finished_b,
    moving_b, overdue_b, stale_b (``_a``: on ``as_of``, ``_b``: on ``start``; :func:`_item_status`
    turns a day's finished and moving into its status). ``where``: a condition on the item id
    (g.item_id). One pass, grouped by item in the table's order: as_of's part figures are worked out
    over its columns (named due, status, last_report, as the rules' SQL twins name them), then
    start's over its own, renamed so in the next layer."""
    known = [(p.id, p.reporting, p.issued) for p in plans(conn)]
    stale_a, stale_a_params = rules.sql_stale(known, as_of)
    stale_b, stale_b_params = rules.sql_stale(known, start)
    overdue = f"CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END"
    table, (due_b, status_b, last_b) = _TABLES[id(conn)]
    parts_a = ("SELECT item_id, plan_id, due_a AS due, status_a AS status, last_a AS last_report, "
               f"{due_b} AS due_b, {status_b} AS status_b, {last_b} AS last_b FROM {table}")
    parts_b = (f"SELECT g.item_id, g.plan_id, g.due_b AS due, g.status_b AS status, g.last_b AS last_report, "
               f"{_PART_FINISHED} AS finished_a, {_PART_MOVING} AS moving_a, {overdue} AS overdue_a, {stale_a} AS stale_a "
               f"FROM ({parts_a}) g")
    sql = (f"SELECT g.item_id, MIN(g.finished_a) AS finished_a, MAX(g.moving_a) AS moving_a, "
           f"MAX(g.overdue_a) AS overdue_a, MAX(g.stale_a) AS stale_a, MIN({_PART_FINISHED}) AS finished_b, "
           f"MAX({_PART_MOVING}) AS moving_b, MAX({overdue}) AS overdue_b, MAX({stale_b}) AS stale_b "
           f"FROM ({parts_b}) g {'WHERE ' + where if where else ''} GROUP BY g.item_id")
    return sql, [start.isoformat(), *stale_b_params, as_of.isoformat(), *stale_a_params]


def week_item_totals(conn: Connection, as_of: date, start: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS,
                     unassigned: list[int] | None = None) -> tuple[tuple[int, dict[str, int], int, int, int], ...]:
    """:func:`item_totals` on ``as_of`` and on ``start``: within :func:`week_facts`, from one
    pass over the week's facts (:func:`_week_items`). ``unassigned``: the ids of the live items
    awaiting assignment (:func:`unassigned_item_ids`), when the caller has them already (the weekly
    report lists those items); SQLite then reads those items rather than looking for every item's
    live parts again (100k: the statement ~340 -> ~300 ms). PostgreSQL tells them apart in its join."""
    if not _shared_days(conn, as_of, start):
        return (item_totals(conn, as_of, warn_days=warn_days), item_totals(conn, start, warn_days=warn_days))
    a, b = as_of.isoformat(), start.isoformat()
    has_ext = _has_extensions(conn)
    item_due = rules.SQL_ITEM_DUE if has_ext else "i.due"

    def due_params(day: str) -> list[str]:
        return [day] if has_ext else []

    grouped, grouped_params = _week_items(conn, as_of, start)
    # the items: both days' rows side by side, those with no live assignment apart. PostgreSQL: every
    # live item joined once to its group, those with none (no row in the week's table) unassigned, where
    # the anti join over assignment ran as a parallel plan of its own (100k: 510 -> 400 ms server CPU for
    # the statement). SQLite keeps the UNION: the LEFT JOIN form cost it 7 % more CPU over the whole weekly.
    if conn.dialect == "postgresql":
        def status(suffix: str) -> str:
            return f"CASE WHEN f.item_id IS NULL THEN '{rules.UNASSIGNED}' ELSE {_item_status('f', suffix)} END"

        items = (f"SELECT {status('_a')} AS status_a, COALESCE(f.overdue_a, 0) AS overdue_a, "
                 f"COALESCE(f.stale_a, 0) AS stale_a, {item_due} AS due_a, {status('_b')} AS status_b, "
                 f"COALESCE(f.overdue_b, 0) AS overdue_b, COALESCE(f.stale_b, 0) AS stale_b, {item_due} AS due_b "
                 f"FROM item i LEFT JOIN ({grouped}) f ON f.item_id = i.id WHERE i.archived = 0")
        items_params = [*due_params(a), *due_params(b), *grouped_params]
        # within the table's halves, each half's live items, those with no row in it counted there alone
        halved = [(f"{items}{cond}", [*items_params, *cond_params])
                  for cond, cond_params in (_item_half(conn, upper) for upper in (False, True))]
    else:
        # CROSS JOIN: SQLite's word for "in this order" (the join is an inner one); so ordered, it reads
        # the groups as they are made (a co-routine) rather than writing all 100k of them to a scratch
        # table first (100k: the statement ~5 % faster)
        # the items awaiting assignment: those given, else every live item with no live part
        if unassigned is not None:
            waiting, waiting_params = "i.id IN (SELECT value FROM json_each(?))", [json.dumps(unassigned)]
        else:
            waiting = f"i.archived = 0 AND {rules.sql_no_live_part()}"
            waiting_params = []
        items = (f"SELECT {_item_status('f', '_a')} AS status_a, f.overdue_a, f.stale_a, {item_due} AS due_a, "
                 f"{_item_status('f', '_b')} AS status_b, f.overdue_b, f.stale_b, {item_due} AS due_b "
                 f"FROM ({grouped}) f CROSS JOIN item i ON i.id = f.item_id "
                 f"UNION ALL SELECT '{rules.UNASSIGNED}', 0, 0, {item_due}, '{rules.UNASSIGNED}', 0, 0, {item_due} FROM item i "
                 f"WHERE {waiting}")
        items_params = [*due_params(a), *due_params(b), *grouped_params, *due_params(a), *due_params(b), *waiting_params]
    # as_of's due soon over its columns named as the twin names them, then start's
    due_soon = f"CASE WHEN {rules.SQL_DUE_SOON} THEN 1 ELSE 0 END"
    soon_a = (as_of + timedelta(days=warn_days)).isoformat()
    soon_b = (start + timedelta(days=warn_days)).isoformat()

    def layered(rows_of: str) -> str:  # over the items' rows ``rows_of``
        items_a = ("SELECT status_a AS status, overdue_a AS overdue, stale_a AS stale, due_a AS due, status_b, "
                   f"overdue_b, stale_b, due_b FROM ({rows_of}) x")
        return (f"SELECT g.status AS status_a, g.overdue AS overdue_a, g.stale AS stale_a, {due_soon} AS due_soon_a, "
                f"g.status_b AS status, g.overdue_b AS overdue, g.stale_b AS stale, g.due_b AS due FROM ({items_a}) g")
    items_b = layered(items)

    params = [b, soon_b, a, soon_a, *items_params]
    if conn.dialect == "postgresql":
        # the items counted by their figures on both days (status, overdue, stale, due soon: a few
        # hundred combinations at most), the totals summed here: PostgreSQL's one hash of ~100 groups
        # costs less than nineteen aggregates of CASEs over 100k items (100k: the statement
        # 365 -> 320 ms). SQLite found no gain in it (benchmarks/PLANS.md, round 4).
        def combinations(upper: bool) -> tuple[str, list]:
            rows_of, params_of = halved[upper]
            return ("SELECT g.status_a, g.overdue_a, g.stale_a, g.due_soon_a, g.status, g.overdue, g.stale, "
                    f"{due_soon}, COUNT(*) FROM ({layered(rows_of)}) g GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
                    [b, soon_b, a, soon_a, *params_of])

        both = _both_halves(conn, combinations)  # the counts of each combination: the halves' rows add up
        rows = both if both is not None else conn.all(*combinations(False))
        n = sum(r[8] for r in rows)
        out = []
        for at in (0, 4):  # as_of's figures, then start's
            by_status = dict.fromkeys(rules.ITEM_STATUSES, 0)
            for r in rows:
                if r[at] in by_status:
                    by_status[r[at]] += r[8]
            overdue, stale, due_soon_n = (sum(int(r[at + k]) * r[8] for r in rows) for k in (1, 2, 3))
            out.append((n, by_status, overdue, due_soon_n, stale))
        return out[0], out[1]

    def counts(suffix: str, due_soon_sql: str) -> str:
        by_status = ", ".join(f"SUM(CASE WHEN g.status{suffix} = '{s}' THEN 1 ELSE 0 END)" for s in rules.ITEM_STATUSES)
        return f"{by_status}, SUM(g.overdue{suffix}), SUM({due_soon_sql}), SUM(g.stale{suffix})"

    row = conn.one(f"SELECT COUNT(*), {counts('_a', 'g.due_soon_a')}, {counts('', due_soon)} FROM ({items_b}) g", params)
    assert row is not None
    n, *rest = (int(v or 0) for v in row)
    k = len(rules.ITEM_STATUSES)
    out = []
    for part in (rest[:k + 3], rest[k + 3:]):
        out.append((n, dict(zip(rules.ITEM_STATUSES, part[:k])), part[k], part[k + 1], part[k + 2]))
    return out[0], out[1]


def item_changes(conn: Connection, start: date, as_of: date) -> tuple[list[int], list[int]]:
    """Ids of the items done on ``as_of`` but not on ``start``, and of those overdue on ``as_of`` but
    not on ``start``, in registry order. Only items that can differ are judged: those with an
    update reported in (start, as_of], an extension granted in it, or a due date (original or
    extended) in [start, as_of)."""
    a, b = start.isoformat(), as_of.isoformat()
    # the items that may change, once: a common table both forms below read
    may_change = (
        "WITH may_change (id) AS (SELECT a2.item_id FROM status_update u2 JOIN assignment a2 ON a2.id = u2.assignment_id "
        "WHERE u2.reported_on > ? AND u2.reported_on <= ? "
        "UNION SELECT e2.item_id FROM extension e2 WHERE (e2.granted_on > ? AND e2.granted_on <= ?) "
        "OR (e2.new_due >= ? AND e2.new_due < ?) "
        "UNION SELECT i2.id FROM item i2 WHERE i2.due >= ? AND i2.due < ?) "
    )
    may_change_params = [a, b, a, b, a, b, a, b]
    if _shared_days(conn, as_of, start):
        # both days from one pass over the changed items' rows of the week's table; an item with no
        # live part is never done nor overdue
        def changes(where: str) -> str:  # the changed items among those ``where`` (a condition on g.item_id)
            grouped, _ = _week_items(conn, as_of, start, where)
            return (f"SELECT f.item_id, {_item_status('f', '_a')}, f.overdue_a, {_item_status('f', '_b')}, "
                    f"f.overdue_b, i.plan_id, i.position FROM ({grouped}) f JOIN item i ON i.id = f.item_id "
                    "ORDER BY i.plan_id, i.position, i.id")
        params = _week_items(conn, as_of, start)[1]
        halves = _HALVES.get(id(conn))
        if halves is None:
            rows = conn.all(may_change + changes("g.item_id IN (SELECT id FROM may_change)"), [*may_change_params, *params])
        else:
            # the items that may change found once, then each half's among them in its own half (both halves
            # finding them all took the statement's whole time twice: 100k, ~130 ms each), merged in
            # registry order
            split = halves[1]
            found = [r[0] for r in conn.all(f"{may_change}SELECT id FROM may_change", may_change_params)]
            ids = [int_array(i for i in found if (i > split) == upper) for upper in (False, True)]
            both = _both_halves(conn, lambda upper: (changes("g.item_id = ANY(CAST(? AS INTEGER[]))"),
                                                     [*params, ids[upper]]))
            assert both is not None
            rank = _plan_rank(conn)
            rows = sorted(both, key=lambda r: (rank[r[5]], r[6], r[0]))
        return ([item_id for item_id, now, _, was, *_ in rows if now == rules.DONE and was != rules.DONE],
                [item_id for item_id, _, now, _, was, *_ in rows if now and not was])
    items: tuple[str, list] = ("i.id IN (SELECT id FROM may_change)", [])
    sql, params = _item_facts(conn, start, items)
    before = {r[0]: (r[3], r[4]) for r in conn.all(may_change + sql, [*may_change_params, *params])}
    sql, params = _item_facts(conn, as_of, items)
    completed, became_overdue = [], []
    for item_id, _plan, _pos, status, overdue, *_ in conn.all(
            f"{may_change}SELECT * FROM ({sql}) g ORDER BY g.plan_id, g.position, g.id", [*may_change_params, *params]):
        was = before.get(item_id)
        if was is None:
            continue
        if status == rules.DONE and was[0] != rules.DONE:
            completed.append(item_id)
        if overdue and not was[1]:
            became_overdue.append(item_id)
    return completed, became_overdue


#: PostgreSQL's planner settings for the agency summary over the whole plan: the one-pass read of the
#: updates in force comes out of ix_update_latest in assignment order, and joined by merge to the
#: assignments sorted the same way it is not hashed (210k rows at 100k); the planner prices the hash
#: join lower. 100k, server CPU of the statement, 9 alternated runs: 530 -> 490 ms.
_PG_ONE_PASS_PLAN = {"enable_hashjoin": "off"}
#: ... and for the items awaiting assignment: a merge anti join of the live items by id against
#: ix_assignment_live_item, in one process, instead of a parallel hash anti join of three (the planner
#: expects 22k such items, there are none at 100k). Server CPU with its workers', 11 alternated runs:
#: 110 -> 50 ms.
_PG_UNASSIGNED_PLAN = {"enable_hashjoin": "off", "max_parallel_workers_per_gather": "0"}


def agency_summary(conn: Connection, as_of: date, *, warn_days: int = rules.DEFAULT_WARN_DAYS,
                   agency: AgencyRef | None = None) -> list[AgencySummary]:
    """The same rows as ``summarize(conn, agency_assignments(snapshot(...), agency))``, in SQL."""
    day = as_of.isoformat()
    soon = (as_of + timedelta(days=warn_days)).isoformat()
    from_table = agency is None and day in _SHARED.get(id(conn), {})
    facts, fact_params = _facts(conn, day, agency, halved=from_table)
    stale, stale_params = rules.sql_stale(((p.id, p.reporting, p.issued) for p in plans(conn)), as_of)
    statuses = ", ".join(f"SUM(CASE WHEN g.status = '{s}' THEN 1 ELSE 0 END)" for s in rules.STATUSES)
    counts = (f"g.agency_id, COUNT(*), {statuses}, SUM(CASE WHEN {rules.SQL_OVERDUE} THEN 1 ELSE 0 END), "
              f"SUM(CASE WHEN {rules.SQL_DUE_SOON} THEN 1 ELSE 0 END), SUM({stale}), MAX(g.last_report)")
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
    both = _both_halves(conn, lambda upper: (sql, params)) if from_table else None
    if both is not None:
        rows = _agencies_summed(conn, both)
    else:
        with conn.planned(**(_PG_ONE_PASS_PLAN if agency is None and not from_table else {})):
            rows = conn.all(sql, params)
    out = []
    for name, _, assigned, not_started, in_progress, done, blocked, claimed, overdue, due_soon, stale_n, last in rows:
        out.append(AgencySummary(name, assigned, done, in_progress, not_started, blocked, overdue, due_soon, stale_n,
                                 _date(last), claimed))
    return out


def _agencies_summed(conn: Connection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """agency_summary's rows of the week's table's two halves (name, agency id, counts..., latest report),
    one per agency in registry order: the counts added, the later of the latest reports (an agency's
    parts may lie in both halves)."""
    merged: dict[int, list[Any]] = {}
    for name, agency_id, *counts, last in rows:
        have = merged.get(agency_id)
        if have is None:
            merged[agency_id] = [name, agency_id, *counts, last]
            continue
        for at, n in enumerate(counts, 2):
            have[at] += n
        if last is not None and (have[-1] is None or last > have[-1]):
            have[-1] = last
    order = [agency_id for (agency_id,) in conn.all("SELECT id FROM agency ORDER BY position, id")]
    return [tuple(merged[agency_id]) for agency_id in order if agency_id in merged]


class OverdueFacts(NamedTuple):
    """The overdue assignments as a screenful needs them."""

    first: list[tuple[str, int]]  # (agency name, item id) of the first ``limit`` overdue assignments, in report order
    totals: dict[str, int]  # overdue assignments per agency, agencies in registry order
    items: int  # the items with an overdue assignment


def overdue_facts(conn: Connection, as_of: date, *, agency: AgencyRef | None = None,
                  limit: int | None = None, counted: bool = True) -> OverdueFacts:
    """The overdue assignments in report order (agencies in registry order, then most overdue first,
    then registry order of the items): the first ``limit`` of them (all with None), and the counts
    of all of them. One statement, counted and cut inside the database (on PostgreSQL from the tables,
    one for each half of the items, side by side: :func:`_merged_halves`): at 100k only a screenful of
    the 60,383 overdue rows leaves it, and the database keeps the first ``limit`` in order rather than
    sorting all of them (PostgreSQL server CPU 590 -> 500 ms).

    ``counted`` False: the first rows alone (totals empty, items 0), for a caller that counts the same
    overdue parts already (the weekly report: its agency summary and item totals). The counts were
    two more passes over the overdue rows (100k weekly, SQLite: the statement ~90 -> ~50 ms)."""
    day = as_of.isoformat()
    from_tables = conn.dialect == "postgresql" and not (agency is None and _shared_days(conn, as_of))
    with conn.beside() if from_tables and counted else nullcontext() as side:
        halves = side is not None  # the items in two halves, one statement each (_merged_halves)
        if not from_tables:
            # over the facts: within week_facts, those of its table; on SQLite, a lookup per assignment
            # (the form below reads each update's row there: ix_update_latest carries no status on SQLite)
            facts, fact_params = _facts(conn, day, agency, halved=agency is None)
            overdue = (f"SELECT g.agency_id, g.item_id, g.due, i.plan_id, i.position FROM ({facts}) g "
                       f"JOIN item i ON i.id = g.item_id WHERE {rules.SQL_OVERDUE}")
            params = [*fact_params, day]
            late_params: list[Any] = []
        else:
            # PostgreSQL, straight from the tables (rules.sql_overdue_assignment): the update in force is
            # looked up only for the parts past their due date that have a done update (100k: server CPU
            # of the statement 510-540 -> 320-340 ms)
            due, due_params = (rules.SQL_CURRENT_DUE, [day, day]) if _has_extensions(conn) else ("i.due", [])
            where, params = "a.archived = 0 AND i.archived = 0", list(due_params)
            if agency is not None:
                where, params = f"{where} AND {rules.SQL_BELONGS_TO}", [*params, agency.id, agency.id]
            if halves:
                where += " AND MOD(i.id, 2) = ?"  # the half's parity, given after params
            late, late_params = rules.sql_overdue_assignment(due, due_params, day)
            overdue = (f"SELECT a.agency_id, a.item_id, {due} AS due, i.plan_id, i.position FROM assignment a "
                       f"JOIN item i ON i.id = a.item_id WHERE {where} AND {late}")
        cut = "" if limit is None else " LIMIT ?"
        first_rows = ("SELECT 2, ag.position, ag.id, o.due, o.plan_id, o.position, o.item_id, ag.name, "
                      "CAST(NULL AS BIGINT) FROM o JOIN agency ag ON ag.id = o.agency_id "
                      f"ORDER BY ag.position, ag.id, o.due, o.plan_id, o.position, o.item_id{cut}")
        if counted:
            # three parts told apart by the first column: the count per agency, the number of items, the first rows
            sql = (
                f"WITH o AS ({overdue}) "
                "SELECT 0, ag.position, ag.id, NULL, NULL, CAST(NULL AS INTEGER), CAST(NULL AS BIGINT), ag.name, s.n "
                "FROM (SELECT o.agency_id, COUNT(*) AS n FROM o GROUP BY o.agency_id) s JOIN agency ag ON ag.id = s.agency_id "
                "UNION ALL SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*) FROM (SELECT DISTINCT o.item_id FROM o) d "
                f"UNION ALL SELECT * FROM ({first_rows}) t "
                "ORDER BY 1, 2, 3, 4, 5, 6, 7"
            )
        else:
            sql = f"WITH o AS ({overdue}) {first_rows}"
        cut_params = [] if limit is None else [limit]
        if side is None:
            # within week_facts with its table in two halves, the statement over each (_both_halves)
            both = None if from_tables or agency is not None else \
                _both_halves(conn, lambda upper: (sql, [*params, *late_params, *cut_params]))
            halves = both is not None
            rows = both if both is not None else conn.all(sql, [*params, *late_params, *cut_params])
        else:  # sent on the second connection first, so that both backends work at once
            with side.asked(sql, [*params, 1, *late_params, *cut_params]) as other:
                rows = conn.all(sql, [*params, 0, *late_params, *cut_params])
                rows += other()
    if halves:
        rows = _merged_halves(conn, rows, limit)
    first: list[tuple[str, int]] = []
    totals: dict[str, int] = {}
    items = 0
    for part, *_, item_id, name, n in rows:
        if part == 0:
            totals[name] = totals.get(name, 0) + n
        elif part == 1:
            items += n
        else:
            first.append((name, item_id))
    return OverdueFacts(first, totals, items)


def _merged_halves(conn: Connection, rows: list[tuple[Any, ...]], limit: int | None) -> list[tuple[Any, ...]]:
    """The rows of overdue_facts' statement run for each half of the items (by the parity of their id),
    in the order of the statement run once: the counts per agency in registry order, the number of
    items, then the first ``limit`` rows in report order.

    On PostgreSQL over the whole plan the second half is sent on a connection of its own
    (Connection.beside), so that two backends find the updates in force (62,564 index lookups at 100k,
    which PostgreSQL 15 never gives to a parallel worker: a correlated subquery is parallel-restricted)
    at once. An item and all of its parts lie in one half, so the counts of the halves add up, and
    the first rows of the whole are the first ``limit`` of both halves' own first rows. Plan ids are
    ranked as the database orders them (its collation, which need not be Python's); the due dates
    (YYYY-MM-DD) and the numbers compare alike everywhere."""
    rank = _plan_rank(conn)

    def key(r: tuple[Any, ...]) -> tuple[Any, ...]:
        if r[0] != 2:
            return (r[0], r[1] or 0, r[2] or 0)
        return (2, r[1], r[2], r[3], rank[r[4]], r[5], r[6])

    rows = sorted(rows, key=key)
    counts = [r for r in rows if r[0] != 2]
    shown = [r for r in rows if r[0] == 2]
    return counts + (shown if limit is None else shown[:limit])


def unassigned_item_ids(conn: Connection) -> list[int]:
    """Ids of the live items no agency is assigned (status ``unassigned``, 待交办), in registry order."""
    # PostgreSQL: the items with no live part are found among the ids of all items, which item_pkey
    # holds without a row read (index-only); only those found are then read for whether they are
    # live. The live items' ids alone come from the rows (item_pkey and a filter on archived: 100k
    # items, ~4,900 pages read against ~280). Backend CPU of the statement, 21 alternated runs at 100k:
    # 47 -> 25 ms (benchmarks/PLANS.md, round 10). SQLite reads the live items from ix_item_live_order.
    live = (f"i.archived = 0 AND i.id IN (SELECT j.id FROM item j WHERE {rules.sql_no_live_part('j.id')})"
            if conn.dialect == "postgresql" else f"i.archived = 0 AND {rules.sql_no_live_part()}")
    with conn.planned(**_PG_UNASSIGNED_PLAN):
        return [r[0] for r in conn.all(f"SELECT i.id FROM item i WHERE {live} ORDER BY i.plan_id, i.position, i.id")]


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
