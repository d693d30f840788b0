"""What every command shares: options, opening the database, the as-of date, output and errors."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from itertools import chain, islice
from json.encoder import encode_basestring as _encode_str  # what json.dumps(ensure_ascii=False) uses
from operator import itemgetter
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from ..errors import TasklistError
from ..messages import chosen, follow_plan, t
from ..text import json_safe, visible  # a message may quote typed or stored text: shown escaped
from .shell import lang_given

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", envvar="TASKLIST_AS_OF", help="Report as on this date (default: today in the plan's time zone).",
                 show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (every row, stable field names; see docs/json.md).")]
ShowAll = Annotated[bool, typer.Option("--all", help="Show every row instead of one screenful.")]
AgencyOpt = Annotated[str | None, typer.Option("--agency", "-a", help="Agency: short name, full name or any alias.",
                                                  show_default=False)]


class Settings:
    db: str | None = None
    plan: str | None = None  # --plan (after the command, or before it), else TASKLIST_PLAN


settings = Settings()


def fail(message: str, *, hint: str | None = None, code: int = 2) -> None:
    """Print ``错误：message`` (en ``error: message``) and its hint on stderr; exit with ``code``."""
    err = sys.stderr
    err.write(t("cli.error", message=visible(message)) + "\n")
    if hint:
        err.write(t("cli.hint", hint=visible(hint)) + "\n")
    raise typer.Exit(code)


def report_errors(run: Callable[[], Any]) -> Any:
    """Run a command, turning library errors into one line on stderr and the right exit code.

    Applied once, around every command (see :class:`tasklist.cli.Group`)."""
    from ..storage import connection

    commits_before = connection.COMMITS
    try:
        result = run()
        sys.stdout.flush()  # all of the output taken before the command counts as done: a full disk fails here
        return result
    except TasklistError as exc:
        for problem in getattr(exc, "problems", None) or ():
            sys.stderr.write(f"{visible(str(problem))}\n")
        fail(exc.message, hint=exc.hint, code=exc.exit_code)
    except (typer.Exit, typer.Abort, KeyboardInterrupt, click.exceptions.ClickException):
        raise
    except BrokenPipeError:
        os._exit(0)  # output piped into `head`: not an error
    except Exception as exc:  # an unexpected failure: one line, the traceback only on request
        if isinstance(exc, OSError):
            _unwritten_output_dropped()
        if os.environ.get("TASKLIST_DEBUG") == "1":
            raise
        if commits_before < connection.COMMITS:  # what was saved stays saved: never report it as a failure
            sys.stderr.write(t("cli.warning", message=t("error.shown_failed", what=f"{type(exc).__name__}: {exc}")) + "\n")
            raise typer.Exit(0) from None
        fail(t("error.unexpected", what=f"{type(exc).__name__}: {exc}"), hint=t("error.unexpected_hint"), code=1)


def _unwritten_output_dropped() -> None:
    """After standard output refused what was written to it (a full disk): what its buffer still holds
    is given up, so that the exit does not try to write it again and fail a second time (Python then
    prints a traceback of its own and exits with 120 instead of the one error line and 1)."""
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001  (whatever it is, the output is lost: the error line says why)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (open until the process ends)


class Group(TyperGroup):
    """The command tree. ``main`` sets the reader's language and words the help in it (see
    :mod:`tasklist.cli.shell`) and shows usage errors as one line; ``invoke`` wraps every
    (sub)command in :func:`report_errors` once."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        from ..messages import set_lang
        from .shell import localize, show_usage_error

        argv = list(sys.argv[1:] if args is None else args)
        given = lang_given(argv)
        set_lang(given if given in ("zh", "en") else None)
        localize(self)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False,
                              windows_expand_args=windows_expand_args, **extra)
            code = rv if isinstance(rv, int) else 0
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            code = exc.exit_code
        except click.ClickException as exc:
            code = show_usage_error(exc)
        except click.Abort:
            sys.stderr.write("\n")
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        from .shell import no_such_command

        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise no_such_command(ctx, name, [n for n, c in self.commands.items() if not c.hidden])
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        return report_errors(lambda: super(Group, self).invoke(ctx))


@contextmanager
def database(*, setup: bool = True, create: bool | None = None, plan: bool = True) -> Iterator[Any]:
    """The database the command works on. The default embedded file is made on first use; a file
    named with --db/TASKLIST_DB is made only by commands that pass ``create=True`` (load, db
    upgrade); ``create=False`` never makes one (db check, db backup). ``plan``: the command works on
    one plan (--plan/TASKLIST_PLAN, implied when the database holds one), which it then sees alone."""
    from ..storage.schema import open_db

    conn = open_db(settings.db, setup=setup, create=not settings.db if create is None else create)
    try:
        if conn.created:
            sys.stderr.write(t("cli.created_db", path=conn.label()) + "\n")
        if setup and plan:
            from ..storage.lookup import use_plan

            use_plan(conn, settings.plan or None)
        if setup and not chosen():  # no --lang, no TASKLIST_LANG: the plan's own language
            from ..storage.lookup import current_plan

            chosen_plan = current_plan(conn)
            follow_plan(chosen_plan.lang if chosen_plan else None)
        yield conn
    finally:
        conn.close()


def resolve_as_of(text: str | None, conn: Any) -> date:
    from ..dates import DEFAULT_TIMEZONE, parse_date, today
    from ..storage.lookup import current_plan

    if text:
        return parse_date(text)
    plan = current_plan(conn)
    return today(plan.timezone if plan else DEFAULT_TIMEZONE)


def agency_named(conn: Any, text: str) -> Any:
    """The agency a user named (:func:`tasklist.storage.lookup.resolve_agency`). When the name was
    taken for an agency it does not name exactly (福州 for 福州市人民政府), one line on stderr says so."""
    from ..messages import t
    from ..storage.lookup import resolve_agency

    agency = resolve_agency(conn, text)
    if agency.taken_from is not None:
        sys.stderr.write(visible(t("registry.agency_taken_as", text=agency.taken_from, name=agency.name)) + "\n")
    return agency


def labels() -> Any:
    from ..i18n import Labels

    return Labels()


def dumps(data: Any) -> str:
    """JSON for standard output: UTF-8 text, with any character :mod:`tasklist.text` refuses (in text
    stored before that rule) written as a \\u escape, so none reaches the terminal raw."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_json(data: Any) -> None:
    sys.stdout.write(dumps(data) + "\n")


_STR_TEXT: dict[str, str] = {}


def _str_text(value: str) -> str:
    """A string as :func:`dumps` writes it (quoted, escaped, refused characters as \\u escapes).
    Kept for the values a listing repeats (agencies, dates, statuses): the escaping regex costs
    more than everything else in a row. The escaping is per character, so a row's text is the
    same whether its strings are escaped one by one or all together."""
    text = _STR_TEXT.get(value)
    if text is None:
        text = json_safe(_encode_str(value))
        if len(value) <= 64:
            if len(_STR_TEXT) >= 50_000:
                _STR_TEXT.clear()
            _STR_TEXT[value] = text
    return text


def _scalar(value: Any) -> str | None:
    """``value`` as json.dumps writes it, for the types a listing row holds; None for any other."""
    kind = type(value)
    if kind is str:
        return _str_text(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    return None


def _row_text(row: Any) -> str:
    """One row of a JSON list as :func:`dumps` indents it inside the list. A flat dict of strings,
    numbers, booleans, nulls and lists of those is written here, without the pure-Python indenting
    encoder json.dumps falls back to (most of a 1M-row listing's time); anything else goes through it."""
    if type(row) is dict and row:
        parts = []
        for key, value in row.items():
            text = _scalar(value)
            if text is None:
                if type(value) is not list:
                    break
                if value:
                    texts = [_scalar(v) for v in value]
                    if None in texts:
                        break
                    text = "[\n      " + ",\n      ".join(texts) + "\n    ]"  # type: ignore[arg-type]
                else:
                    text = "[]"
            if type(key) is not str:
                break
            parts.append(f"{_str_text(key)}: {text}")
        else:
            return "{\n    " + ",\n    ".join(parts) + "\n  }"
    return dumps(row).replace("\n", "\n  ")


#: the C encoder with a line break between values: a line break never stands raw in the JSON text of a
#: value (inside a string it is written \n), so the text splits back into one piece per value on that one
#: byte, which bytes.split finds with memchr; the two bytes ",\n" were searched for at ~2 ns a byte of
#: UTF-8 Chinese text (a batch of 100 titles: 67 -> 42 us)
_encode_lines = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=("\n", ": ")).encode


def _values_text(values: list[Any]) -> list[bytes]:
    """Each of ``values`` (strings, numbers, booleans, nulls) as :func:`dumps` writes it, in UTF-8, by
    one call of json's C encoder."""
    return json_safe(_encode_lines(values)[1:-1]).encode().split(b"\n") if values else []


#: the C encoder for a list of lists, each list's values one per line as :func:`dumps` indents them
#: inside a row of a list; "],\n      [" then stands only between two lists (a value never ends in "]")
_encode_lists = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",\n      ", ": ")).encode
_SCALARS = {str, int, float, bool, type(None)}


def _lists_text(lists: list[Any]) -> list[bytes] | None:
    """Each of ``lists`` (lists of strings, numbers, booleans, nulls) as :func:`dumps` indents it as a
    value of a row of a list, in UTF-8, by one call of json's C encoder; None if any is not such a list."""
    if set(map(type, lists)) != {list} or not set(map(type, chain.from_iterable(lists))) <= _SCALARS:
        return None
    inner = json_safe(_encode_lists(lists))[2:-2].encode().split(b"],\n      [")
    return [b"[\n      " + text + b"\n    ]" if text else b"[]" for text in inner]


#: the text around a list's values and between them, as :func:`dumps` indents a list inside a row of a list
_LIST_OPEN, _LIST_SEP, _LIST_CLOSE = b"[\n      ", b",\n      ", b"\n    ]"


class _NotAString(Exception):
    """A value of a list that :class:`_StrTexts` does not write (any but a string)."""


class _StrTexts(dict[Any, bytes]):
    """The text of each string in the lists of a listing (list --json's agency names: a hundred or so, in
    235k places at 100k items), as :func:`_values_text` writes it, made and checked for refused characters
    the first time it is seen; any other value is refused (:class:`_NotAString`)."""

    def __missing__(self, value: Any) -> bytes:
        if type(value) is not str:
            raise _NotAString
        if len(self) >= 200_000:  # strings that do not repeat after all
            self.clear()
        self[value] = text = _values_text([value])[0]
        return text


def _string_lists_text(lists: list[Any], strings: _StrTexts) -> list[bytes] | None:
    """:func:`_lists_text` of lists of strings, each joined from the remembered texts of its strings
    (``strings``) rather than encoded and checked for refused characters with every batch (the lists of
    a batch of list --json: ~2.5x faster); None if any is not a list or holds anything but strings."""
    if set(map(type, lists)) != {list}:
        return None
    get = strings.__getitem__
    try:
        return [_LIST_OPEN + _LIST_SEP.join(map(get, values)) + _LIST_CLOSE if values else b"[]" for values in lists]
    except _NotAString:
        return None


def _string_lists_beside(lists: list[Any], strings: _StrTexts, beside: list[Any],
                         beside_texts: list[bytes]) -> list[bytes] | None:
    """:func:`_string_lists_text` of ``lists``, where ``beside`` holds another key's lists of strings
    of the same rows and ``beside_texts`` their texts: a list equal to the one beside it (so a list
    of the same strings) takes its text. list --json's assignees are its agencies in 98 % of the
    items (no part through a group)."""
    if set(map(type, lists)) != {list}:
        return None
    other = [at for at, (mine, theirs) in enumerate(zip(lists, beside)) if mine != theirs]
    texts = list(beside_texts)
    if other:
        made = _string_lists_text([lists[at] for at in other], strings)
        if made is None:
            return None
        for at, made_text in zip(other, made):
            texts[at] = made_text
    return texts


class _Texts(dict[Any, bytes]):
    """The text of each value of one key of a listing, as :func:`_values_text` writes it, made the first
    time the value is seen: for the keys whose values repeat (history's statuses, agencies, dates), a
    batch's texts are looked up instead of encoded, checked for refused characters and split again."""

    def __missing__(self, value: Any) -> bytes:
        text = _values_text([value])[0]
        # only a string or None is remembered: no other type's value equals one (1 == 1.0 == True do)
        if type(value) is str or value is None:
            if len(self) >= 200_000:  # a key whose values do not repeat after all
                self.clear()
            self[value] = text
        return text


class _NamedTexts(dict[Any, bytes]):
    """The text of the name of each id of one key of a listing (``names``: id -> name), as
    :func:`_values_text` writes the name: all of them made at once by one call of the encoder; an id
    not in ``names`` when it is given (looked up there, by its ``__missing__``) made when it comes.

    When the ids given are ints from 0 to a bound near their count (a table's ids), their texts are
    kept in a list at the index of their id instead (``by_id``), and :meth:`column` looks a batch's ids
    up there: history --json at 100k looks 1M item ids up among 100k codes, which as dict lookups
    (each id a new int, hashed and compared with the key it finds) cost ~0.8 s of CPU and as list
    indexing ~0.3 s. Any other id (negative, beyond the list, a hole in it, not an int) is looked up
    in the dict, as before."""

    def __init__(self, names: Mapping[Any, str]) -> None:
        ids, texts = list(names), _values_text(list(names.values()))
        self.by_id: list[bytes | None] = []
        if ids and set(map(type, ids)) == {int} and min(ids) >= 0 and max(ids) <= 2 * len(ids) + 1024:
            super().__init__()
            self.by_id = [None] * (max(ids) + 1)
            for at, text in zip(ids, texts):
                self.by_id[at] = text
        else:
            super().__init__(zip(ids, texts))
        self.names = names

    def __missing__(self, key: Any) -> bytes:
        self[key] = text = _values_text([self.names[key]])[0]
        return text

    def column(self, ids: Sequence[Any]) -> list[bytes]:
        """The texts of ``ids`` (one column of a batch), in their order."""
        by_id = self.by_id
        if by_id:
            try:
                if min(ids) >= 0:  # a negative index would count from the list's end
                    texts = list(map(by_id.__getitem__, ids))
                    if None not in texts:
                        return texts  # type: ignore[return-value]
            except (IndexError, TypeError):  # beyond the list, or not an int
                pass
        return list(map(self.__getitem__, ids))


def _records_text(keys: tuple[str, ...], rows: list[Sequence[Any]], lists: tuple[str, ...] = (),
                  texts: Mapping[str, dict[Any, bytes]] | None = None, strings: _StrTexts | None = None) -> bytes | None:
    """``rows`` (sequences of values, in the order of ``keys``) as :func:`dumps` indents the dicts
    ``keys`` -> values inside a list, joined by ",\n  ", in UTF-8; None unless every value is a string,
    number, boolean or null, or for a key in ``lists`` a list of those. Values outside ``lists`` are
    never a list or a dict (rows from a database, ItemState.values). The values of a key in ``texts``
    are looked up there (:class:`_Texts`, :class:`_NamedTexts`), and the strings of the lists in
    ``strings`` (:class:`_StrTexts`), if given.

    Every other value is encoded by json's C encoder, a batch of rows at a time (the lists by a second
    call), put between the text around it by slice assignments, and the batch joined: no dict and no
    Python call per value (history --json writes a million rows, list --json 100k). The pieces are
    UTF-8 bytes, each encoded where it is made (a value remembered in ``texts`` once): the joined text
    is not widened to the width of its widest character, nor encoded again as a whole for the output."""
    n = len(keys)
    if set(map(len, rows)) != {n}:
        return None
    layout = _batch_layout(keys, len(rows))
    text = [b""] * (2 * len(layout) - 1)  # the layout's pieces, each value between two of them
    text[0::2] = layout
    try:  # the encoder refuses any type it cannot write itself
        if not lists and not texts:
            text[1::2] = _values_text(list(chain.from_iterable(rows)))
        elif texts:
            columns = list(zip(*rows))
            for at, key in enumerate(keys):
                if key in texts:
                    known = texts[key]
                    text[2 * at + 1::2 * n] = (known.column(columns[at]) if type(known) is _NamedTexts
                                               else map(known.__getitem__, columns[at]))
            for at, key in enumerate(keys):  # a column at a time: most hold only ASCII, which json_safe need not scan
                if key not in texts and key not in lists:
                    text[2 * at + 1::2 * n] = _values_text(list(columns[at]))
        else:
            scalar_at = [at for at, key in enumerate(keys) if key not in lists]
            if len(scalar_at) < 2:  # itemgetter of one key gives the value itself
                return None
            scalars = _values_text(list(chain.from_iterable(map(itemgetter(*scalar_at), rows))))
            for j, at in enumerate(scalar_at):
                text[2 * at + 1::2 * n] = scalars[j::len(scalar_at)]
        beside: tuple[list[Any], list[bytes]] | None = None  # a key's lists of strings, and their texts
        for at, key in enumerate(keys):
            if key in lists:
                column, texts_of = [row[at] for row in rows], None
                if strings is not None:
                    texts_of = (_string_lists_text(column, strings) if beside is None
                                else _string_lists_beside(column, strings, *beside))
                    if beside is None and texts_of is not None:
                        beside = column, texts_of
                if texts_of is None:
                    texts_of = _lists_text(column)
                if texts_of is None:
                    return None
                text[2 * at + 1::2 * n] = texts_of
    except TypeError:  # bytes, a date: written the general way
        return None
    return b"".join(text)


@functools.lru_cache(maxsize=8)
def _batch_layout(keys: tuple[str, ...], count: int) -> tuple[bytes, ...]:
    """The text of ``count`` records of :func:`_records_text` around their values, in pieces that go
    between two values: a batch is joined once, rather than formatted (the record writer ~8 % faster)."""
    named = [f"{_str_text(key)}: " for key in keys]
    record = [(",\n    " + key).encode() for key in named[1:]] + [("\n  },\n  {\n    " + named[0]).encode()]
    layout = [("{\n    " + named[0]).encode()] + record * count
    layout[-1] = b"\n  }"
    return tuple(layout)


#: rows a batch of print_json_records: the strings of a batch (100 records of history: ~40k characters) stay under
#: malloc's mmap threshold (128 KiB), so their memory is reused instead of mapped and faulted in afresh
#: for every batch (history --json at 100k, batches of 1000: 274k page faults, 1.1 s system time; of
#: 100: 5k, 0.45 s)
_RECORDS_BATCH = 100


def _utf8_writer(out: Any) -> Callable[[bytes], Any]:
    """A function writing UTF-8 text to ``out`` (a text stream) as ``out.write`` of that text would:
    straight to the bytes beneath it when it writes UTF-8 with no line-end translation (what was
    written to it before is flushed first), else decoded and written through it."""
    import codecs

    buffer = getattr(out, "buffer", None)
    try:
        utf8 = codecs.lookup(out.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        utf8 = False
    if buffer is None or not utf8 or os.linesep != "\n":
        return lambda data: out.write(data.decode())
    out.flush()
    return buffer.write


def print_json_records(keys: tuple[str, ...], rows: Any, lists: tuple[str, ...] = (),
                       repeated: tuple[str, ...] = (), named: Mapping[str, Mapping[Any, str]] | None = None) -> None:
    """The same text as print_json_list of one dict per row (``keys`` -> the row's values), for rows
    that are sequences of values (history --json writes a million of them); the values of the keys
    in ``lists`` are lists (list --json's agencies and assignees); those of the keys in ``repeated``
    are few and recur (history's statuses, agencies, dates): each one's text is made once. A key in
    ``named`` stands in the rows for its value's id: the value written is ``named[key][id]``, a
    string (history's item codes and agencies, by the ids of their rows)."""
    out = sys.stdout
    written: list[Callable[[bytes], Any]] = []

    def write(data: bytes) -> None:
        if not written:  # after the first batch is read: what the rows' reading writes comes first
            written.append(_utf8_writer(out))
        written[0](data)

    first = _write_records(write, keys, rows, lists, repeated, named, True)
    if not written:
        written.append(_utf8_writer(out))
    written[0](b"[]\n" if first else b"\n]\n")


def _write_records(write: Callable[[bytes], Any], keys: tuple[str, ...], rows: Any, lists: tuple[str, ...],
                   repeated: tuple[str, ...], named: Mapping[str, Mapping[Any, str]] | None, first: bool) -> bool:
    """The records of :func:`print_json_records` given to ``write`` a batch at a time, the first one
    after "[\n  " if ``first``, each other after ",\n  "; no end. Whether none was written."""
    named = named or {}
    texts: dict[str, dict[Any, bytes]] = {key: _Texts() for key in repeated if key not in lists and key not in named}
    texts.update((key, _NamedTexts(names)) for key, names in named.items())
    strings = _StrTexts() if lists else None
    while batch := list(islice(rows, _RECORDS_BATCH)):
        text = _records_text(keys, batch, lists, texts, strings)
        if text is None:
            text = ",\n  ".join(_row_text({key: named[key][value] if key in named else value
                                            for key, value in zip(keys, row)}) for row in batch).encode()
        # one write with the text before it: a write that fails (a full disk, an encoding the stream
        # lacks) leaves no "[" behind it, on stdout or in its buffer for the exit to write again
        write(b"".join((b"[\n  " if first else b",\n  ", text)))
        first = False
    return first


def print_json_halves(conn: Any, keys: tuple[str, ...], rows_of: Callable[[Any, tuple[bool, Any] | None], Any],
                      split_at: Callable[[Any], Any], lists: tuple[str, ...] = (), repeated: tuple[str, ...] = (),
                      named: Mapping[str, Mapping[Any, str]] | None = None) -> None:
    """:func:`print_json_records` of ``rows_of(conn, None)``, the rows of a listing in its own order;
    for a long listing, in two halves at once on two processors. ``split_at(conn)`` gives a value of
    the listing's sort key that parts it near its middle (None: too short to pay, see its callers);
    ``rows_of(conn, (False, at))`` then gives the rows before it, ``rows_of(conn, (True, at))`` the
    rest. This process writes the first half to stdout while a forked worker writes the second to an
    unlinked temporary file, which is then copied after it: the same bytes as one process writes.

    No connection crosses the fork: ``conn`` is closed before it, and each process opens its own
    after it (:func:`_reopen`); ``named`` is read once, before it. This process kills the worker and
    reaps it on any failure of its own or interruption (Ctrl-C, a closed pipe). The worker only saves
    time: where it did not end well (its own failure, a full temporary directory, a signal), its
    file is dropped and this process writes the second half itself, so that the command fails only
    where one process would, with the error one process reports. One process where it cannot be
    done so: no fork (or macOS), a transaction or another thread open, stdout not UTF-8 bytes on a
    file descriptor, no temporary file."""
    spill = _halves_spill(conn)
    at = split_at(conn) if spill is not None else None
    if at is None:
        if spill is not None:
            spill.close()
        print_json_records(keys, rows_of(conn, None), lists, repeated, named)
        return
    assert spill is not None
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    # SQLite: no connection crosses the fork (a lock the parent's holds would be the child's to think it
    # holds); each process opens its own after it. PostgreSQL: this process keeps its own, so that a
    # server or role with no second connection to give leaves it the one it had, the worker failing in
    # its place (then this process writes its half, as below); the worker leaves the parent's alone
    reopen = conn.dialect == "sqlite"
    if reopen:
        conn.close()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:  # no process to be had (EAGAIN, ENOMEM): one process, as where there is no fork
        spill.close()
        if reopen:
            _reopen(conn)
        print_json_records(keys, rows_of(conn, None), lists, repeated, named)
        return
    if pid == 0:  # the worker: the second half into the spill, then out without the parent's exit handlers
        os._exit(_write_second_half(conn, parent, spill, keys, rows_of, at, lists, repeated, named))
    try:
        if reopen:
            _reopen(conn)
        write = _utf8_writer(sys.stdout)
        none = _write_records(write, keys, rows_of(conn, (False, at)), lists, repeated, named, True)
        _, status = os.waitpid(pid, 0)
        pid = 0
        if status:  # the worker's half not written: written here, as one process writes it
            none = _write_records(write, keys, rows_of(conn, (True, at)), lists, repeated, named, none)
            write(b"[]\n" if none else b"\n]\n")
            return
        size = spill.seek(0, os.SEEK_END)
        if none and not size:
            write(b"[]\n")
            return
        # the worker's records each come after ",\n  ": the first of them opens the list if this half had none
        if none:
            write(b"[\n  ")
        sys.stdout.flush()
        _copy_out(spill, 4 if none else 0, size)
        write(b"\n]\n")
    finally:
        if pid:  # this half failed or was interrupted: the worker is stopped, not awaited
            # unless it was reaped already (an interruption between waitpid's return and the line after
            # it): a child not yet reaped keeps its pid, so the one killed is ours
            with suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
        spill.close()


#: the temporary file's directory in :func:`print_json_halves` (None: tempfile's own choice); for tests
HALVES_DIR: str | None = None


def _halves_spill(conn: Any) -> Any:
    """The unlinked temporary file the worker of :func:`print_json_halves` writes, or None where the
    listing cannot be written in two processes."""
    import threading

    # macOS: a fork without exec is unsafe once its system libraries have started (libpq's may have)
    if not hasattr(os, "fork") or sys.platform == "darwin" or conn.in_transaction() or threading.active_count() > 1:
        return None
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    try:  # the bytes written straight to the buffer beneath stdout, as _utf8_writer does, and a descriptor under it
        import codecs

        if buffer is None or codecs.lookup(out.encoding).name != "utf-8" or os.linesep != "\n":
            return None
        buffer.fileno()
    except (AttributeError, LookupError, TypeError, OSError, ValueError):
        return None
    import tempfile

    try:
        return tempfile.TemporaryFile(prefix="tasklist-", dir=HALVES_DIR)
    except OSError:
        return None


#: in a worker of :func:`print_json_halves`, the connection it inherited (see there)
_INHERITED: list[Any] = []


def _write_second_half(conn: Any, parent: int, spill: Any, keys: tuple[str, ...],
                       rows_of: Callable[[Any, tuple[bool, Any] | None], Any], at: Any, lists: tuple[str, ...],
                       repeated: tuple[str, ...], named: Mapping[str, Mapping[Any, str]] | None) -> int:
    """The worker of :func:`print_json_halves`: its exit status, 0 when its whole half is in ``spill``.
    Its failure is not told: the parent then writes that half itself, and meets the failure if it is
    the database's. It ends with ``parent``, whatever ends that (SIGKILL, SIGTERM: no ``finally`` of
    the parent's runs then), rather than read on for nobody."""
    # PostgreSQL: the parent's session, never used here nor closed: its object kept until os._exit, which
    # runs no finalizer (freed, libpq would send the server the end of the parent's session)
    _INHERITED.append(conn.raw)
    try:
        _dies_with(parent)
        _reopen(conn)
        try:
            _write_records(spill.write, keys, rows_of(conn, (True, at)), lists, repeated, named, False)
            spill.flush()
        finally:
            conn.close()  # the worker's own connection (PostgreSQL: the server sees it end)
        return 0
    except BaseException:  # noqa: BLE001  (the parent writes the half instead)
        return 1


def _dies_with(parent: int) -> None:
    """This process (a worker) killed when ``parent`` ends: Linux's parent-death signal, and the parent
    asked after it is set, in case it ended before."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        raise ProcessLookupError(parent)


def _copy_out(spill: Any, start: int, end: int) -> None:
    """Bytes ``start`` to ``end`` of ``spill`` written to stdout's descriptor (its buffer flushed before)."""
    out = sys.stdout.buffer.fileno()
    at = start
    try:
        while at < end:
            sent = os.sendfile(out, spill.fileno(), at, end - at)
            if not sent:
                break
            at += sent
    except OSError as exc:
        import errno

        if exc.errno not in (errno.EINVAL, errno.ENOSYS):  # a descriptor sendfile does not take: copied below
            raise
    if at < end:
        spill.seek(at)
        while at < end and (chunk := spill.read(min(1 << 20, end - at))):
            at += len(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(out, view):]


def _reopen(conn: Any) -> None:
    """``conn`` given a connection of its own to its database, seeing the plan it saw (lookup.same_plan)."""
    from ..storage.connection import connect
    from ..storage.lookup import same_plan

    conn.raw = connect(conn.url, create=False).raw
    same_plan(conn, conn)


def print_json_list(rows: Any) -> None:
    """The same text as print_json(list(rows)), written a batch of rows at a time: a 100k-row listing
    never sits in memory as one string."""
    out = sys.stdout
    first = True
    batch: list[str] = []
    for row in rows:
        batch.append("[\n  " if first else ",\n  ")
        batch.append(_row_text(row))
        first = False
        if len(batch) >= 2000:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))
    out.write("[]\n" if first else "\n]\n")


def keep_to_the_end() -> None:
    """Everything the command has built so far stays alive until it ends (a plan's judged items and
    parts: over a million objects at 100k items): Python's cycle collector leaves it out of its later
    passes, which would walk it again once a generation and find nothing to free (a third of `overdue
    --all`'s time at 100k). For a command's own process only; the library never does this, and what
    is built afterwards (a workbook an agency) is collected as before."""
    import gc

    gc.freeze()


@contextmanager
def built_to_keep() -> Iterator[None]:
    """Within: the command builds what it keeps to the end (a report's judged plan) with the cycle
    collector off; at the end of the block, :func:`keep_to_the_end`, and only then the collector on
    again. Turned on before the freeze, the collector would start on the next allocation a pass over
    everything just built, which the library's own pause leaves young (0.1 s at 100k items). Given
    back as it was if the block fails (nothing is frozen then)."""
    from ..collector import collector_off

    with collector_off():
        yield
        keep_to_the_end()


def console() -> Any:
    from ..output.terminal import console as terminal

    return terminal()


def screen_limit(show_all: bool) -> int | None:
    """Rows that fit one screen of human output (None: everything)."""
    if show_all:
        return None
    return max(10, shutil.get_terminal_size((80, 24)).lines - 6)


def parse_day(text: str | None) -> date | None:
    from ..dates import parse_date

    return parse_date(text) if text else None


#: a report file's format from the name given with --out
OUT_EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".xlsx": "xlsx", ".json": "json"}


def report_format(fmt: str | None, out: str | None, json_: bool, formats: tuple[str, ...]) -> tuple[str | None, bool]:
    """(format, json) of a report: --format if given (one of ``formats``: the weekly report's md and
    html, or the scorecard's md, html and xlsx), else the --out file's extension, else the terminal (None)."""
    from pathlib import PurePath

    from ..errors import BadInput

    scorecard = "xlsx" in formats
    if fmt is not None and fmt not in formats:
        raise BadInput("scorecard.bad_format" if scorecard else "report.bad_format", fmt=fmt)
    if fmt is None and out is not None and not json_:
        fmt = OUT_EXTENSIONS.get(PurePath(out).suffix.lower())
        if fmt is None or (fmt != "json" and fmt not in formats):
            raise BadInput("scorecard.unknown_extension" if scorecard else "report.unknown_extension",
                           name=visible(PurePath(out).name))
        json_ = fmt == "json"
        fmt = None if json_ else fmt
    return fmt, json_
