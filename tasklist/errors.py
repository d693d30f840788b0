"""Typed errors raised by the library; the CLI turns each into one line and an exit code."""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
from typing import NamedTuple


class TasklistError(Exception):
    """Base class. ``exit_code`` 1 means an operational failure, 2 bad input.

    ``key`` names the message in the catalogue (:mod:`tasklist.messages`) and ``fields`` fill it in;
    ``hint`` is the key of a second line that says what to do. The words are looked up when shown,
    in the language of the one reading."""

    exit_code = 1

    def __init__(self, key: str, /, *, hint: str | None = None, **fields: object) -> None:
        from .messages import entry

        entry(key)  # a key missing from the catalogue fails here, where it is raised
        if hint is not None:
            entry(hint)
        super().__init__(key)
        self.key = key
        self.hint_key = hint
        self.fields = fields

    @property
    def message(self) -> str:
        from .messages import t

        return t(self.key, **self.fields)

    @property
    def hint(self) -> str | None:
        from .messages import t

        return t(self.hint_key, **self.fields) if self.hint_key else None

    def __str__(self) -> str:
        return self.message

    @property
    def code(self) -> str:
        return type(self).__name__


class BadInput(TasklistError):
    """Something the user typed or supplied is wrong."""

    exit_code = 2


class NotFound(BadInput):
    """An item, agency or update that does not exist."""


class Ambiguous(BadInput):
    """A name that matches more than one thing."""


class Conflict(BadInput):
    """A write the database refused because the same thing was recorded already (a unique key)."""


class Forbidden(BadInput):
    """The shared database refused a write that the user's role may not make."""


class InvalidDate(BadInput):
    """A date that cannot be parsed or does not exist."""


class Problem(NamedTuple):
    """One thing wrong with a registry file, with where it is."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.field}: {self.message}"


class RegistryError(BadInput):
    """The registry files are invalid. Every problem found is in ``problems``."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        super().__init__("error.registry_refused", count=len(self.problems))


class DatabaseError(TasklistError):
    """The database cannot be opened, is locked, or has an unusable schema."""


def os_reason(exc: OSError) -> str:
    """Why the system refused, in the reader's language (the system's own words when not catalogued)."""
    import errno

    from .messages import t

    if exc.errno == errno.ENAMETOOLONG:
        return t("error.reason_too_long")
    try:
        return t(f"error.reason_{errno.errorcode.get(exc.errno or 0, '')}")
    except KeyError:
        text = exc.strerror or str(exc)
        return text[:1].lower() + text[1:]
