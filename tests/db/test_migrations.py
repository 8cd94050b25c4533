from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from brokerguard.db import migrate
from brokerguard.db.base import Base
from brokerguard.domains import all_domains


def test_migrations_are_at_every_head(engine: Engine) -> None:
    assert migrate.is_up_to_date(engine)


def test_models_match_migrations(engine: Engine) -> None:
    """The migrations create exactly the tables and columns the models declare."""
    all_domains()  # every manifest imports its models
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    # Only differences that matter: missing/extra tables and columns.
    relevant = [
        d
        for d in diff
        if isinstance(d, tuple)
        and d[0] in ("add_table", "remove_table", "add_column", "remove_column")
    ]
    assert relevant == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
