"""What ``@dataclass`` gives a class (its ``repr`` and ``==``), for the mutable records every
report builds, which write their own ``__init__``.

``@dataclass`` writes a class's methods as source text and compiles it each time the module is
imported: about 1 ms a class, on the start-up of every report (and ``slots=True`` makes the class
twice). A class written out costs nothing beyond its module's cached bytecode. The read-only
records are NamedTuples (see :mod:`tasklist.storage.lookup`)."""

from __future__ import annotations

from typing import ClassVar


class Record:
    """A base for a record whose fields are :attr:`FIELDS`, in order: ``repr`` as a dataclass's
    (without the fields in :attr:`HIDDEN`), ``==`` field by field with a record of the same class,
    unhashable (a dataclass with ``==`` and not frozen is)."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()
    HIDDEN: ClassVar[frozenset[str]] = frozenset()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS if name not in self.HIDDEN)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(getattr(self, name) for name in self.FIELDS) == tuple(getattr(other, name) for name in self.FIELDS)

    __hash__: ClassVar[None] = None  # type: ignore[assignment]
