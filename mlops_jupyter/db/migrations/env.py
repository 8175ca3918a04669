"""Alembic environment: migrations run on the connection ``db.upgrade`` hands over."""

from alembic import context

from mlops_jupyter.db import job_tables  # noqa: F401 - registers the job store's tables
from mlops_jupyter.db.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
