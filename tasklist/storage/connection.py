"""Database connections: SQLite (stdlib, the embedded default) or PostgreSQL (psycopg 3), one behaviour.

Queries are written once with ``?`` placeholders; this layer adapts them to the driver. The hot
paths use the DB-API drivers directly: importing SQLAlchemy costs ~240 ms, more than a whole read
command is allowed. The schema itself is the SQLModel classes in :mod:`tasklist.storage.models`.

Both engines behave alike behind :class:`Connection`: a writer waits at most ``BUSY_TIMEOUT_MS``
for a lock, transactions nest (the outermost one decides), and every driver error becomes a
:class:`~tasklist.errors.DatabaseError` (exit 1) or :class:`~tasklist.errors.BadInput` (exit 2)
with one line of text, COMMIT failures included.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import BadInput, Conflict, DatabaseError, Forbidden, TasklistError, os_reason
from ..messages import t

BUSY_TIMEOUT_MS = 15_000
#: PostgreSQL's memory for each sort or hash of a report before it spills to disk
PG_WORK_MEM = "32MB"
#: PostgreSQL's cost of a random page read relative to a sequential one (the default 4 is for spinning
#: disks; the reports' indexes sit in memory or on SSD)
PG_RANDOM_PAGE_COST = "1.1"
#: rows fetched from a PostgreSQL server-side cursor per round trip
PG_STREAM_BATCH = 5000
#: PostgreSQL server-side cursors opened by this process (each stream's is named after its number)
_STREAMS = 0
#: transactions committed by this process, so that a failure after one is never reported as if nothing was saved
COMMITS = 0


def now_utc() -> str:
    """The timestamp stored with every record: ISO 8601 in UTC, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def default_home() -> Path:
    """Where the embedded database lives: $TASKLIST_HOME, else the user data directory of the
    platform (platformdirs: ~/.local/share/tasklist or $XDG_DATA_HOME/tasklist on Linux,
    %LOCALAPPDATA%\\tasklist on Windows, ~/Library/Application Support/tasklist on macOS)."""
    if home := os.environ.get("TASKLIST_HOME"):
        return Path(home)
    from platformdirs import user_data_path

    return user_data_path("tasklist", appauthor=False)


def resolve_url(url: str | None = None) -> str:
    """The database URL from the argument, $TASKLIST_DB, or the default SQLite file."""
    url = url or os.environ.get("TASKLIST_DB")
    if not url:
        return f"sqlite:///{default_home() / 'tasklist.db'}"
    if "://" not in url:  # a bare path means a SQLite file
        return f"sqlite:///{Path(url).expanduser()}"
    return url


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(unquote(url[len("sqlite:///"):]))
    return None


def postgres_dsn(url: str) -> str:
    """The libpq form of a PostgreSQL URL (SQLAlchemy's ``+psycopg`` suffix removed)."""
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)


class Connection:
    """One interface over SQLite and PostgreSQL."""

    def __init__(self, raw: Any, dialect: str, url: str, *, created: bool = False) -> None:
        self.raw = raw
        self.dialect = dialect
        self.url = url
        self.created = created  # a new SQLite file was made by this connection
        self._depth = 0
        self._identity = _file_identity(sqlite_path(url)) if dialect == "sqlite" else None

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            cur = self.raw.cursor()
            if params:
                cur.execute(self._sql(sql), tuple(params))
            else:  # no placeholders to adapt: the SQL goes as written (it may hold a literal %)
                cur.execute(sql)
            return cur
        except Exception as exc:
            raise self.translate(exc) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            self.raw.cursor().executemany(self._sql(sql), [tuple(r) for r in rows])
        except Exception as exc:
            raise self.translate(exc) from exc

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._fetch(sql, params, lambda cur: list(cur.fetchall()))

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self._fetch(sql, params, lambda cur: cur.fetchone())
        return tuple(row) if row is not None else None

    def _fetch(self, sql: str, params: Sequence[Any], fetch: Any) -> Any:
        try:
            return fetch(self.execute(sql, params))
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc) or self.dialect != "sqlite":
                raise self.translate(exc) from exc
        # Text that is not UTF-8 (written by another program): read it with U+FFFD where it breaks,
        # rather than making the whole listing unreadable. `db check` reports where it is.
        self.raw.text_factory = lambda data: data.decode("utf-8", "replace")
        try:
            return fetch(self.execute(sql, params))
        finally:
            self.raw.text_factory = str

    def stream(self, sql: str, params: Sequence[Any] = (), *, batch: int | None = None) -> Generator[tuple[Any, ...], None, None]:
        """The rows of a query, read ``batch`` at a time (default: 1,000 on SQLite, :data:`PG_STREAM_BATCH`
        on PostgreSQL, where each batch is a round trip): a long listing never sits in memory whole.

        The same rows as :meth:`all`. PostgreSQL reads them through a server-side cursor. On SQLite,
        text that is not UTF-8 stops the read where it stands; the query then runs again with the
        replacing decoder of :meth:`_fetch`, past the rows already given (which decoded cleanly, so
        they are the same either way): the usual read pays nothing for that safety."""
        if self.dialect == "postgresql":
            global _STREAMS
            _STREAMS += 1
            cur = self.raw.cursor(name=f"tasklist_stream_{_STREAMS}")  # a name of its own: streams may be read side by side
            try:
                cur.execute(self._sql(sql), tuple(params))
                while rows := cur.fetchmany(batch or PG_STREAM_BATCH):
                    yield from rows
            except Exception as exc:
                raise self.translate(exc) from exc
            finally:  # read to its end or left before it: the server's cursor is closed either way
                try:
                    cur.close()  # psycopg skips it where the transaction failed
                except Exception:  # noqa: BLE001, S110  (the connection broke: the cursor went with it)
                    pass
            return
        batch = batch or 1000
        given = 0
        try:
            cur = self.execute(sql, params)
            while rows := cur.fetchmany(batch):
                given += len(rows)
                yield from rows
            return
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc):
                raise self.translate(exc) from exc
        self.raw.text_factory = lambda data: data.decode("utf-8", "replace")
        try:
            cur = self.execute(sql, params)
            for _ in range(given):
                cur.fetchone()
            while rows := cur.fetchmany(batch):
                yield from rows
        finally:
            self.raw.text_factory = str

    @contextmanager
    def asked(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Callable[[], list[tuple[Any, ...]]]]:
        """The rows of :meth:`all`, asked for on entering the block and read when the function it gives
        is called (once, inside the block): the caller works on something else meanwhile.

        On PostgreSQL the statement is sent at once (psycopg's pipeline mode) and the server runs it
        while the caller works; a statement that ends in ORDER BY is run whole before its first row is
        sent, so it does not stop on a full socket halfway. SQLite runs it when the function is called."""
        if self.dialect != "postgresql":
            yield lambda: self.all(sql, params)
            return
        try:
            with self.raw.pipeline():
                cur = self.raw.cursor()
                cur.execute(self._sql(sql), tuple(params))  # sent now; its rows are read by fetchall
                yield lambda: list(cur.fetchall())
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):  # the statement's; the caller's own pass as they are
                raise self.translate(exc) from exc
            raise

    @contextmanager
    def sent(self, *statements: tuple[str, Sequence[Any]]) -> Iterator[None]:
        """Statements that give no rows (each ``(sql, params)``), sent on entering the block and waited
        for when it is left, whose error, if any, is raised there: the caller works on something else
        meanwhile. On PostgreSQL they go at once, one after the other (psycopg's pipeline mode), and the
        server runs them while the caller works; SQLite runs them on entering the block."""
        if self.dialect != "postgresql":
            for sql, params in statements:
                self.execute(sql, params)
            yield
            return
        try:
            with self.raw.pipeline():
                cur = self.raw.cursor()
                for sql, params in statements:
                    cur.execute(self._sql(sql), tuple(params))
                yield
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):  # the statements'; the caller's own pass as they are
                raise self.translate(exc) from exc
            raise

    @contextmanager
    def beside(self) -> Iterator[Connection | None]:
        """A second connection to the same PostgreSQL database for the block, so that a statement sent on
        it (:meth:`asked`) runs in a backend of its own while this connection's runs: two processes, on
        two cores where the machine has them free. Closed when the block is left.

        Outside a transaction each statement here (READ COMMITTED) reads the database as of its own
        start: two statements on two connections read it as two statements on one would. None, for
        the caller to do its work on this connection alone: on SQLite (one process), inside a
        :meth:`transaction` of this connection's (whose writes, not yet committed, another connection
        would not see), and where the server refuses a second connection (max_connections reached).
        It sees the plan this one sees (:func:`lookup.same_plan`)."""
        other = None
        if self.dialect == "postgresql" and not self._depth:
            with suppress(DatabaseError):
                other = _connect_postgres(self.url)
        if other is None:
            yield None
            return
        try:
            from .lookup import same_plan  # lookup reads through connections: imported when one is made

            same_plan(self, other)
            yield other
        finally:
            other.close()

    @contextmanager
    def planned(self, **settings: str) -> Iterator[None]:
        """Within: PostgreSQL's planner settings ``settings`` (name=value, e.g. ``enable_hashjoin="off"``)
        for the statements sent in the block; after it, the values they had before it, whatever set
        them (the server, the role, the session). For a statement whose best plan the planner's
        estimates miss (see the callers); nothing on SQLite.

        Set local to the transaction (psycopg's, opened by the first statement) and read in the same
        statement: two round trips of well under a millisecond each. A block left by an exception
        puts them back too; if a failed statement aborted the transaction, which then refuses even
        that, its rollback undoes them."""
        if self.dialect != "postgresql" or not settings:
            yield
            return
        names = list(settings)
        row = self.one("SELECT " + ", ".join("current_setting(?), set_config(?, ?, true)" for _ in names),
                       [v for name in names for v in (name, name, settings[name])])
        assert row is not None
        restore = ("SELECT " + ", ".join("set_config(?, ?, true)" for _ in names),
                   [v for at, name in enumerate(names) for v in (name, row[2 * at])])
        try:
            yield
        except BaseException:
            with suppress(Exception):  # an aborted transaction refuses it: its rollback undoes the settings
                self.execute(*restore)
            raise
        self.execute(*restore)

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.one(sql, params)
        return row[0] if row else None

    def insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT and return the new row's id."""
        if self.dialect == "postgresql":
            row = self.execute(sql + " RETURNING id", params).fetchone()
            return int(row[0])
        return int(self.execute(sql, params).lastrowid)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed if the block succeeds, rolled back whole otherwise.

        Nested blocks join the outermost transaction, which alone commits or rolls back. A write
        lock is taken at the start on SQLite (BEGIN IMMEDIATE), so a busy database makes the writer
        wait up front instead of failing half-way."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    def _begin(self) -> None:
        if self.dialect == "sqlite":
            self.execute("BEGIN IMMEDIATE")
        # psycopg opens a transaction by itself on the first statement (autocommit is off)

    def _commit(self) -> None:
        global COMMITS
        if self._identity is not None and _file_identity(sqlite_path(self.url)) != self._identity:
            # The file was deleted or replaced under us: a commit would go to a file nobody will read.
            self._rollback()
            raise DatabaseError("error.db_replaced", hint="error.db_replaced_hint", path=self.label())
        try:
            self.raw.commit() if self.dialect == "postgresql" else self.raw.execute("COMMIT")
        except Exception as exc:
            self._rollback()
            raise self.translate(exc, committing=True) from exc
        COMMITS += 1

    def _rollback(self) -> None:
        try:
            if self.dialect == "postgresql":
                self.raw.rollback()
            elif self.raw.in_transaction:
                self.raw.execute("ROLLBACK")
        except Exception:  # noqa: BLE001, S110  (the connection is gone: nothing was committed either way)
            pass

    def in_transaction(self) -> bool:
        """Whether a transaction is open: one of :meth:`transaction`'s, or on SQLite any BEGIN."""
        return self._depth > 0 or (self.dialect == "sqlite" and self.raw.in_transaction)

    def end_read(self) -> None:
        """End the implicit read transaction psycopg opened, so no snapshot is held between commands."""
        if self.dialect == "postgresql" and not self._depth:
            self._rollback()

    def table_exists(self, name: str) -> bool:
        if self.dialect == "sqlite":
            return self.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)) is not None
        return self.value("SELECT to_regclass(?)", (name,)) is not None

    def close(self) -> None:
        try:
            self.raw.close()
        except Exception:  # noqa: BLE001, S110  (closing a connection that already broke: nothing to do)
            pass

    # ----------------------------------------------------------------------- errors

    def translate(self, exc: Exception, *, committing: bool = False) -> TasklistError:
        """One line for any driver error: what went wrong and on which database."""
        if isinstance(exc, TasklistError):
            return exc
        where = self.label()
        if committing:
            return DatabaseError("error.db_not_saved", hint="error.db_not_saved_hint", why=_first_line(exc), where=where)
        if _is_busy(exc):
            return DatabaseError("error.db_busy", hint="error.db_busy_hint", seconds=BUSY_TIMEOUT_MS // 1000, where=where)
        if getattr(exc, "sqlstate", None) == "42501":  # insufficient_privilege, row-level security included
            return _forbidden(exc)
        if _is_duplicate(exc):
            return Conflict("error.db_duplicate", why=_first_line(exc))
        if _is_bad_value(exc):
            return BadInput("error.db_bad_value", why=_first_line(exc))
        return DatabaseError("error.db_error", why=_first_line(exc), where=where)

    def label(self) -> str:
        """The database as shown in messages: a file's path, or a server URL without its password."""
        path = sqlite_path(self.url)
        if path is not None:
            return str(path)
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1@", self.url)


def int_array(ids: Iterable[int]) -> str:
    """The text of an array of ids for PostgreSQL (a statement's ``CAST(? AS INTEGER[])``): sent as one
    text, where psycopg quoted a list parameter's every element through a pattern (100k: the changed
    items' ~4,000 ids, 8M of weekly's client instructions; a half of list --json, 50,000 ids)."""
    return "{" + ",".join(map(str, ids)) + "}"


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    try:
        st = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st is not None else None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_busy(exc: Exception) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        return "locked" in text or "busy" in text
    state = getattr(exc, "sqlstate", None)
    # 55P03 lock_not_available, 57014 query_canceled (statement_timeout), 40P01 deadlock, 40001 serialization
    return state in ("55P03", "57014", "40P01", "40001")


def _forbidden(exc: Exception) -> Forbidden:
    text = _first_line(exc)
    if "row-level security" in text and "target_report" in text:
        return Forbidden("error.db_forbidden_rls_target")
    if "row-level security" in text:
        return Forbidden("error.db_forbidden_rls")
    table = re.search(r'(?:table|relation|sequence) "?([\w.]+)"?', text)
    return Forbidden("error.db_forbidden", what=f" ({table[1]})" if table else "")


def _is_duplicate(exc: Exception) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return str(exc).startswith("UNIQUE constraint failed")
    return getattr(exc, "sqlstate", None) == "23505"  # unique_violation


def _is_bad_value(exc: Exception) -> bool:
    state = getattr(exc, "sqlstate", None) or ""
    # class 22: data exception (a value of the wrong type or out of range)
    return state.startswith("22")


def connect(url: str | None = None, *, create: bool = True, any_thread: bool = False) -> Connection:
    """Open the database at ``url`` (see :func:`resolve_url`). ``any_thread``: SQLite's connection may
    be used from another thread than the one that opened it (by one thread at a time)."""
    url = resolve_url(url)
    path = sqlite_path(url)
    if path is not None:
        return _connect_sqlite(path, url, create=create, any_thread=any_thread)
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return _connect_postgres(url)
    raise BadInput("error.db_url", hint="error.db_url_hint", url=url)


def _connect_sqlite(path: Path, url: str, *, create: bool, any_thread: bool = False) -> Connection:
    try:
        size = path.stat().st_size if path.exists() else None
    except OSError as exc:
        raise DatabaseError("error.db_open", path=path, reason=os_reason(exc)) from None
    if path.is_dir():
        raise DatabaseError("error.db_open_dir", path=path)
    if size == 0:  # never reinitialise a file that exists: it may be a database someone truncated
        raise DatabaseError("error.db_open_empty", hint="error.db_open_empty_hint", path=path)
    if size is None:
        if path.parent != default_home() and not path.parent.is_dir():
            raise DatabaseError("error.db_create_nodir", path=path, folder=path.parent)
        if not create:
            raise DatabaseError("error.db_missing", hint="error.db_missing_hint", path=path)
        if path.parent == default_home():  # the default home is ours to create; elsewhere, no
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError("error.home_unusable", hint="error.home_hint", path=path.parent,
                                    reason=os_reason(exc)) from None
    try:
        # Autocommit by default; transaction() issues BEGIN IMMEDIATE explicitly.
        raw = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=not any_thread)
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA journal_mode=WAL").fetchone()
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        why = t("error.reason_not_database") if "not a database" in str(exc) else str(exc)
        raise DatabaseError("error.db_open", path=path, reason=why) from exc
    return Connection(raw, "sqlite", url, created=size is None)


def _connect_postgres(url: str) -> Connection:
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("error.db_psycopg") from None
    # The same patience as SQLite's busy wait; JIT compilation costs more than it saves on these
    # queries (measured: 450 of 554 ms of a status query went to JIT). A streamed listing reads every
    # row of its cursor, so the planner is told so (cursor_tuple_fraction=1: the default 0.1 chose a
    # nested loop down ix_update_reported for history, 1.37 s, over hash joins and a sort, 0.57 s at
    # 10k). work_mem: the sorts and hashes of the reports (60k overdue rows, 235k assignments) fit in
    # memory instead of spilling to temp files (4 MB by default). random_page_cost: priced as the
    # spinning disk of the default, the one-pass read of ix_update_latest made status --summary's plan
    # parallel, where each process read the whole index and sorted its half to group it; priced for
    # an index in memory, one process reads it once and groups by hash (100k: server CPU 805 -> 485 ms
    # for that statement, status and status --summary 0.77x whole-command CPU; the others within 5 %).
    options = (f"-c lock_timeout={BUSY_TIMEOUT_MS} -c statement_timeout={4 * BUSY_TIMEOUT_MS} -c jit=off "
               f"-c cursor_tuple_fraction=1 -c work_mem={PG_WORK_MEM} -c random_page_cost={PG_RANDOM_PAGE_COST}")
    try:
        raw = psycopg.connect(postgres_dsn(url), autocommit=False, options=options)
    except psycopg.Error as exc:
        raise DatabaseError("error.db_connect", why=_first_line(exc)) from exc
    return Connection(raw, "postgresql", url)
