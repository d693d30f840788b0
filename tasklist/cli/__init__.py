"""The command line: wiring only. Each command group lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from . import common

app = typer.Typer(
    name="tasklist",
    cls=common.Group,
    help="Track who owes what, by when, under a published work plan (default: 闽政〔2021〕5号).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    db: Annotated[str | None, typer.Option("--db", envvar="TASKLIST_DB", show_default=False,
                                              help="Database URL or SQLite path (default: the embedded SQLite file).")] = None,
    lang: Annotated[str | None, typer.Option("--lang", envvar="TASKLIST_LANG", show_default=False,
                                                help="Labels in zh or en (default: from the locale).")] = None,
) -> None:
    if lang is not None and lang not in ("zh", "en"):
        common.fail(f"--lang must be zh or en, not {lang!r}")
    common.settings.db = db
    common.settings.lang = lang


from . import admin_cmds, db_cmds, export_cmds, feedback_cmds, registry_cmds, report_cmds, tracking_cmds  # noqa: E402

registry_cmds.register(app)
tracking_cmds.register(app)
report_cmds.register(app)
export_cmds.register(app)
export_cmds.register_reminders(app)
feedback_cmds.register(app)
db_cmds.register(app)
admin_cmds.register(app)


def main() -> None:
    app()
