"""tasklist feedback: the agencies' spreadsheet (台账) loop — export a workbook, import it back."""

from __future__ import annotations

from typing import Annotated

import typer

from ..text import visible
from .common import AgencyOpt, AsOf, Json, console, database, print_json, resolve_as_of
from .export_cmds import Force, output_target, write_output

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
    from ..storage.lookup import agencies_in_order, members, resolve_agency

    if fmt not in ("xlsx", "csv"):
        raise BadInput(f"--format must be xlsx or csv, not {fmt!r}")
    if all_ == bool(agency):
        raise BadInput("give --agency A (with --out FILE) or --all (with --out-dir DIR)")
    if agency and out is None:
        raise BadInput("give --out FILE")
    if all_ and out_dir is None:
        raise BadInput("--all needs --out-dir DIR")
    writer = export_xlsx if fmt == "xlsx" else export_csv
    with database() as conn:
        protected = files.database_files(conn)
        if agency:
            target = output_target(out, force=force, conn=conn)
            day = resolve_as_of(as_of, conn)
            write_output(writer(conn, resolve_agency(conn, agency), day), target)
            return
        assert out_dir is not None  # here --all, which was refused above without --out-dir
        folder = files.directory(out_dir, database=protected)
        day = resolve_as_of(as_of, conn)
        open_parts = open_rows_by_agency(conn, day)  # one snapshot for every agency
        due = [ref for ref in agencies_in_order(conn) if open_parts.get(ref.id) and not members(conn, ref)]
        # every file checked before any is written; one name per agency, even where two clean alike
        stems = files.distinct_names([(files.safe_filename(ref.name), ref.name) for ref in due])
        targets = [files.inside(folder, f"{day.isoformat()}_{stem}_反馈表.{fmt}", force=force, database=protected)
                   for stem in stems]
        files.make_directory(folder)
        for ref, target in zip(due, targets):
            write_output(writer(conn, ref, day, open_parts[ref.id]), target)


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE", help="A filled-in feedback workbook (.xlsx) or .csv.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be recorded; record nothing.")] = False,
    agency: AgencyOpt = None,
    by: Annotated[str | None, typer.Option("--by", show_default=False, help="The person the rows are recorded for.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Also apply rows whose part was updated after the export "
                                                        "(recorded as forced in the audit log).")] = False,
    as_of: AsOf = None,
    json_: Json = False,
) -> None:
    """Import a filled-in feedback file: every row checked, all recorded in one transaction or none.

    Only signed files exported from this database are taken; a row imported before is skipped, and a
    row whose part was updated after the export is held back (exit 1) unless --force."""
    from ..feedback.importer import import_feedback
    from ..storage.lookup import resolve_agency

    with database() as conn:
        day = resolve_as_of(as_of, conn)
        expected = resolve_agency(conn, agency) if agency else None
        result = import_feedback(conn, file, as_of=day, reported_by=by, dry_run=dry_run,
                                 expected_agency=expected, force=force)
    if json_:
        print_json(result.as_dict())
    elif result.duplicate:
        typer.echo(f"{visible(result.file)}: already imported; nothing recorded", err=True)
    else:
        from ..i18n import Labels
        from ..output.terminal import import_preview

        console().print(import_preview(result, Labels("zh")))
        name = visible(result.file)
        if result.skipped:
            typer.echo(f"{name}: {', '.join(result.skipped)} imported from export #{result.export_id} before; "
                       "skipped", err=True)
        for c in result.conflicts:
            since = c.since
            verdict = "applied anyway (--force)" if result.forced else "held back"
            typer.echo(f"{name}: row {c.row} {c.code}: the workbook says {c.says}, but update #{since.get('id')} "
                       f"({since.get('status')}, reported {since.get('reported_on')}, recorded "
                       f"{str(since.get('recorded_at', ''))[:19]}) came after the export; {verdict}", err=True)
        verb = "would record" if dry_run else "recorded"
        typer.echo(f"{verb} {len(result.updates)} update{'s' if len(result.updates) != 1 else ''}", err=True)
    if result.held_back:
        raise typer.Exit(1)
