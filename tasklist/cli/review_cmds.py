"""Completion verified before a part is closed (审核销号): the office's queue of claims, its verdicts,
and the evidence agencies submit."""

from typing import Annotated

import typer

from ..text import visible
from .common import (
    AgencyOpt,
    AsOf,
    Json,
    ShowAll,
    console,
    database,
    labels,
    parse_day,
    print_json,
    resolve_as_of,
    screen_limit,
)

ItemId = Annotated[str, typer.Argument(metavar="ID")]

evidence_app = typer.Typer(help="Evidence (佐证材料) submitted with completion claims.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("review")(review)
    app.command("verify")(verify)
    evidence_app.command("get")(evidence_get)
    evidence_app.command("add")(evidence_add)
    app.add_typer(evidence_app, name="evidence")


def review(agency: AgencyOpt = None, as_of: AsOf = None, json_: Json = False, show_all: ShowAll = False) -> None:
    """Completion claims awaiting the office's review (待审核), oldest first, with their evidence."""
    from ..reports.claims import pending_claims
    from .common import agency_named

    with database() as conn:
        day = resolve_as_of(as_of, conn)
        who = agency_named(conn, agency) if agency else None
        claims = pending_claims(conn, day, agency=who)
    if json_:
        print_json([c.as_dict() for c in claims])
        return
    lab = labels()
    if not claims:
        typer.echo(lab("view.no_claims"), err=True)
        return
    from ..output.terminal import claims_table

    console().print(claims_table(claims, lab, day.isoformat(), limit=screen_limit(show_all), width=console().width))


def verify(
    item_id: ItemId,
    agency: AgencyOpt = None,
    return_: Annotated[bool, typer.Option("--return", help="Send the claim back (退回): the part is in progress again.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the claim is returned (with --return).",
                                                  show_default=False)] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day of the review (default: today); never later than today.",
                                              show_default=False)] = None,
    json_: Json = False,
) -> None:
    """Accept an agency's completion claim (销号: the part is closed as of the claim's date), or return it."""
    from ..errors import BadInput
    from ..reports.views import history as history_rows
    from ..storage.lookup import resolve_item
    from ..storage.writes import review_claim
    from .common import agency_named
    from .tracking_cmds import recorded_line

    if reason is not None and not return_:
        raise BadInput("error.reason_not_return")
    with database() as conn:
        today = resolve_as_of(None, conn)
        day = parse_day(on) or today
        ref = resolve_item(conn, item_id)
        who = agency_named(conn, agency) if agency else None
        ids = review_claim(conn, ref, agency=who, accept=not return_, reason=reason, on=day, as_of=today)
        rows = history_rows(conn, ids=ids)
    if json_:
        print_json([r.as_dict() for r in rows])
        return
    lab = labels()
    for r in rows:
        typer.echo(visible(recorded_line(lab, r)), err=True)


def evidence_get(
    item_id: ItemId,
    agency: Annotated[str, typer.Option("--agency", "-a", help="Agency: short name, full name or any alias.")],
    out: Annotated[str, typer.Option("--out", help="The directory to write the files into.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a file that already exists (never the database).")] = False,
) -> None:
    """Write back out, byte for byte, the evidence submitted with an agency's completion claims on an item."""
    import hashlib  # here, not at the top: loading OpenSSL's hashes is ~3 % of `tasklist --help`

    from ..errors import BadInput
    from ..output.files import directory, distinct_names, inside, make_directory, write_atomic
    from ..reports.claims import part_evidence
    from ..storage.lookup import resolve_item
    from .common import agency_named

    with database() as conn:
        folder = directory(out, database=conn, option="--out")
        ref = resolve_item(conn, item_id)
        who = agency_named(conn, agency)
        files = part_evidence(conn, ref, who)
        if not files:
            raise BadInput("error.no_evidence", code=ref.code, agency=who.name)
        # one file per name: the same file named on several claims (a group's members) is written once
        unique: dict[tuple[str, bytes], None] = dict.fromkeys(files)
        names = distinct_names([(name, hashlib.sha256(content).hexdigest()) for name, content in unique])
        targets = [inside(folder, name, force=force, database=conn, force_option="--force") for name in names]
    make_directory(folder)
    lab = labels()
    for where, (_, content) in zip(targets, unique):
        write_atomic(where, content)
        typer.echo(visible(lab("cli.evidence_written", path=where.shown, size=len(content))), err=True)


def evidence_add(
    item_id: ItemId,
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="PDF, PNG, JPEG, DOCX or XLSX files.")],
    agency: AgencyOpt = None,
) -> None:
    """Attach evidence to a completion claim awaiting review (an agency's files received by mail, say)."""
    from ..errors import BadInput
    from ..evidence import read_files
    from ..messages import join
    from ..storage.lookup import resolve_item
    from ..storage.writes import attach_evidence, pending_claims
    from .common import agency_named

    checked = read_files(files)
    with database() as conn:
        ref = resolve_item(conn, item_id)
        who = agency_named(conn, agency) if agency else None
        with conn.transaction():
            claims = pending_claims(conn, ref, who)
            if not claims:
                raise BadInput("error.no_claim", hint="error.no_claim_hint", code=ref.code,
                               agency=who.name if who else ref.code)
            if who is None and len(claims) > 1:
                raise BadInput("error.claim_agency", code=ref.code, count=len(claims), names=join(a for _, a in claims))
            attach_evidence(conn, [claim_id for claim_id, _ in claims], checked)
    lab = labels()
    for claim_id, name in claims:
        for f in checked:
            typer.echo(visible(lab("cli.evidence_added", code=ref.code, agency=name, id=claim_id, name=f.name)), err=True)
