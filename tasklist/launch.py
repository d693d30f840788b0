"""The ``tasklist`` program (its console script, and ``python -m tasklist``): the command line,
its modules loaded with Python's cycle collector off.

Importing typer, click and Rich makes tens of thousands of objects (modules, classes, functions)
that live as long as the process; the collector, started every 700 new objects, walks them again
and again and frees nothing (about 7 % of a screenful report's instructions). Here it is
off while they load; then what is loaded is frozen (never walked again, by a later pass or by the
last one at exit) and the collector is on again before the command runs, as it is for any caller
of :func:`tasklist.cli.main`. Importing :mod:`tasklist.cli` itself (the tests, the docs) changes
nothing."""

from __future__ import annotations

import gc

gc.disable()
from .cli import main as _cli_main  # noqa: E402  (after the collector is off: that is the point)


def main(prog_name: str | None = None) -> None:
    gc.freeze()
    gc.enable()
    _cli_main(prog_name=prog_name)
