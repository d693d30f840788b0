"""tasklist: who owes what, by when, under a published work plan.

The Python API, for use without the command line::

    from datetime import date
    import tasklist

    conn = tasklist.open_db("sqlite:///plan.db")          # created and loaded on first use
    items = tasklist.snapshot(conn, date(2026, 11, 23))   # every item and assignment, with status
    late = tasklist.overdue_groups(conn, items)           # {agency: [overdue assignments]}

Heavy modules load on first use, so ``import tasklist`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "open_db": "store", "apply_registry": "store", "resolve_agency": "store", "resolve_item": "store",
    "read_registry": "registry", "bundled_data_dir": "registry",
    "snapshot": "reports", "filter_items": "reports", "overdue_groups": "reports", "agency_assignments": "reports",
    "summarize": "reports", "history": "reports",
    "record_update": "tracking", "undo": "tracking", "extend": "tracking",
    "parse_date": "dates", "TasklistError": "errors", "BadInput": "errors", "RegistryError": "errors",
    "NotFound": "errors", "DatabaseError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tasklist' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"tasklist.{module}"), name)
