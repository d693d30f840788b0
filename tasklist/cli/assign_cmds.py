"""The office assigns an item listed before it was assigned (交办)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..text import visible
from .common import Json, database, labels, parse_day, print_json, resolve_as_of


def register(app: typer.Typer) -> None:
    app.command("assign")(assign)


def assign(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="Item id, e.g. T3.")],
    agencies: Annotated[list[str], typer.Argument(metavar="AGENCY...", help="The agencies responsible; the first "
                                                  "named leads unless --lead says otherwise.")],
    lead: Annotated[str | None, typer.Option("--lead", help="The lead agency (牵头); the others are co-responsible.",
                                             show_default=False)] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day of the assignment (default: today); never later "
                                           "than today.", show_default=False)] = None,
    json_: Json = False,
) -> None:
    """Assign an item (交办) to the agencies responsible for it; recorded in the audit log with its date."""
    from ..storage.lookup import resolve_item
    from ..storage.writes import assign as record
    from .common import agency_named

    with database() as conn:
        today = resolve_as_of(None, conn)
        day = parse_day(on) or today
        ref = resolve_item(conn, item_id)
        named = [agency_named(conn, a) for a in agencies]
        leader = agency_named(conn, lead) if lead else None
        given = record(conn, ref, named, lead=leader, on=day, as_of=today)
        parts = [(a.agency, a.role) for a in _parts(conn, ref) if a.agency in given]
    if json_:
        print_json({"item": ref.code, "on": day.isoformat(),
                    "assigned": [{"agency": name, "role": role} for name, role in parts]})
        return
    lab = labels()
    typer.echo(visible(lab("cli.assigned", code=ref.code, on=day.isoformat(),
                           names="、".join(name + (lab("cli.assigned_lead") if role == "lead" else "")
                                          for name, role in parts))), err=True)


def _parts(conn, ref):  # type: ignore[no-untyped-def]
    from ..storage.lookup import assignments_of

    return assignments_of(conn, ref)
