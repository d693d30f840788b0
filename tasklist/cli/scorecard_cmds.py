"""The quarterly scorecard (考评): scorecard."""

from typing import Annotated

import typer

from .common import AgencyOpt, AsOf, Json, console, database, labels, report_format, resolve_as_of
from .export_cmds import Force, Out, output_target, write_output


def register(app: typer.Typer) -> None:
    app.command("scorecard")(scorecard)


def scorecard(
    quarter: Annotated[str | None, typer.Option("--quarter", "-q", help="The quarter, e.g. 2026Q3 (default: the last "
                                                "quarter that ended before the as-of date).", show_default=False)] = None,
    agency: AgencyOpt = None,
    fmt: Annotated[str | None, typer.Option("--format", help="md, html or xlsx instead of the terminal (default: from "
                                            "the --out file's extension).", show_default=False)] = None,
    out: Out = None,
    force: Force = False,
    as_of: AsOf = None,
    json_: Json = False,
) -> None:
    """The quarterly scorecard (考评): each agency's parts owed and completed on time or late, overdue
    at the quarter's end, reports made on time, claims returned and reminders received; its score
    from the plan's weights, and its rank. With --agency, that agency's recent quarters side by side."""

    from ..reports.scorecard import quarter_asked
    from ..reports.scorecard import scorecard as build
    from .common import agency_named, dumps

    fmt, json_ = report_format(fmt, out, json_, ("md", "html", "xlsx"))
    with database() as conn:
        target = output_target(out, force=force, conn=conn)
        wanted = quarter_asked(quarter, resolve_as_of(as_of, conn), resolve_as_of(None, conn))
        who = agency_named(conn, agency) if agency else None
        card = build(conn, wanted, agency=who, trend=fmt == "html")
    lab = labels()
    if json_:
        write_output((dumps(card.as_dict()) + "\n").encode(), target)
        return
    from ..output import scorecard as view

    if fmt:
        write_output(view.render(card, fmt, lab), target, binary=fmt == "xlsx")
        return
    from ..output.terminal import scorecard_screen

    con = console()
    parts = [view.agency_table(card, lab) if card.agency else view.screen_table(card, lab),
             view.weights_table(card.weights, lab)]
    con.print(scorecard_screen(parts, lab, view.title(card, lab), lines=view.subtitle(card, lab),
                               notes=view.screen_notes(card, lab), width=con.width))
