"""The ``tasklist`` program (its console script, and ``python -m tasklist``): the command line,
its modules loaded with Python's cycle collector off, and the process left without tearing them down.

Importing typer, click and Rich makes tens of thousands of objects (modules, classes, functions)
that live as long as the process; the collector, started every 700 new objects, walks them again
and again and frees nothing (about 7 % of a screenful report's instructions). Here it is off while
they load; then what is loaded is frozen (never walked again) and the collector is on again before
the command runs, as it is for any caller of :func:`tasklist.cli.main`, but started every 50,000 new
objects rather than 700: a report's own modules and rows (a few tens of thousands) are then walked
at most once or twice, and a long command's garbage is still freed (its large builds pause the
collector anyway; see :mod:`tasklist.collector`).

When the command is over, tearing the interpreter down (every module's dictionary cleared, the
last collection) is another ~4 % of a screenful report, and changes nothing anyone sees: the
program runs the exit handlers, flushes its output and ends there (:func:`_leave`). Importing
:mod:`tasklist.cli` itself (the tests, the docs) changes nothing."""

from __future__ import annotations

import gc
import os
import sys

#: new objects between two passes of the collector over the young ones, in the program (Python's default: 700)
YOUNG = 50_000

gc.disable()
from .cli import main as _cli_main  # noqa: E402  (after the collector is off: that is the point)


def main(prog_name: str | None = None) -> None:
    gc.freeze()
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    gc.enable()
    try:
        _cli_main(prog_name=prog_name)
    except SystemExit as done:
        code = 0 if done.code is None else done.code
        if isinstance(code, int):
            _leave(code)
        raise  # Python's own exit: it prints a message given as the code, or an output it cannot flush


def _leave(code: int) -> None:
    """End the process with ``code`` as Python's exit would, less the teardown: the exit handlers
    run (atexit, pending finalizers) and standard output and error are flushed first. Returns, for
    the usual exit, while another thread runs (Python would wait for it) or when an output cannot
    be flushed (Python says so, as it always has)."""
    threading = sys.modules.get("threading")
    if threading is not None and any(t is not threading.main_thread() and not t.daemon and t.is_alive()
                                     for t in threading.enumerate()):
        return
    if not _flushed():
        return
    import atexit

    atexit._run_exitfuncs()
    if _flushed():
        os._exit(code)


def _flushed() -> bool:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: BLE001  (whatever it is, the usual exit reports it)
            return False
    return True
