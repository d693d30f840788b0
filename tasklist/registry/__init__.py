"""The registry: YAML files naming a plan, its agencies and its items, read with positions.

``registry.names`` (the shapes of ids and addresses) is light and used on every command's path;
the reader loads on first use, so that importing ``registry.names`` does not pay for it."""

from __future__ import annotations

from typing import Any

from .names import normalize_code, valid_email

_READER = ("AgencySpec", "ItemSpec", "PlanSpec", "Registry", "bundled_data_dir", "read_registry", "registry_files")
__all__ = ["AgencySpec", "ItemSpec", "PlanSpec", "Registry", "bundled_data_dir", "normalize_code", "read_registry",
           "registry_files", "valid_email"]


def __getattr__(name: str) -> Any:
    if name not in _READER:
        raise AttributeError(f"module 'tasklist.registry' has no attribute {name!r}")
    from . import reader

    return getattr(reader, name)
