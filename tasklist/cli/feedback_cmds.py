"""tasklist feedback: the agencies' spreadsheet (台账) loop — export a workbook, import it back."""

from typing import Annotated, Any

import typer

from ..messages import t
from ..text import visible
from .common import AgencyOpt, AsOf, Json, console, database, print_json, resolve_as_of
from .export_cmds import Force

app = typer.Typer(help="Feedback workbooks: export one per agency, import what they send back.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="feedback")


@app.command("export")
def export(
    agency: AgencyOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="One file per agency with open items (needs --out-dir).")] = False,
    out: Annotated[str | None, typer.Option("--out", "-o", show_default=False, help="The file to write.")] = None,
    out_dir: Annotated[str | None, typer.Option("--out-dir", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx or csv.")] = "xlsx",
    force: Force = False,
    as_of: AsOf = None,
) -> None:
    """Export a feedback workbook listing an agency's open items, to fill in and send back."""
    from ..errors import BadInput
    from ..feedback.workbook import export_csv, export_xlsx, open_rows_by_agency
    from ..output import files
    from ..storage.lookup import agencies_in_order, members
    from .common import agency_named

    if fmt not in ("xlsx", "csv"):
        raise BadInput("feedback.format_choice", fmt=fmt)
    if all_ == bool(agency):
        raise BadInput("feedback.give_agency_or_all")
    if agency and out is None:
        raise BadInput("feedback.give_out")
    if all_ and out_dir is None:
        raise BadInput("feedback.all_needs_out_dir")
    writer = export_xlsx if fmt == "xlsx" else export_csv
    with database() as conn:
        protected = files.database_files(conn)
        if agency:
            assert out is not None  # here --agency, which was refused above without --out
            target = files.target(out, force=force, database=conn)
            day = resolve_as_of(as_of, conn)
            _write(writer(conn, agency_named(conn, agency), day), target)
            return
        assert out_dir is not None  # here --all, which was refused above without --out-dir
        folder = files.directory(out_dir, database=protected)
        day = resolve_as_of(as_of, conn)
        open_parts = open_rows_by_agency(conn, day)  # one snapshot for every agency
        # a group answers through its members' workbooks; one with no members (省直有关部门) is the office's
        due = [ref for ref in agencies_in_order(conn) if open_parts.get(ref.id) and ref.kind != "group"]
        left = [ref.name for ref in agencies_in_order(conn)
                if open_parts.get(ref.id) and ref.kind == "group" and not members(conn, ref)]
        # every file checked before any is written; one name per agency, even where two clean alike
        stems = files.distinct_names([(files.safe_filename(ref.name), ref.name) for ref in due])
        targets = [files.inside(folder, t("feedback.file_name", "zh", as_of=day.isoformat(), agency=stem, ext=fmt),
                                force=force, database=protected) for stem in stems]
        files.make_directory(folder)
        for ref, target in zip(due, targets):
            _write(writer(conn, ref, day, open_parts[ref.id]), target)
    for name in left:  # said once the files are written: a refusal above stays one line
        typer.echo(visible(t("feedback.group_no_members", agency=name)), err=True)


def _write(data: bytes, target: Any) -> None:
    """The whole file or the old one untouched (see :func:`tasklist.output.files.write_atomic`)."""
    from ..output.files import write_atomic

    write_atomic(target, data)
    typer.echo(t("feedback.wrote", file=visible(target.shown)), err=True)


@app.command("import")
def import_(
    sources: Annotated[list[str], typer.Argument(metavar="FILE...", help="Filled-in feedback workbooks (.xlsx) or .csv "
                                                 "files, folders of them, or saved replies (.eml) carrying them.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be recorded; record nothing.")] = False,
    agency: AgencyOpt = None,
    by: Annotated[str | None, typer.Option("--by", show_default=False, help="The person the rows are recorded for.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Also apply rows whose part was updated after the export "
                                                        "(recorded as forced in the audit log).")] = False,
    as_of: AsOf = None,
    json_: Json = False,
) -> None:
    """Import filled-in feedback files: in each, every row checked, all recorded in one transaction or none.

    Only signed files exported from this database are taken; a row imported before is skipped, and a
    row whose part was updated after the export is held back (exit 1) unless --force. With several
    files, each is imported on its own (one refused does not stop the others), one line each, then the
    whole batch; exit 2 if any was refused."""
    import tempfile
    from pathlib import Path

    from ..errors import BadInput
    from ..feedback.importer import import_feedback
    from ..feedback.replies import collect
    from ..storage.lookup import use_plan
    from .common import agency_named, settings

    results: list[tuple[object, object]] = []
    with database(plan=False) as conn, tempfile.TemporaryDirectory(prefix="tasklist-replies-") as work:
        if settings.plan:  # checked once: each file then goes to its own plan, which must be this one
            use_plan(conn, settings.plan)
        day = resolve_as_of(as_of, conn)
        expected = agency_named(conn, agency) if agency else None
        replies = collect(list(sources), Path(work))
        single = len(replies) == 1 and len(sources) == 1 and not Path(sources[0]).is_dir()
        for reply in replies:
            try:
                result = import_feedback(conn, reply.path, as_of=day, reported_by=by, dry_run=dry_run,
                                         expected_agency=expected, force=force, plan_chosen=settings.plan)
            except BadInput as exc:
                if single:
                    raise
                results.append((reply.shown, exc))
                continue
            results.append((reply.shown, result))
    if single:
        one: Any = results[0][1]
        _show_one(one, dry_run, json_)
        if one.held_back:
            raise typer.Exit(1)
        return
    _show_batch(results, dry_run, json_)


def _show_one(result: Any, dry_run: bool, json_: bool) -> None:
    if json_:
        print_json(result.as_dict())
        return
    name = visible(result.file)
    if result.duplicate:
        typer.echo(t("feedback.already_imported", file=name), err=True)
        return
    from ..i18n import Labels
    from ..output.terminal import import_preview

    labels = Labels()
    console().print(import_preview(result, labels))
    if result.skipped:
        typer.echo(t("feedback.imported_before", file=name, codes=", ".join(result.skipped), id=result.export_id), err=True)
    for c in result.conflicts:
        since = c.since
        typer.echo(t("feedback.conflict", file=name, row=c.row, code=c.code, says=labels.status(c.says), id=since.get("id"),
                     status=labels.status(str(since.get("status"))), reported=since.get("reported_on"),
                     recorded=_local_time(str(since.get("recorded_at", "")), result.timezone),
                     verdict=t("feedback.conflict_forced" if result.forced else "feedback.conflict_held")), err=True)
    typer.echo(_recorded(result.updates, dry_run), err=True)


def _local_time(stamp: str, zone: str) -> str:
    """A recorded time (UTC, ISO) as the office's clock showed it: in the plan's time zone, to the minute."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    try:
        at = datetime.fromisoformat(stamp)
        return at.replace(tzinfo=at.tzinfo or UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    except (ValueError, KeyError, OSError):  # no time-zone data on this machine: the stamp as recorded
        return stamp[:19]


def _recorded(updates: list[Any], dry_run: bool) -> str:
    from ..feedback.workbook import counted

    return t("feedback.would_record" if dry_run else "feedback.recorded", updates=counted("feedback.n_updates", len(updates)))


def _show_batch(results: list[tuple[Any, Any]], dry_run: bool, json_: bool) -> None:
    """One line per file, then the batch; exit 2 if a file was refused, else 1 if rows were held back."""
    from ..errors import TasklistError
    from ..feedback.workbook import counted

    refused = [(shown, r) for shown, r in results if isinstance(r, TasklistError)]
    done = [(shown, r) for shown, r in results if not isinstance(r, TasklistError)]
    if json_:
        print_json([r.as_dict() | {"source": str(shown)} if not isinstance(r, TasklistError) else
                    {"source": str(shown), "error": r.message, "problems": [str(p) for p in getattr(r, "problems", [])]}
                    for shown, r in results])
    else:
        for shown, r in results:
            name = visible(str(shown))
            if isinstance(r, TasklistError):
                typer.echo(t("feedback.file_refused", file=name, message=visible(r.message)), err=True)
                for problem in getattr(r, "problems", []) or []:
                    typer.echo(f"  {visible(str(problem))}", err=True)
            elif r.duplicate:
                typer.echo(t("feedback.already_imported", file=name), err=True)
            else:
                extra = t("feedback.extra_held", n=len(r.held_back)) if r.held_back else ""
                extra += t("feedback.extra_before", n=len(r.skipped)) if r.skipped else ""
                typer.echo(t("feedback.file_done", file=name, agency=r.agency, what=_recorded(r.updates, dry_run),
                             extra=extra), err=True)
        duplicates = sum(r.duplicate for _, r in done)
        updates = sum(len(r.updates) for _, r in done if not r.duplicate)
        held = sum(len(r.held_back) for _, r in done)
        typer.echo(t("feedback.batch", files=counted("feedback.n_files", len(results)), imported=len(done) - duplicates,
                     updates=counted("feedback.n_updates", updates), duplicates=duplicates, refused=len(refused),
                     held=counted("feedback.batch_held", held) if held else ""), err=True)
    if refused:
        raise typer.Exit(2)
    if any(r.held_back for _, r in done):
        raise typer.Exit(1)
