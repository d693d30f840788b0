"""Commands that record progress: update, done, undo, extend, history."""

from typing import Annotated

import typer

from ..text import visible
from .common import (
    AgencyOpt,
    Json,
    ShowAll,
    console,
    database,
    labels,
    parse_day,
    print_json,
    print_json_halves,
    resolve_as_of,
    screen_limit,
)

AllAgencies = Annotated[bool, typer.Option("--all", help="Record the same update for every responsible agency.")]
Agencies = Annotated[list[str] | None, typer.Option(
    "--agency", "-a", help="Agency whose part this is: short name, full name or any alias (repeat for several).",
    show_default=False)]
# A write is dated the day it is made: never from TASKLIST_AS_OF (which sets the date of reports), never
# in the future. --as-of on a write is the old name of --on.
WriteDay = Annotated[str | None, typer.Option("--as-of", help="The date of this record (default: today in the plan's "
                                              "time zone); never later than today.", show_default=False)]
Note = Annotated[str | None, typer.Option("--note", help="Progress note (进展情况).", show_default=False)]
On = Annotated[str | None, typer.Option("--on", help="Date the progress was reported (default: today); never later than today.",
                                           show_default=False)]
By = Annotated[str | None, typer.Option(
    "--by", help="The person this is recorded for, kept beside who recorded it (the OS user; on PostgreSQL the "
                 "database's login).", show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("update")(update)
    app.command("done")(done)
    app.command("undo")(undo)
    app.command("extend")(extend)
    app.command("history")(history)


Evidence = Annotated[list[str] | None, typer.Option(
    "--evidence", help="A file submitted with a completion claim (佐证材料: PDF, PNG, JPEG, DOCX or XLSX; repeatable).",
    show_default=False)]
Verified = Annotated[bool, typer.Option("--verified", help="The office's own report: the part is closed as it is "
                                        "recorded, and verified by the office then.")]


def _record(item_id, status, agency, all_, progress, note, on, by, as_of, json_,  # type: ignore[no-untyped-def]
            evidence=None, verified=False):
    from ..reports.views import history as history_rows
    from ..storage.lookup import resolve_item
    from ..storage.writes import record_update
    from .common import agency_named

    files = []
    if evidence:
        from ..evidence import read_files

        files = read_files(evidence)
    with database() as conn:
        today = resolve_as_of(None, conn)
        reported = parse_day(on) or parse_day(as_of) or today
        ref = resolve_item(conn, item_id)
        who = [agency_named(conn, a) for a in agency] if agency else None
        skipped: list[tuple[str, str, str]] = []
        ids = record_update(conn, ref, status=status, as_of=today, agency=who, all_agencies=all_, progress=progress,
                            note=note, reported_on=reported, reported_by=by, skipped=skipped, evidence=files,
                            verified=verified)
        rows = history_rows(conn, ids=ids)
    lab = labels()
    for name, was, on_day in skipped:  # stderr, in every mode: the JSON lists what was recorded
        typer.echo(visible(lab("cli.left_own_word", code=ref.code, agency=name, status=lab.status(was), on=on_day)),
                   err=True)
    if json_:
        print_json([r.as_dict() for r in rows])
        return
    for r in rows:
        typer.echo(visible(recorded_line(lab, r, len(files))), err=True)


def recorded_line(lab, r, files: int = 0) -> str:  # type: ignore[no-untyped-def]
    """What a command says of one update it recorded: a report, a completion claim, or a verdict."""
    from ..rules import CLAIMED, SOURCE_RETURN, SOURCE_VERIFY

    if r.status == CLAIMED:
        return lab("cli.claimed", id=r.id, code=r.item, agency=r.agency, on=r.reported_on,
                   files=lab("cli.claim_files", n=files) if files else "")
    if r.source == SOURCE_VERIFY:
        return lab("cli.verified", id=r.id, code=r.item, agency=r.agency, on=r.reported_on)
    if r.source == SOURCE_RETURN:
        return lab("cli.returned", id=r.id, code=r.item, agency=r.agency, on=r.reported_on, reason=r.note)
    return lab("cli.recorded", id=r.id, code=r.item, agency=r.agency, status=lab.status(r.status), on=r.reported_on)


def update(
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    status: Annotated[str, typer.Option("--status", "-s", help="not_started/in_progress/done/blocked or 未启动/推进中/已完成/受阻.")],
    agency: Agencies = None,
    all_: AllAgencies = False,
    progress: Annotated[int | None, typer.Option("--progress", help="Progress 0-100.", show_default=False)] = None,
    note: Note = None,
    on: On = None,
    by: By = None,
    as_of: WriteDay = None,
    evidence: Evidence = None,
    verified: Verified = False,
    json_: Json = False,
) -> None:
    """Record a status update for one agency's part of an item (appended; nothing is overwritten)."""
    _record(item_id, status, agency, all_, progress, note, on, by, as_of, json_, evidence, verified)


def done(
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    agency: Agencies = None,
    all_: AllAgencies = False,
    note: Note = None,
    on: On = None,
    by: By = None,
    as_of: WriteDay = None,
    evidence: Evidence = None,
    verified: Verified = False,
    json_: Json = False,
) -> None:
    """Mark an agency's part of an item done (shorthand for update --status done)."""
    _record(item_id, "done", agency, all_, None, note, on, by, as_of, json_, evidence, verified)


def undo(
    update_id: Annotated[int, typer.Argument(metavar="UPDATE_ID", help="The # shown by history.")],
    batch: Annotated[bool, typer.Option("--batch", help="Undo every update recorded with this one (a group, --all or "
                                        "several agencies); parts reported again since are left as they are.")] = False,
    by: By = None,
    json_: Json = False,
) -> None:
    """Reverse an update by appending its reversal (history keeps both)."""
    from ..reports.views import history as history_rows
    from ..storage.writes import undo as undo_update

    left: list[int] = []
    with database() as conn:
        ids = undo_update(conn, update_id, reported_by=by, whole_batch=batch, left=left)
        rows = history_rows(conn, ids=ids)
    lab = labels()
    for kept in left:  # stderr, in every mode
        typer.echo(lab("cli.undo_left", id=kept), err=True)
    if json_:
        print_json([r.as_dict() for r in rows])
        return
    for r in rows:
        typer.echo(visible(lab("cli.undone", id=r.id, code=r.item, agency=r.agency, status=lab.status(r.status),
                               reverses=r.reverses)), err=True)


def extend(
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    to: Annotated[str, typer.Option("--to", help="The new due date.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the deadline moves.")],
    approved_by: Annotated[str | None, typer.Option("--approved-by", show_default=False)] = None,
    agency: AgencyOpt = None,
    as_of: WriteDay = None,
    json_: Json = False,
) -> None:
    """Grant a deadline extension (延期) for an item or one agency's part; the original due date is kept."""
    from ..dates import parse_date
    from ..errors import BadInput
    from ..storage.lookup import resolve_item
    from ..storage.writes import extend as grant
    from .common import agency_named

    new_due = parse_date(to)
    with database() as conn:
        today = resolve_as_of(None, conn)
        day = parse_day(as_of) or today
        if day > today:
            raise BadInput("error.extension_future", day=day, today=today)
        ref = resolve_item(conn, item_id)
        who = agency_named(conn, agency) if agency else None
        ext_id = grant(conn, ref, to=new_due, reason=reason, as_of=day, agency=who, approved_by=approved_by)
    if json_:
        print_json({"id": ext_id, "item": ref.code, "agency": who.name if who else None, "new_due": new_due.isoformat(),
                    "granted_on": day.isoformat()})
        return
    typer.echo(visible(labels()("cli.extended", id=ext_id, code=ref.code, agency=" " + who.name if who else "",
                                due=new_due.isoformat())), err=True)


def history(
    item_id: Annotated[str | None, typer.Argument(metavar="[ID]", show_default=False)] = None,
    agency: AgencyOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="Only updates reported on or after this date.",
                                                 show_default=False)] = None,
    json_: Json = False,
    show_all: ShowAll = False,
) -> None:
    """List recorded updates, oldest first."""
    from ..reports.views import HISTORY_FIELDS, HISTORY_REPEATED, history_names, history_split, history_values
    from ..reports.views import history as history_rows
    from ..storage.lookup import resolve_item
    from .common import agency_named

    start = parse_day(since)
    with database() as conn:
        ref = resolve_item(conn, item_id) if item_id else None
        who = agency_named(conn, agency) if agency else None
        if json_:  # streamed from the cursor: a million updates never sit in memory at once
            # the whole history (or one item's) names most of the items, whose codes are read once; a
            # part of it (an agency's, since a day) is given its items' codes with its rows
            by_id = who is None and start is None
            # the whole history, long, is written in two halves at once (print_json_halves)
            whole = by_id and ref is None
            print_json_halves(conn, HISTORY_FIELDS,
                              lambda c, part: history_values(c, item=ref, agency=who, since=start, by_id=by_id, part=part),
                              history_split if whole else lambda c: None, repeated=HISTORY_REPEATED,
                              named=history_names(conn, item=ref) if by_id else None)
            return
        rows = history_rows(conn, item=ref, agency=who, since=start)
    from ..output.terminal import history_table

    console().print(history_table(rows, labels(), limit=screen_limit(show_all)))
