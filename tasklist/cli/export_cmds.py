"""Reports for others: weekly, export."""

import os
import sys
from typing import Annotated, Any

import typer

from ..messages import join
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
    report_format,
    resolve_as_of,
    screen_limit,
)

Out = Annotated[str | None, typer.Option("--out", "-o", help="Write to this file (default: standard output).",
                                            show_default=False)]
Force = Annotated[bool, typer.Option("--force", help="Replace a file that already exists (never the database).")]


def register(app: typer.Typer) -> None:
    app.command("weekly")(weekly)
    app.command("export")(export)


def output_target(out: str | None, *, force: bool, conn: Any) -> Any:
    """Check --out before any work is done (see :func:`tasklist.output.files.target`); None: stdout.
    ``conn`` is the open database, never to be written over."""
    if out is None:
        return None
    from ..output.files import target

    return target(out, force=force, database=conn)


def write_output(data: bytes, out: Any, *, binary: bool = False) -> None:
    """To a checked --out target (from :func:`output_target`) atomically: the whole new file or the
    old one untouched. None: to stdout."""
    from ..errors import BadInput

    if out is None:
        if binary:
            raise BadInput("error.binary_format")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from ..output.files import write_atomic

    write_atomic(out, data)
    typer.echo(labels()("cli.wrote", path=visible(out.shown)), err=True)


#: what a --out file's name says about its format, when --format does not say


def weekly(
    days: Annotated[int, typer.Option("--days", min=1, help="Length of the period: the days counted end on the as-of date, "
                                      "which is one of them.")] = 7,
    fmt: Annotated[str | None, typer.Option("--format", help="md or html instead of the terminal (default: from the "
                                            "--out file's extension).", show_default=False)] = None,
    out: Out = None,
    force: Force = False,
    as_of: AsOf = None,
    json_: Json = False,
    show_all: ShowAll = False,
) -> None:
    """The weekly report: overall, by agency, what changed in the period, the overdue list; as HTML,
    with charts of the completion trend and of each agency's overdue parts."""

    from ..reports.weekly import weekly_report

    fmt, json_ = report_format(fmt, out, json_, ("md", "html"))
    with database() as conn:
        target = output_target(out, force=force, conn=conn)
        day = resolve_as_of(as_of, conn)
        # every overdue row for a file or JSON; a screenful for the terminal; the trend for a chart or JSON
        report = weekly_report(conn, day, days=days, limit=None if json_ or fmt else screen_limit(show_all),
                               trend=json_ or fmt == "html")
    lab = labels()
    if json_:
        from .common import dumps

        write_output((dumps(report.as_dict()) + "\n").encode(), target)
        return
    if fmt:
        from ..output.formats import render_weekly

        write_output(render_weekly(report, fmt, lab), target)
        return
    from ..output.tables import weekly_subtitle, weekly_tables, weekly_title
    from ..output.terminal import weekly_screen

    con = console()
    con.print(weekly_screen(report, weekly_tables(report, lab), lab, weekly_title(report, lab),
                            lines=weekly_subtitle(report, lab), limit=screen_limit(show_all), width=con.width))


def export(
    report: Annotated[str, typer.Argument(metavar="REPORT", help="overdue, status, items, history or deadlines.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx, json, md or html; ics for deadlines.")] = "csv",
    agency: AgencyOpt = None,
    out: Out = None,
    force: Force = False,
    encoding: Annotated[str, typer.Option("--encoding", help="CSV encoding: utf-8 (with BOM) or gb18030.")] = "utf-8",
    by_agency: Annotated[bool, typer.Option("--by-agency", help="XLSX: one sheet per agency.")] = False,
    as_of: AsOf = None,
) -> None:
    """Export a report as CSV, XLSX, JSON, Markdown or HTML (same rows, same order in every format); export deadlines
    --format ics writes the due dates of items and targets as a calendar."""
    from ..errors import BadInput
    from ..output import formats, tables
    from ..reports.facts import agency_assignments, overdue_groups, snapshot
    from ..reports.views import history
    from .common import agency_named

    if report not in ("overdue", "status", "items", "history", "deadlines"):
        raise BadInput("error.unknown_report", hint="error.report_hint", report=report)
    if (report == "deadlines") != (fmt == "ics"):
        raise BadInput("error.deadlines_ics")
    if report == "deadlines":
        _export_deadlines(out, force=force, as_of=as_of, agency=agency)
        return
    if fmt not in formats.FORMATS:
        raise BadInput("error.unknown_format", hint="error.format_hint", fmt=fmt, choices=join(formats.FORMATS))
    if encoding.lower().replace("-", "") not in ("utf8", "gb18030"):
        raise BadInput("error.encoding", encoding=encoding)
    if by_agency and fmt != "xlsx":
        raise BadInput("error.by_agency_xlsx")
    if fmt == "xlsx" and out is None:
        raise BadInput("error.binary_format")
    lab = labels()
    with database() as conn:
        target = output_target(out, force=force, conn=conn)
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        with built_to_keep():
            if report == "history":
                table = tables.history_table(history(conn, agency=who), lab)
            else:
                items = snapshot(conn, day, overdue_only=report == "overdue")
                if report == "overdue":
                    table = tables.overdue_table(overdue_groups(conn, items, who), lab, day)
                elif report == "status":
                    from ..rules import UNASSIGNED

                    table = tables.status_table(agency_assignments(items, who), lab, day,
                                                [i for i in items if i.status == UNASSIGNED] if who is None else [])
                else:
                    from ..reports.facts import filter_items

                    table = tables.items_table(filter_items(items, agency=who), lab, day)
    parts = list(table.split().values()) if by_agency else [table]
    write_output(formats.render(parts, fmt, title=table.title, encoding=encoding), target, binary=fmt == "xlsx")


def _export_deadlines(out: str | None, *, force: bool, as_of: str | None, agency: str | None) -> None:
    """Every item due date in force and every target deadline of the plan as an iCalendar file."""
    from ..output.calendar import calendar, item_deadlines, target_deadlines
    from ..reports.facts import filter_items, snapshot
    from ..reports.targets import target_states
    from ..storage.lookup import current_plan
    from .common import agency_named

    lab = labels()
    with database() as conn:
        target = output_target(out, force=force, conn=conn)
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        plan = current_plan(conn)
        plan_id = plan.id if plan else "tasklist"
        items = filter_items(snapshot(conn, day), agency=who)
        states = [s for s in target_states(conn, day) if who is None or who.name in s.agencies]
        events = item_deadlines(items, lab) + target_deadlines(states, lab, plan_id)
    events.sort(key=lambda e: (e.day, e.uid))
    write_output(calendar(events, name=lab("ics_name", plan=plan.title if plan else plan_id)), target)


def register_reminders(app: typer.Typer) -> None:
    app.command("remind")(remind)
    app.command("reminders")(reminders)


def remind(
    out_dir: Annotated[str | None, typer.Option("--out-dir", help="Write one .eml per agency here.", show_default=False)] = None,
    agency: AgencyOpt = None,
    include_due_soon: Annotated[bool, typer.Option("--include-due-soon", help="Also list items due soon.")] = False,
    send: Annotated[bool, typer.Option("--send", help="Deliver through SMTP.")] = False,
    smtp_host: Annotated[str, typer.Option("--smtp-host")] = "localhost",
    smtp_port: Annotated[int | None, typer.Option("--smtp-port", show_default=False, help="Default 25, 465 with --ssl.")] = None,
    starttls: Annotated[bool, typer.Option("--starttls")] = False,
    use_ssl: Annotated[bool, typer.Option("--ssl")] = False,
    sender: Annotated[str, typer.Option("--from", envvar="TASKLIST_FROM", help="Sender, e.g. '督查室 <duban@example.org>'.")] = "tasklist@localhost.localdomain",
    signature: Annotated[str | None, typer.Option("--signature", envvar="TASKLIST_SIGNATURE", show_default=False,
                                                  help="The office's contact block (name, phone), printed at the end "
                                                       "of every message.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace .eml files already in --out-dir.")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="Send again what was already sent today for the same items.")] = False,
    as_of: AsOf = None,
    json_: Json = False,
) -> None:
    """Reminders (催办): one e-mail per agency with overdue items, as .eml files and/or sent by SMTP.

    SMTP user and password come only from TASKLIST_SMTP_USER / TASKLIST_SMTP_PASSWORD."""
    from ..errors import BadInput
    from ..mail.reminders import build_reminders, log_written, write_eml
    from ..mail.smtp import SmtpSettings
    from ..mail.smtp import send as deliver
    from ..output.files import directory
    from ..reports.facts import open_parts
    from ..rules import DEFAULT_WARN_DAYS as WARN_DAYS
    from ..storage.writes import current_user
    from .common import agency_named

    if out_dir is None and not send:
        raise BadInput("error.remind_where")
    if starttls and use_ssl:
        raise BadInput("error.tls_both")
    with database() as conn:
        folder = directory(out_dir, database=conn) if out_dir is not None else None
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        office: list[tuple[str, int]] = []
        with built_to_keep():  # the judged parts serve every agency's message and workbook
            parts = open_parts(conn, day, warn_days=WARN_DAYS)
        # and the messages are kept to the end too: built with the collector off (at 100k items it
        # walked the workbooks' 150k rows and the messages built so far, a tenth of the run, to free nothing)
        with built_to_keep():
            msgs = build_reminders(conn, day, sender=sender, agency=who, include_due_soon=include_due_soon,
                                   warn_days=WARN_DAYS, signature=signature, office_follows=office, parts=parts)
        if folder is not None:
            write_eml(msgs, folder, force=force, database=conn)
        if send:
            settings = SmtpSettings(smtp_host, smtp_port or (465 if use_ssl else 25), starttls=starttls, use_ssl=use_ssl,
                                    user=os.environ.get("TASKLIST_SMTP_USER"), password=os.environ.get("TASKLIST_SMTP_PASSWORD"))
            deliver(conn, msgs, settings, day, sent_by=current_user(), force=resend)
        log_written(conn, msgs, day)  # the .eml files the office sends itself count for escalation too
    failed = [m for m in msgs if m.status == "failed"]
    for name, count in office:  # stderr, in every mode
        typer.echo(visible(labels()("view.office_follows", agency=name, count=count)), err=True)
    if json_:
        print_json({"as_of": day.isoformat(), "messages": [m.as_dict() for m in msgs],
                    "summary": {s: sum(m.status == s for m in msgs) for s in ("written", "sent", "failed", "skipped", "no address")}})
    else:
        from ..output.terminal import reminders_sent_table

        console().print(reminders_sent_table(msgs, day.isoformat(), labels()))
    if failed:
        raise typer.Exit(1)


def reminders(agency: AgencyOpt = None, json_: Json = False, show_all: ShowAll = False) -> None:
    """The log of reminder e-mails sent."""
    from ..dates import DEFAULT_TIMEZONE
    from ..reports.views import reminder_log
    from ..storage.lookup import current_plan
    from .common import agency_named

    with database(plan=False) as conn:
        who = agency_named(conn, agency) if agency else None
        rows = reminder_log(conn, who)
        plan = current_plan(conn)
    if json_:
        print_json(rows)
        return
    from ..output.terminal import reminder_log_table

    console().print(reminder_log_table(rows, labels(), limit=screen_limit(show_all),
                                       zone=plan.timezone if plan else DEFAULT_TIMEZONE))
