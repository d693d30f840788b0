"""Commands on the registry: load, list, show, agencies."""

from typing import Annotated, Any

import typer

from ..errors import Problem
from ..messages import join, t
from ..text import visible
from .common import (
    AgencyOpt,
    AsOf,
    Json,
    ShowAll,
    agency_named,
    built_to_keep,
    console,
    database,
    labels,
    parse_day,
    print_json,
    print_json_halves,
    resolve_as_of,
    screen_limit,
)


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.command("list")(list_items)
    app.command("show")(show)
    agencies_app = typer.Typer(help="Agencies: list them, or set their contact addresses.", invoke_without_command=True)
    agencies_app.callback(invoke_without_command=True)(agencies)
    agencies_app.command("set-email")(set_email)
    app.add_typer(agencies_app, name="agencies")


def load(
    paths: Annotated[list[str] | None, typer.Argument(help="Registry files or directories (default: the bundled Fujian registry).",
                                                          show_default=False)] = None,
    check: Annotated[bool, typer.Option("--check", help="Only validate the files; touch no database.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change, change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Apply items whose title and content both change under the same id.")] = False,
    json_: Json = False,
) -> None:
    """Validate a registry and load it into the database (idempotent; removed items are archived)."""
    import gc

    from ..registry import read_registry

    gc.collect()  # so that nothing already unreachable is frozen below with what is read
    # What is read (300k objects for 100k items; 1 s of a 100k load's collections) is frozen before the
    # collector is back on: on first, its next young pass walked all of it (0.5 s at 100k), freeing nothing
    with built_to_keep():
        registry = read_registry(paths or None)
    _print_warnings(registry.warnings)
    if check:
        if json_:
            print_json({"ok": True, "files": registry.files, "plan": registry.plan.id, "items": len(registry.items),
                        "agencies": len(registry.agencies)})
        else:
            typer.echo(visible(t("registry.check_ok", files=join(registry.files), plan=registry.plan.id,
                                 items=len(registry.items), agencies=len(registry.agencies))))
        return
    from ..storage.schema import ensure_schema

    with database(setup=False, create=True) as conn:
        ensure_schema(conn)
        report = _load_with_progress(conn, registry, dry_run, yes)
    if json_:
        print_json(report.as_dict())
    else:
        typer.echo(visible("\n".join(load_report_lines(report))))


def load_report_lines(report: Any) -> list[str]:
    """What a load changed (or, dry, would change), one line a kind of change, in the catalogue's words.
    Ids, names and field names (the YAML keys) are shown as written."""
    dry = "_dry" if report.dry_run else ""
    kept = [t("registry.load_list", what=t(f"registry.load_assignments_kept{dry}"), n=len(report.assignments_kept),
              names=_listed(report.assignments_kept))] if report.assignments_kept else []
    if not report.changed:
        return [t("registry.load_unchanged", plan=report.plan, items=report.items_total), *kept]
    lines: list[str] = []
    if report.plan_added:
        lines.append(t(f"registry.load_plan_added{dry}", plan=report.plan))
    if report.plan_changed:
        lines.append(t(f"registry.load_plan_changed{dry}", plan=report.plan, fields=", ".join(report.plan_changed)))
    for what in ("agencies_added", "items_added", "items_archived", "items_restored", "assignments_added",
                 "assignments_changed", "assignments_archived", "targets_added", "targets_archived"):
        values = getattr(report, what)
        if values:
            lines.append(t("registry.load_list", what=t(f"registry.load_{what}{dry}"), n=len(values), names=_listed(values)))
    for new, old in report.agencies_renamed.items():
        lines.append(t(f"registry.load_agency_renamed{dry}", old=old, new=new))
    if report.items_replaced:  # a warning: each id's history would pass to the new title and content
        lines.append(t(f"registry.load_items_replaced{dry}", n=len(report.items_replaced),
                       items=join(report.items_replaced[:12])))
    for what, changes in (("agency", report.agencies_changed), ("item", report.items_changed),
                          ("target", report.targets_changed)):
        for key, fields in list(changes.items())[:20]:
            lines.append(t(f"registry.load_{what}_changed{dry}", key=key, fields=", ".join(fields)))
        if len(changes) > 20:
            lines.append(t(f"registry.load_more_{what}_changes", n=len(changes) - 20))
    return lines + kept


def _listed(values: list[str]) -> str:
    return join(values[:12]) + (t("registry.load_list_more", n=len(values) - 12) if len(values) > 12 else "")


def _print_warnings(warnings: list[Problem]) -> None:
    """Warnings go to stderr, in the same file:line:col form as problems: stdout stays the report
    (or the JSON), and the load goes ahead (exit 0)."""
    for warning in warnings:
        typer.echo(str(warning), err=True)


def _load_with_progress(conn, registry, dry_run, confirmed=False):  # type: ignore[no-untyped-def]
    from ..storage.load import apply_registry

    if len(registry.items) < 2000:
        return apply_registry(conn, registry, dry_run=dry_run, confirmed=confirmed)
    from ..output.terminal import progress_bar

    with progress_bar(t("registry.progress_loading"), len(registry.items)) as advance:
        return apply_registry(conn, registry, dry_run=dry_run, progress=advance, confirmed=confirmed)


def list_items(
    kind: Annotated[str | None, typer.Option("--kind", help="task or outcome.", show_default=False)] = None,
    agency: AgencyOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="Only items with this status.", show_default=False)] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue items.")] = False,
    due_before: Annotated[str | None, typer.Option("--due-before", help="Only items due before this date.",
                                                      show_default=False)] = None,
    as_of: AsOf = None,
    json_: Json = False,
    show_all: ShowAll = False,
) -> None:
    """List the plan's items (tasks and outcomes) with their status."""
    from ..errors import BadInput
    from ..registry.names import parse_kind
    from ..reports.facts import (
        ITEM_FIELDS,
        ITEM_LIST_FIELDS,
        ITEM_REPEATED,
        filter_items,
        iter_item_values,
        listing_split,
        snapshot,
    )
    from ..rules import parse_status

    if kind is not None:
        wanted = parse_kind(kind)
        if wanted is None:
            raise BadInput("registry.kind_unknown", value=kind)
        kind = wanted
    status_key = None
    if status is not None:
        status_key = parse_status(status)
        if status_key is None:  # the words `update` uses (storage.writes.check_update)
            from ..messages import current_lang
            from ..rules import STATUS_LABELS_ZH

            choices = join(f"{v}（{k}）" if current_lang() == "zh" else f"{k} ({v})" for k, v in STATUS_LABELS_ZH.items())
            raise BadInput("error.unknown_status", hint="error.status_hint", status=status, choices=choices)
    before = parse_day(due_before)
    with database() as conn:
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        if json_:  # judged and written a batch of items at a time
            # judged and written in two halves at once where the plan is long (print_json_halves)
            print_json_halves(conn, ITEM_FIELDS, lambda c, part: iter_item_values(
                c, day, kind=kind, agency=who, status=status_key, overdue=overdue, due_before=before, part=part),
                lambda c: listing_split(c, day, overdue=overdue), lists=ITEM_LIST_FIELDS, repeated=ITEM_REPEATED)
            return
        items = filter_items(snapshot(conn, day, overdue_only=overdue), kind=kind, agency=who, status=status_key, overdue=overdue, due_before=before)
    from ..output.terminal import items_table

    console().print(items_table(items, labels(), day.isoformat(), limit=screen_limit(show_all)))


def show(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="Item id, e.g. T1 or o32.")],
    as_of: AsOf = None,
    json_: Json = False,
) -> None:
    """Show one item: its text, every agency's status, extensions and history."""
    from ..reports.facts import snapshot
    from ..reports.views import extensions, history
    from ..storage.lookup import resolve_item

    with database() as conn:
        day = resolve_as_of(as_of, conn)
        ref = resolve_item(conn, item_id)
        (item,) = snapshot(conn, day, item_ids=[ref.id], include_archived=True)
        rows = history(conn, item=ref)
        exts = extensions(conn, ref)
    if json_:
        print_json(item.as_dict() | {"as_of": day.isoformat(), "extension_log": exts,
                                     "history": [r.as_dict() for r in rows]})
        return
    from ..output.terminal import item_detail

    console().print(item_detail(item, rows, exts, labels()))


def set_email(
    agency: Annotated[str, typer.Argument(metavar="AGENCY")],
    addresses: Annotated[list[str], typer.Argument(metavar="ADDR...", help="One or more e-mail addresses.")],
) -> None:
    """Set an agency's e-mail addresses (they replace any set before)."""
    from ..storage.writes import set_email as store_email

    with database(plan=False) as conn:
        who = agency_named(conn, agency)
        store_email(conn, who, addresses)
    typer.echo(visible(t("registry.email_set", agency=who.name, addresses=", ".join(addresses))), err=True)


def agencies(ctx: typer.Context, json_: Json = False, show_all: ShowAll = False) -> None:
    """List the agencies with their full names, kinds and how many items they carry."""
    if ctx.invoked_subcommand is not None:
        return
    from ..reports.views import agencies as agency_rows

    with database(plan=False) as conn:
        rows = agency_rows(conn)
    if json_:
        print_json(rows)
        return
    from ..output.terminal import agencies_table

    console().print(agencies_table([_kind_in_words(r) for r in rows], labels(), limit=screen_limit(show_all)))


def _kind_in_words(row: dict[str, Any]) -> dict[str, Any]:
    """An agency row for the terminal, its kind in words (省直部门, 分组（9）) rather than the registry's
    enum, which ``--json`` keeps. A group's member count is in the words: the row handed on has no
    members, so the table adds no count of its own."""
    if row["kind"] == "group" and row["members"]:
        return row | {"kind": t("registry.kind_group_of", n=len(row["members"])), "members": []}
    key = f"registry.kind_{row['kind']}"
    try:
        return row | {"kind": t(key)}
    except KeyError:  # a kind this version does not know (a newer registry): shown as written
        return row
