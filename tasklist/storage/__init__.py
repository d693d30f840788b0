"""Storage: connections (both engines), the schema (SQLModel) and its migrations, loading a registry,
lookups, and the one writer. Nothing here prints."""
