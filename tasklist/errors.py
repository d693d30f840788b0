"""Typed errors raised by the library; the CLI turns each into one line and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


class TasklistError(Exception):
    """Base class. ``exit_code`` 1 means an operational failure, 2 bad input."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

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


@dataclass(frozen=True)
class Problem:
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
        count = len(self.problems)
        super().__init__(f"registry refused: {count} problem{'s' if count != 1 else ''}")


class DatabaseError(TasklistError):
    """The database cannot be opened, is locked, or has an unusable schema."""
