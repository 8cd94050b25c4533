"""Alembic environment: runs on the connection handed in by brokerguard.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from brokerguard.db.base import Base
from brokerguard.domains import all_domains

all_domains()  # imports every domain's models into Base.metadata
target_metadata = Base.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run()
