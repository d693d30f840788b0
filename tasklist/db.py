"""Database connections: SQLite (stdlib, the embedded default) or PostgreSQL (psycopg 3).

Queries are written once with ``?`` placeholders; this layer adapts them to the driver. The hot
read paths use the DB-API drivers directly: importing SQLAlchemy costs ~240 ms, more than a
whole read command is allowed. The schema itself is declared in :mod:`tasklist.models`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .errors import BadInput, DatabaseError

BUSY_TIMEOUT_MS = 15_000


def default_home() -> Path:
    """Where the embedded database lives: $TASKLIST_HOME, else the user data directory."""
    if home := os.environ.get("TASKLIST_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "tasklist"


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


class Connection:
    """A thin wrapper giving SQLite and PostgreSQL one interface."""

    def __init__(self, raw: Any, dialect: str, url: str) -> None:
        self.raw = raw
        self.dialect = dialect
        self.url = url

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
        except sqlite3.OperationalError as exc:
            raise _operational(exc, self.url) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            self.raw.cursor().executemany(self._sql(sql), [tuple(r) for r in rows])
        except sqlite3.OperationalError as exc:
            raise _operational(exc, self.url) from exc

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT and return the new row's id."""
        if self.dialect == "postgresql":
            return self.execute(sql + " RETURNING id", params).fetchone()[0]
        return self.execute(sql, params).lastrowid

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed if the block succeeds, rolled back whole otherwise."""
        try:
            yield self
        except BaseException:
            self.raw.rollback()
            raise
        else:
            self.raw.commit()

    def table_exists(self, name: str) -> bool:
        if self.dialect == "sqlite":
            return self.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)) is not None
        return self.one("SELECT to_regclass(?)", (name,))[0] is not None

    def close(self) -> None:
        self.raw.close()


def _operational(exc: Exception, url: str) -> DatabaseError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseError(f"database is busy: another process held it for {BUSY_TIMEOUT_MS // 1000} s ({url})",
                             hint="try again in a moment")
    return DatabaseError(f"database error: {text} ({url})")


def connect(url: str | None = None, *, create: bool = True) -> Connection:
    """Open the database at ``url`` (see :func:`resolve_url`)."""
    url = resolve_url(url)
    path = sqlite_path(url)
    if path is not None:
        return _connect_sqlite(path, url, create=create)
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return _connect_postgres(url)
    raise BadInput(f"unsupported database URL {url!r}", hint="use sqlite:///PATH or postgresql+psycopg://...")


def _connect_sqlite(path: Path, url: str, *, create: bool) -> Connection:
    if path.is_dir():
        raise DatabaseError(f"cannot open database {path}: it is a directory")
    if not path.exists():
        if not create:
            raise DatabaseError(f"database {path} does not exist")
        if path.parent == default_home():  # the default home is ours to create; elsewhere, no
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.parent.is_dir():
            raise DatabaseError(f"cannot create database {path}: directory {path.parent} does not exist")
    try:
        raw = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA journal_mode=WAL").fetchone()
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    # Autocommit by default; transaction() issues BEGIN explicitly.
    return _SqliteConnection(raw, "sqlite", url)


class _SqliteConnection(Connection):
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        # Take the write lock up front so that a busy database waits instead of failing mid-way.
        if self.raw.in_transaction:  # nested: the outer transaction decides
            yield self
            return
        self.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        else:
            self.raw.execute("COMMIT")


def _connect_postgres(url: str) -> Connection:
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("PostgreSQL needs psycopg: pip install 'tasklist[postgres]'") from None
    dsn = re.sub(r"^postgresql\+psycopg://", "postgresql://", url)
    try:
        raw = psycopg.connect(dsn, autocommit=False)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}") from exc
    return Connection(raw, "postgresql", url)
