"""tasklist: who owes what, by when, under a published work plan.

The Python API, for use without the command line::

    from datetime import date
    import tasklist

    conn = tasklist.open_db("sqlite:///plan.db")          # created and loaded on first use
    items = tasklist.snapshot(conn, date(2026, 11, 23))   # every item and assignment, with status
    late = tasklist.overdue_groups(conn, items)           # {agency: [overdue assignments]}
    card = tasklist.scorecard(conn, tasklist.Quarter(2026, 3))  # the quarter's 考评, agency by agency

The schema is there as SQLModel classes (``tasklist.Item``, ``tasklist.StatusUpdate``, …) for ORM
access. Heavy modules load on first use, so ``import tasklist`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "open_db": "storage.schema", "apply_registry": "storage.load",
    "resolve_agency": "storage.lookup", "resolve_item": "storage.lookup",
    "read_registry": "registry", "bundled_data_dir": "registry",
    "snapshot": "reports.facts", "filter_items": "reports.facts", "overdue_groups": "reports.facts",
    "agency_assignments": "reports.facts", "summarize": "reports.facts", "history": "reports.views",
    "scorecard": "reports.scorecard", "Quarter": "scoring",
    "record_update": "storage.writes", "undo": "storage.writes", "extend": "storage.writes",
    "parse_date": "dates", "TasklistError": "errors", "BadInput": "errors", "RegistryError": "errors",
    "NotFound": "errors", "DatabaseError": "errors",
    # the schema, as SQLModel classes (importing one loads SQLAlchemy: ~0.3 s)
    **{name: "storage.models" for name in ("Plan", "Agency", "AgencyAlias", "AgencyMember", "Item", "Assignment",
                                           "StatusUpdate", "Extension", "LoadLog", "ReminderLog", "ImportLog")},
}
__all__ = sorted(_EXPORTS)  # noqa: PLE0605  (a list, built from the table above)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tasklist' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"tasklist.{module}"), name)
