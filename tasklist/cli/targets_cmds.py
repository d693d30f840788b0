"""Quantitative targets (指标): values measured (``target report``) and where each target stands (``targets``)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..text import visible
from .common import AsOf, Json, console, database, labels, parse_day, print_json, resolve_as_of

target_app = typer.Typer(help="A plan's quantitative targets (指标): record a measured value.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    target_app.command("report")(target_report)
    app.add_typer(target_app, name="target")
    app.command("targets")(targets)


def target_report(
    target_id: Annotated[str, typer.Argument(metavar="ID")],
    value: Annotated[str, typer.Argument(metavar="VALUE")],
    on: Annotated[str, typer.Option("--on", help="The date the value is measured at (e.g. 2022-12-31); never later "
                                    "than today, never before the plan was issued.")],
    note: Annotated[str | None, typer.Option("--note", help="A note on the value.", show_default=False)] = None,
    source: Annotated[str | None, typer.Option("--source", help="Where the value comes from (a statistical bulletin, say).",
                                               show_default=False)] = None,
) -> None:
    """Record a measured value of a target, in its unit (appended; nothing is overwritten)."""
    from ..output.tables import number
    from ..storage.lookup import resolve_target
    from ..storage.writes import record_target_report

    with database() as conn:
        today = resolve_as_of(None, conn)
        day = parse_day(on)
        assert day is not None
        target = resolve_target(conn, target_id)
        new_id = record_target_report(conn, target, value, on=day, today=today, note=note, source=source)
        stored = conn.value("SELECT value FROM target_report WHERE id = ?", (new_id,))
    typer.echo(visible(labels()("target_recorded", id=new_id, code=target.code, name=target.name,
                                value=number(float(stored)), unit=target.unit, on=day.isoformat())), err=True)


def targets(as_of: AsOf = None, json_: Json = False) -> None:
    """The plan's quantitative targets: latest value, progress from the baseline, trend, projection at the
    deadline, and whether each is met, on track, at risk or missed."""
    from ..reports.targets import target_states

    with database() as conn:
        day = resolve_as_of(as_of, conn)
        states = target_states(conn, day)
    if json_:
        print_json({"as_of": day.isoformat(), "targets": [s.as_dict() for s in states]})
        return
    from ..output.tables import targets_table
    from ..output.terminal import targets_screen

    out = console()
    out.print(targets_screen(targets_table(states, labels(), day), labels(), out.width))
