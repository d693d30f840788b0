"""The registry: YAML files naming a plan, its agencies and its items, read with positions."""

from __future__ import annotations

from .names import normalize_code, valid_email
from .reader import AgencySpec, ItemSpec, PlanSpec, Registry, bundled_data_dir, read_registry, registry_files

__all__ = ["AgencySpec", "ItemSpec", "PlanSpec", "Registry", "bundled_data_dir", "normalize_code", "read_registry",
           "registry_files", "valid_email"]
