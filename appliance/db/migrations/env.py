"""Alembic environment: migrations run on a plain (sync) SQLite connection handed in by appliance.db.migrate."""

from __future__ import annotations

from alembic import context

from appliance.db.migrations.env_support import include_name
from appliance.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` run by hand without our runner
    raise RuntimeError("Run migrations through `minimarket db upgrade`.")


context.configure(
    connection=connection,
    include_name=include_name,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
