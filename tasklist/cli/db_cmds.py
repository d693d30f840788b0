"""tasklist db: upgrade, backup, check."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Json, database, print_json

app = typer.Typer(help="Database upkeep: schema upgrade, backup, integrity check.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")


@app.command("upgrade")
def upgrade(json_: Json = False) -> None:
    """Apply pending schema revisions (all in one transaction)."""
    from ..storage import schema

    with database(setup=False, create=True) as conn:
        ran = schema.upgrade(conn) if schema.pending(conn) else []
        current = schema.applied(conn)
    if json_:
        print_json({"applied": ran, "schema": current})
    else:
        typer.echo(f"applied {', '.join(ran)}" if ran else f"schema is up to date ({current[-1]})", err=True)


@app.command("backup")
def backup(target: Annotated[str, typer.Argument(metavar="FILE", help="New file to write (never overwritten).")]) -> None:
    """Back the database up to FILE (SQLite online backup; pg_dump for PostgreSQL)."""
    from ..output import files
    from ..storage.maintenance import backup as run_backup

    with database(setup=False, create=False) as conn:
        where = files.target(target, database=conn, option="FILE", force_option=None)
        with files.replacing(where) as partial:
            run_backup(conn, partial)
    typer.echo(f"backup written to {where.path}", err=True)


@app.command("check")
def check(json_: Json = False) -> None:
    """Check the database: schema version, integrity, foreign keys. Exit 1 when something is wrong."""
    from ..errors import DatabaseError
    from ..storage.maintenance import CheckReport
    from ..storage.maintenance import check as run_check

    try:
        with database(setup=False, create=False) as conn:
            report = run_check(conn)
    except DatabaseError as exc:  # a database that cannot even be opened is check's finding, not its failure
        report = CheckReport(ok=False, engine="", problems=[exc.message])
    if json_:
        print_json(report.as_dict())
    else:
        typer.echo(f"{report.engine or 'database'}: schema {report.schema[-1] if report.schema else 'none'}"
                   + (f", pending {', '.join(report.pending)}" if report.pending else ""))
        for name, count in report.counts.items():
            typer.echo(f"  {name}: {count}")
        for problem in report.problems:
            typer.echo(f"problem: {problem}", err=True)
        typer.echo("ok" if report.ok else "NOT OK")
    if not report.ok:
        raise typer.Exit(1)
