"""The command line: wiring only. Each command group lives in its own module."""

from typing import Annotated, Any

import typer

from . import common

_app = typer.Typer(
    name="tasklist",
    cls=common.Group,
    help="Track who owes what, by when, under a published work plan (default: 闽政〔2021〕5号).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"tasklist {__version__}")
        raise typer.Exit()


@_app.callback()
def _root(
    db: Annotated[str | None, typer.Option("--db", envvar="TASKLIST_DB", show_default=False,
                                              help="Database URL or SQLite path (default: the embedded SQLite file).")] = None,
    lang: Annotated[str | None, typer.Option("--lang", envvar="TASKLIST_LANG", show_default=False,
                                                help="What you read, in zh or en (default: zh).")] = None,
    plan: Annotated[str | None, typer.Option("--plan", envvar="TASKLIST_PLAN", show_default=False,
                                                help="The plan to work on, when the database holds several (all: every plan).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print tasklist's version and exit.")] = False,
) -> None:
    if lang is not None and lang not in ("zh", "en"):
        from ..messages import t

        common.fail(t("error.lang", value=lang))
    from ..messages import set_lang

    common.settings.db = db
    common.settings.plan = plan  # a command's own --plan, parsed after this, takes its place
    if lang is not None:  # else as the shell found it (`tasklist status --lang en`, TASKLIST_LANG)
        set_lang(lang)


# Every command group, in the order `--help` lists them: (module, its register function, the
# top-level names it adds). The process started from the shell (``main``) registers only the group of
# the command it runs: building typer's click tree for all ~22 commands is most of a screenful
# report's start-up. ``app`` itself, as imported by tests and scripts/gen_docs.py, is always whole.
_GROUPS = (
    ("registry_cmds", "register", ("load", "list", "show", "agencies")),
    ("tracking_cmds", "register", ("update", "done", "undo", "extend", "history")),
    ("assign_cmds", "register", ("assign",)),
    ("review_cmds", "register", ("review", "verify", "evidence")),
    ("report_cmds", "register", ("status", "overdue")),
    ("export_cmds", "register", ("weekly", "export")),
    ("scorecard_cmds", "register", ("scorecard",)),
    ("targets_cmds", "register", ("target", "targets")),
    ("export_cmds", "register_reminders", ("remind", "reminders")),
    ("feedback_cmds", "register", ("feedback",)),
    ("db_cmds", "register", ("db",)),
    ("admin_cmds", "register", ("users", "audit")),
)
_registered: set[tuple[str, str]] = set()
_ROOT_OPTIONS_WITH_VALUE = ("--db", "--lang", "--plan")


def _register(groups=_GROUPS) -> typer.Typer:  # type: ignore[no-untyped-def]
    from importlib import import_module

    for module, function, _ in groups:
        if (module, function) not in _registered:
            _registered.add((module, function))
            getattr(import_module(f"{__name__}.{module}"), function)(_app)
    return _app


def _invoked(argv: list[str]) -> str | None:
    """The command name on a command line (after the root options), or None."""
    args = iter(argv)
    for arg in args:
        if arg in _ROOT_OPTIONS_WITH_VALUE:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
        elif arg == "--" or not arg.startswith(tuple(f"{o}=" for o in _ROOT_OPTIONS_WITH_VALUE)):
            return None  # --help, or an option the root does not know: click says what it says with every command
    return None


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name == "app":  # the whole tree, for the tests and the generated docs
        return _register()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _outline(app: typer.Typer) -> typer.Typer:
    """A copy of ``app`` whose commands (and groups' callbacks) take no parameters: the same names,
    help and flags, for the root's own help, which shows nothing of a command but its name and first
    line. Building every command's parameters is most of `tasklist --help`'s time."""
    from copy import copy

    def bare(info: Any) -> Any:
        info = copy(info)
        callback = info.callback
        if callable(callback):
            def outline() -> None:
                raise RuntimeError("an outline of the command tree is never run")  # pragma: no cover

            outline.__name__, outline.__doc__ = callback.__name__, callback.__doc__  # its name and help, not its signature
            info.callback = outline
        return info

    copied = copy(app)
    copied.registered_commands = [bare(c) for c in app.registered_commands]
    copied.registered_groups = [copy(g) for g in app.registered_groups]
    for group in copied.registered_groups:
        if group.typer_instance is not None:
            group.typer_instance = _outline(group.typer_instance)
    if app is not _app and app.registered_callback is not None:
        copied.registered_callback = bare(app.registered_callback)
    return copied


def main(prog_name: str | None = None) -> None:
    import sys

    argv = sys.argv[1:]
    command = _invoked(argv)
    wanted = [g for g in _GROUPS if command in g[2]]
    app = _register(wanted if command is not None and wanted else _GROUPS)
    if command is None and "--" not in argv:  # no command on the line: the root's help, usage error or version
        app = _outline(app)
    elif command is not None and wanted:
        app = _only(app, command)
    app(prog_name=prog_name)


def _only(app: typer.Typer, name: str) -> typer.Typer:
    """A copy of ``app`` with its one command (or group of commands) ``name``: typer reads the
    parameters of every command it is given, and a module registers several (status with overdue,
    list with load, show and agencies, weekly with export's many options)."""
    from copy import copy

    copied = copy(app)
    copied.registered_commands = [c for c in app.registered_commands if c.name == name]
    copied.registered_groups = [g for g in app.registered_groups if g.name == name]
    return copied
