"""Database upkeep: schema upgrade, backup, integrity check."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import legacy as migrations
from .connection import Connection, postgres_dsn
from ..errors import DatabaseError


def backup(conn: Connection, target: str | Path) -> Path:
    """Copy the database to ``target``: SQLite's online backup API (consistent while others write),
    or pg_dump for PostgreSQL. An existing file is never overwritten, nor the database's own files;
    a missing directory is created. The copy is written beside the target, fsynced and renamed into
    place: a backup file is either whole or absent."""
    from ..output import files

    where = files.target(target, database=conn, option="FILE", force_option=None)
    with files.replacing(where) as partial:
        if conn.dialect == "sqlite":
            dest = sqlite3.connect(partial)
            try:
                conn.raw.backup(dest)
            finally:
                dest.close()
        else:
            _pg_dump(conn, partial)
    return where.path


def _pg_dump(conn: Connection, target: Path) -> None:
    binary = shutil.which("pg_dump")
    if binary is None:
        raise DatabaseError("pg_dump is not on PATH", hint="install the PostgreSQL client tools (Debian: postgresql-client)")
    dsn = re.sub(r"^postgresql\+psycopg://", "postgresql://", conn.url)
    result = subprocess.run([binary, "--format=custom", f"--file={target}", f"--dbname={dsn}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")


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


def check(conn: Connection) -> CheckReport:
    report = CheckReport(engine=conn.dialect)
    report.schema = migrations.applied(conn)
    report.pending = migrations.pending(conn)
    if conn.dialect == "sqlite":
        for (line,) in conn.all("PRAGMA integrity_check"):
            if line != "ok":
                report.problems.append(f"integrity: {line}")
        for table, rowid, parent, _ in conn.all("PRAGMA foreign_key_check"):
            report.problems.append(f"foreign key: {table} row {rowid} points at a missing {parent}")
    if report.schema and not report.pending:
        for table in ("plan", "agency", "item", "assignment", "status_update", "extension"):
            report.counts[table] = conn.one(f"SELECT count(*) FROM {table}")[0]
        orphans = conn.one(
            "SELECT count(*) FROM status_update u LEFT JOIN assignment a ON a.id = u.assignment_id WHERE a.id IS NULL"
        )[0]
        if orphans:
            report.problems.append(f"{orphans} status updates belong to no assignment")
    report.ok = not report.problems and not report.pending
    return report
