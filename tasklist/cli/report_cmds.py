"""Reports: status and overdue."""

from typing import Annotated

import typer

from ..text import visible
from .common import (
    AgencyOpt,
    AsOf,
    Json,
    ShowAll,
    built_to_keep,
    console,
    database,
    labels,
    print_json,
    resolve_as_of,
    screen_limit,
)

WarnDays = Annotated[int, typer.Option("--warn-days", min=0, help="Days ahead that count as due soon.")]


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("overdue")(overdue)


def overdue(agency: AgencyOpt = None, as_of: AsOf = None, json_: Json = False, show_all: ShowAll = False) -> None:
    """Overdue assignments grouped by agency (an agency that finished its part is not listed)."""
    from ..reports.views import overdue_view
    from .common import agency_named

    limit = None if json_ else screen_limit(show_all)
    with built_to_keep(), database() as conn:
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        view = overdue_view(conn, day, agency=who, limit=limit)
    if json_:
        print_json({
            "as_of": day.isoformat(),
            "summary": {"items": view.items, "assignments": view.assignments, "agencies": len(view.totals),
                        "unassigned_past_due": view.unassigned_past_due},
            "agencies": [
                {"agency": name, "items": [a.as_dict() | {"id": a.item.code, "title": a.item.title} for a in rows]}
                for name, rows in view.groups.items()
            ],
        })
        return
    from ..output.plain import one_line, overdue_listing, overdue_summary, plain_width, write_overdue

    lab = labels()
    summary = overdue_summary(lab, items=view.items, assignments=view.assignments, agencies=len(view.totals),
                              as_of=day.isoformat()) if view.totals else None
    # printed without styles (a pipe, a file): Rich's layout, written without Rich where every line is plain
    width = plain_width()
    listing = None
    if width is not None and (summary is None or one_line(summary, width)):  # else Rich wraps the summary
        listing = overdue_listing(view.groups, lab, day.isoformat(), limit=limit, width=width, totals=view.totals)
    if listing is None or width is None or not write_overdue(listing, summary, width):
        from ..output.terminal import Text, overdue_tables, show

        out = console()
        # the listing made for the plain way is the one Rich shows: plain_width is the console's width
        show(out, overdue_tables(view.groups, lab, day.isoformat(), limit=limit, width=out.width, totals=view.totals,
                                 listing=listing))
        if summary is not None:
            out.print(Text(summary))
    if view.unassigned_past_due:  # no agency's overdue part, but the office's to act on
        from ..messages.view import Count

        typer.echo(visible(lab("view.unassigned_overdue_line", n=Count(view.unassigned_past_due))), err=True)


def status(
    agency: AgencyOpt = None,
    summary: Annotated[bool, typer.Option("--summary", help="Only the table of agencies.")] = False,
    warn_days: WarnDays = 30,
    as_of: AsOf = None,
    json_: Json = False,
    show_all: ShowAll = False,
) -> None:
    """Where every agency stands: a summary table, then each agency's items with their lights."""
    from ..reports.views import status_view
    from .common import agency_named

    limit = None if json_ else screen_limit(show_all)
    with database() as conn:
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        view = status_view(conn, day, warn_days=warn_days, agency=who, limit=limit, summary_only=summary)
    rows, groups = view.summary, view.groups
    if json_:
        out = {"as_of": day.isoformat(), "warn_days": warn_days, "agencies": [r.as_dict() for r in rows]}
        if not summary:
            out["items"] = {r.agency: [a.as_dict() | {"id": a.item.code, "title": a.item.title} for a in groups[r.agency]]
                            for r in rows}
        out["unassigned"] = [i.as_dict(assignments=False) for i in view.unassigned]
        print_json(out)
        return
    from ..output.terminal import agency_items_tables, show, summary_table, unassigned_items

    lab = labels()
    con = console()
    con.print(summary_table(rows, lab, day.isoformat()))
    if not summary:
        show(con, agency_items_tables(groups, {r.agency: r.assigned for r in rows}, lab, day.isoformat(), limit=limit,
                                      width=con.width))
    if view.unassigned and summary:  # the count, as the agencies' table gives theirs
        con.print(lab("view.unassigned_title", n=len(view.unassigned),
                      late=sum(i.past_due_unassigned for i in view.unassigned)), markup=False)
    elif view.unassigned:
        con.print(unassigned_items(view.unassigned, lab, day.isoformat(), limit=limit, width=con.width))
