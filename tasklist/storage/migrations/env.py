"""Alembic's environment for developers' commands (``alembic -c alembic.ini check``, ``revision
--autogenerate``) against $TASKLIST_DB. tasklist itself migrates without it: see storage/schema.py."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import tasklist.storage.models  # noqa: F401  (registers the tables)
from tasklist.storage.connection import resolve_url

url = context.config.get_main_option("sqlalchemy.url") or resolve_url()
url = url.replace("postgresql://", "postgresql+psycopg://", 1)
with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
