"""Python's cycle collector, paused while a command builds objects that all stay alive.

Reading a registry, judging a plan and building a report's messages make millions of small objects
that live to the end: the collector, started every few hundred allocations, walks them again and
again and frees nothing. No imports beyond the standard library."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_off() -> Iterator[None]:
    """Within: the cycle collector off. After, even on an error: as it was before (on again only if it
    was on, so a block inside another leaves it off for the outer one)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
