"""What the command line does before and around a command: the reader's language (``--lang`` may
come anywhere on the line), `--help` in that language from the catalogue, usage errors as one
line like every other error, and help text wrapped by display width without cutting words."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from ..messages import LANGS, current_lang, join, set_lang, t
from ..text import visible


def lang_given(argv: Sequence[str]) -> str | None:
    """The value of the last ``--lang`` on a command line, wherever it stands (None: not given)."""
    found = None
    args = iter(argv)
    for arg in args:
        if arg == "--":
            break
        if arg == "--lang":
            found = next(args, None)
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    if value not in LANGS:
        raise click.UsageError(t("error.lang", value=value), ctx=ctx)
    set_lang(value)


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def help_key(path: tuple[str, ...], name: str | None = None) -> list[str]:
    """Catalogue keys for a command's help (``name`` None) or one of its parameters', most specific first."""
    where = ".".join(path) or "root"
    if name is None:
        return [f"help.cmd.{where}"]
    return [f"help.opt.{where}.{name}", f"help.opt.{name}"]


def _help(keys: list[str]) -> str | None:
    for key in keys:
        try:
            return t(key)
        except KeyError:
            continue
    return None


#: commands that work on the whole database, not on one plan of it (a feedback file names its own plan)
PLANLESS = ("load", "db", "users", "audit", "agencies", "reminders")


def _set_plan(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from .common import settings

        settings.plan = value


def localize(root: click.Command) -> None:
    """Give every command and option its help in the reader's language, and every subcommand a
    ``--lang`` of its own (``tasklist status --lang en``)."""
    for path, command in _commands(root):
        text = _help(help_key(path))
        if text is not None:
            command.help = text
            command.short_help = first_sentence(text) if current_lang() == "zh" else None  # None: click's own
        for param in command.params:
            if getattr(param, "help", None) is not None or isinstance(param, click.Option):
                text = _help(help_key(path, param.name))
                if text is not None:
                    param.help = text
        if path and not any(p.name == "lang" for p in command.params):
            command.params.append(click.Option(["--lang"], expose_value=False, is_eager=True, hidden=True,
                                               callback=_set_lang))
        if path and path[0] not in PLANLESS and not isinstance(command, click.Group) \
                and not any(p.name == "plan" for p in command.params):
            command.params.append(click.Option(["--plan"], expose_value=False, metavar="PLAN", callback=_set_plan,
                                               help=t("help.opt.plan")))
        command.context_class = Context
        command.get_help_option = _help_option(command.get_help_option)  # type: ignore[method-assign]


def first_sentence(text: str) -> str:
    """What a group's help lists beside a command, in Chinese: the first sentence of its help, whole
    (a long one wraps, as several do). Left to itself, click takes the first paragraph up to an
    English full stop and cuts it to the line at a space, ending it in "...": Chinese has no spaces,
    so export's and scorecard's lines were cut to a clause and three ASCII dots. English keeps
    click's own cut, at a word."""
    words = " ".join(text.partition("\n\n")[0].split())
    end = words.find("。")
    return words[:end + 1] if end >= 0 else words


def _help_option(original: Any) -> Any:
    def get_help_option(ctx: click.Context) -> click.Option | None:
        option = original(ctx)
        if option is not None:
            option.help = t("help.opt.help")
        return option

    return get_help_option


# --- usage errors --------------------------------------------------------------------------

# click's English usage errors, as patterns (not compiled at import: a command that runs never needs
# them; re compiles and caches each on its first use)
_INTEGER = r"(?s)^'(.*)' is not a valid integer\.?$"
_EXTRA = r"(?s)^Got unexpected extra arguments? \((.*)\)\.?$"
_NEEDS_VALUE = r"(?s)^Option '(.*)' requires an argument\.?$"
_CHOICE = r"(?s)^'(.*)' is not one of (.*)\.$"


def _param_name(exc: click.ClickException) -> str:
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None)
    if hint:
        return " / ".join(hint) if not isinstance(hint, str) else hint
    if param is None:
        return ""
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


def usage_message(exc: click.ClickException) -> str:
    """A click usage error in the reader's language, on one line."""
    message = exc.message
    if isinstance(exc, click.NoSuchOption):
        text = t("usage.no_such_option", name=exc.option_name)
        if exc.possibilities:
            text += t("usage.did_you_mean", names=" ".join(exc.possibilities))
        return text
    if isinstance(exc, click.MissingParameter):
        kind = "usage.missing_argument" if exc.param_type == "argument" or isinstance(exc.param, click.Argument) \
            else "usage.missing_option"
        return t(kind, name=_param_name(exc))
    if isinstance(exc, click.BadParameter):
        if m := re.match(_INTEGER, message):
            why = t("usage.not_integer", value=m[1])
        elif m := re.match(_CHOICE, message):
            why = t("usage.not_choice", value=m[1], choices=m[2])
        else:
            why = message.rstrip(".")
        return t("usage.bad_value", name=_param_name(exc), why=why)
    if m := re.match(_EXTRA, message):
        return t("usage.extra", args=m[1])
    if m := re.match(_NEEDS_VALUE, message):
        return t("usage.needs_value", name=m[1])
    return message.replace("\n", " ")


def show_usage_error(exc: click.ClickException) -> int:
    ctx = getattr(exc, "ctx", None)
    sys.stderr.write(t("cli.error", message=visible(usage_message(exc))) + "\n")
    if isinstance(exc, click.UsageError) and ctx is not None:
        sys.stderr.write(t("cli.hint", hint=t("usage.help_hint", command=ctx.command_path)) + "\n")
    return exc.exit_code


def no_such_command(ctx: click.Context, name: str, known: Sequence[str]) -> click.UsageError:
    """The error for a mistyped command, naming the closest commands once."""
    from difflib import get_close_matches

    text = t("usage.no_such_command", name=name)
    close = get_close_matches(name, list(known))
    if close:
        text += t("usage.did_you_mean", names=join(close))  # two names joined by a space read as one command
    return click.UsageError(text, ctx=ctx)


# --- help text wrapped by display width ----------------------------------------------------

_BREAK_AFTER = set("，。、；：！？）》」』】,.;:!?)/ ")
_NO_LINE_START = set("，。、；：！？）》」』】,.;:!?)")  # a line never starts with closing punctuation


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap ``text`` to ``width`` display columns (a CJK character is two). A line ends where a
    space or punctuation allows (never inside an ASCII word, and inside a run of CJK only when no
    such place leaves the line at least half full)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        indent = initial_indent if not lines else subsequent_indent
        rest = paragraph.strip()
        if not rest:
            lines.append("")
            continue
        while rest:
            room = max(10, width - _width(indent))
            if _width(rest) <= room:
                lines.append(indent + rest)
                break
            cut, used, best = 0, 0, 0
            for i, ch in enumerate(rest):
                used += _width(ch)
                if used > room:
                    break
                cut = i + 1
                nxt = rest[i + 1] if i + 1 < len(rest) else ""
                if (ch in _BREAK_AFTER or nxt == " ") and nxt not in _NO_LINE_START:
                    best = i + 1
            if best * 2 < cut:  # no good place: break between two CJK characters, never inside an ASCII word
                best = next((j for j in range(cut, 0, -1)
                             if (_cjk(rest[j - 1]) or _cjk(rest[j])) and rest[j] not in _NO_LINE_START), cut)
            lines.append(indent + rest[:best].rstrip())
            rest = rest[best:].lstrip()
            indent = subsequent_indent
    return "\n".join(lines)


def _cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


#: click's extra help in English (compiled on first use: only --help shows it)
_EXTRA_HELP = r"\[(required|default: ([^\]]*)|env var: ([^\];]*)(?:; default: ([^\]]*))?)\]"


def _extra(found: re.Match[str]) -> str:
    """click's ``[required]``, ``[default: x]``, ``[env var: X]`` in the reader's language."""
    if found[1] == "required":
        return t("help.required")
    if found[2] is not None:
        value = found[2]
        return t("help.default", value=value.replace("; ", "；") if current_lang() == "zh" else value)
    if found[4] is not None:
        return t("help.env_var_default", name=found[3], value=found[4])
    return t("help.env_var", name=found[3])


class Formatter(click.HelpFormatter):
    """click's help formatter with :func:`wrap` in place of its character-counting wrap, and its
    headings in the reader's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=t("help.usage") if prefix is None else prefix)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        key = {"Options": "help.options", "Arguments": "help.arguments", "Commands": "help.commands"}.get(name)
        self.write_paragraph()
        self.write(f"{'':>{self.current_indent}}{t('help.section', name=t(key) if key else name)}\n")
        self.indent()
        try:
            yield
        finally:
            self.dedent()

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap(text, self.width, indent, indent))
        self.write("\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((_width(r[0]) for r in rows), default=0), col_max)
        for term, definition in rows:
            definition = re.sub(_EXTRA_HELP, _extra, definition)
            self.write(f"{'':>{self.current_indent}}{term}")
            if not definition:
                self.write("\n")
                continue
            if _width(term) <= first:
                self.write(" " * (first - _width(term) + col_spacing))
            else:
                self.write("\n" + " " * (first + col_spacing + self.current_indent))
            room = max(self.width - first - col_spacing - self.current_indent, 10)
            text = wrap(definition, room, "", " " * (first + col_spacing + self.current_indent))
            self.write(text + "\n")


class Context(click.Context):
    formatter_class = Formatter

