"""The office's administration: users and their rights on the shared database, the audit log."""

import sys
from typing import Annotated

import typer

from .common import AgencyOpt, Json, ShowAll, console, database, labels, parse_day, print_json, screen_limit

users_app = typer.Typer(help="Users of the shared PostgreSQL database: agencies' clerks and the office.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("audit")(audit)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The login name (lower-case letters, digits, _ . -).")],
    agency: AgencyOpt = None,
    office: Annotated[bool, typer.Option("--office", help="A user of the coordinating office (may manage users).")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input "
                                                                          "instead of generating one.")] = False,
    json_: Json = False,
) -> None:
    """Create a login for a clerk of an agency (--agency A) or for the office (--office).

    A generated password is printed once, on standard output; it is never stored or logged."""
    from ..errors import BadInput
    from ..storage.rights import add_user, new_password
    from .common import agency_named

    if office == bool(agency):
        raise BadInput("error.user_role")
    generated = not password_stdin
    password = new_password() if generated else sys.stdin.readline().rstrip("\r\n")
    with database(plan=False) as conn:
        who = agency_named(conn, agency) if agency else None
        user = add_user(conn, name, agency=who, password=password)
    if json_:
        print_json(user.as_dict() | ({"password": password} if generated else {}))
        return
    typer.echo(f"{user.name}: {user.agency or labels()('office')}", err=True)
    if generated:
        typer.echo(password)


@users_app.command("list")
def list_users(json_: Json = False) -> None:
    """The users of the shared database and the agency each writes for."""
    from ..storage.rights import users

    with database(plan=False) as conn:
        rows = users(conn)
    if json_:
        print_json([u.as_dict() for u in rows])
        return
    from ..output.terminal import users_table

    console().print(users_table(rows, labels()))


@users_app.command("remove")
def remove(name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Remove a user's login (what they recorded stays, under their name)."""
    from ..storage.rights import remove_user

    with database(plan=False) as conn:
        remove_user(conn, name)
    typer.echo(labels()("cli.user_removed", name=name), err=True)


def audit(
    since: Annotated[str | None, typer.Option("--since", help="Only entries on or after this date.",
                                                 show_default=False)] = None,
    json_: Json = False,
    show_all: ShowAll = False,
) -> None:
    """The audit log: addresses, extensions, assignments, registry loads, users, imports and reminders, oldest first."""
    from ..reports.views import audit_log

    start = parse_day(since)
    with database(plan=False) as conn:
        rows = audit_log(conn, since=start)
    if json_:
        print_json(rows)
        return
    from ..output.terminal import audit_table

    console().print(audit_table(rows, labels(), limit=screen_limit(show_all)))
