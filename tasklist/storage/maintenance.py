"""Database upkeep: backup and the integrity check (schema upgrades are storage/schema.py)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DatabaseError
from ..messages import t
from . import schema
from .connection import Connection, postgres_dsn


def backup(conn: Connection, partial: Path) -> None:
    """Copy the database into the new file ``partial``: SQLite's online backup API (consistent while
    others write), or pg_dump for PostgreSQL. The caller chooses the path and moves the copy into
    place (see :func:`tasklist.output.files.replacing`), so a backup file is either whole or absent."""
    if conn.dialect == "sqlite":
        dest = sqlite3.connect(partial)
        try:
            conn.raw.backup(dest)
        finally:
            dest.close()
    else:
        _pg_dump(conn, partial)


def _pg_dump(conn: Connection, target: Path) -> None:
    binary = shutil.which("pg_dump")
    if binary is None:
        raise DatabaseError("error.pg_dump_missing", hint="error.pg_dump_hint")
    dsn = postgres_dsn(conn.url)
    result = subprocess.run([binary, "--format=custom", f"--file={target}", f"--dbname={dsn}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseError("error.pg_dump_failed",
                            why=result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode)


@dataclass
class CheckReport:
    ok: bool = True
    engine: str = ""
    schema: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


HISTORY = ("status_update", "extension")


def check(conn: Connection) -> CheckReport:
    """Everything that can be wrong with a database, as findings (never as a crash)."""
    report = CheckReport(engine=conn.dialect)
    try:
        _check(conn, report)
    except DatabaseError as exc:  # a damaged file fails even the checks' own queries: that is the finding
        conn.end_read()
        report.problems.append(exc.message)
    except sqlite3.DatabaseError as exc:
        report.problems.append(t("check.integrity", what=exc))
    report.ok = not report.problems and not report.pending
    return report


def _check(conn: Connection, report: CheckReport) -> None:
    report.pending = schema.pending(conn)
    report.schema = schema.applied(conn)
    if conn.dialect == "sqlite":
        for (line,) in conn.all("PRAGMA integrity_check"):
            if line != "ok":
                report.problems.append(t("check.integrity", what=line))
        for table, rowid, parent, _ in conn.all("PRAGMA foreign_key_check"):
            report.problems.append(t("check.foreign_key", table=table, row=rowid, parent=parent))
        report.problems += _undecodable_text(conn)
    if report.schema and not report.pending:
        for table in ("plan", "agency", "item", "assignment", *HISTORY):
            report.counts[table] = conn.value(f"SELECT count(*) FROM {table}")
        report.problems += _history_kept(conn)
        orphans = conn.value(
            "SELECT count(*) FROM status_update u LEFT JOIN assignment a ON a.id = u.assignment_id WHERE a.id IS NULL"
        )
        if orphans:
            report.problems.append(t("check.orphans", count=orphans))


def _history_kept(conn: Connection) -> list[str]:
    """History that shrank (rows deleted with the triggers out of the way) or lost its guards."""
    from .rights import HISTORY, UNSTAMPED

    found = []
    recorded = dict(conn.all("SELECT table_name, rows FROM history_count"))
    for table in HISTORY:
        present = conn.value(f"SELECT count(*) FROM {table}")
        if present < recorded.get(table, 0):
            found.append(t("check.shrunk", table=table, present=present, recorded=recorded[table]))
    if conn.dialect == "sqlite":
        triggers = {r[0] for r in conn.all("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        wanted = {f"{t}_no_{op}" for t in HISTORY for op in ("update", "delete")} | {f"{t}_counted" for t in HISTORY}
    else:
        triggers = {r[0] for r in conn.all("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")}
        wanted = {f"{t}_{kind}" for t in HISTORY for kind in ("append_only", "no_truncate", "counted")}
        wanted |= {f"{t}_who" for t in HISTORY if t not in UNSTAMPED}
    for name in sorted(wanted - triggers):
        found.append(t("check.unguarded", name=name))
    return found


def _undecodable_text(conn: Connection) -> list[str]:
    """Text cells that are not UTF-8 (written by another program): where they are, table by table."""
    found = []
    tables = [r[0] for r in conn.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    text_columns = {t: [r[1] for r in conn.all(f'PRAGMA table_info("{t}")') if r[2].upper() == "TEXT"] for t in tables}
    conn.raw.text_factory = bytes
    try:
        for table, columns in text_columns.items():
            if not columns:
                continue
            for row in conn.execute(f'SELECT rowid, {", ".join(columns)} FROM "{table}"'):
                for column, value in zip(columns, row[1:], strict=True):
                    if isinstance(value, bytes):
                        try:
                            value.decode("utf-8")
                        except UnicodeDecodeError:
                            found.append(t("check.not_utf8", table=table, row=row[0], column=column))
    finally:
        conn.raw.text_factory = str
    return found
