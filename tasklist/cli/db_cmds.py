"""tasklist db: upgrade, backup, check."""

from typing import Annotated

import typer

from .common import Json, database, labels, print_json

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
        lab = labels()
        typer.echo(lab("cli.db_applied", revisions=", ".join(ran)) if ran else lab("cli.db_current", revision=current[-1]),
                   err=True)


@app.command("backup")
def backup(target: Annotated[str, typer.Argument(metavar="FILE", help="New file to write (never overwritten).")]) -> None:
    """Back the database up to FILE (SQLite online backup; pg_dump for PostgreSQL)."""
    from ..output import files
    from ..storage.maintenance import backup as run_backup

    with database(setup=False, create=False) as conn:
        where = files.target(target, database=conn, option="FILE", force_option=None)
        with files.replacing(where) as partial:
            run_backup(conn, partial)
    typer.echo(labels()("cli.backup_written", path=where.path), err=True)


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
        lab = labels()
        schema = report.schema[-1] if report.schema else lab("cli.db_no_schema")
        line = lab("cli.db_check_head", engine=report.engine or lab("cli.db_database"), schema=schema)
        if report.pending:
            line += lab("cli.db_check_pending", revisions=", ".join(report.pending))
        typer.echo(line)
        for name, count in report.counts.items():
            typer.echo(lab("cli.db_count", table=lab("check.table_" + name), count=count))
        for problem in report.problems:
            typer.echo(lab("cli.db_problem", problem=problem), err=True)
        typer.echo(lab("cli.db_ok") if report.ok else lab("cli.db_not_ok"))
    if not report.ok:
        raise typer.Exit(1)
