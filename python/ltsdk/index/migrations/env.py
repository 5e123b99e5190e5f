"""Alembic's entry point for the indexer's migrations: run on the connection that
ltsdk.index.db.migrate() hands over (or on `sqlalchemy.url` when alembic's own command line runs it)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ltsdk.index.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the indexer's migrations run online only (ltsdk index applies them on start)")
run_migrations_online()
