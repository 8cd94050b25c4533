"""``INSERT ... ON CONFLICT DO NOTHING`` on both supported databases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(
    session: Session, table: Table, values: Mapping[str, Any], conflict_on: Sequence[str]
) -> bool:
    """Insert one row unless a row with the same ``conflict_on`` columns exists.

    Returns whether this call inserted it. Concurrent callers agree: on PostgreSQL the
    second waits for the first's transaction, then inserts nothing; on SQLite writers
    are serialised.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_on)
        .returning(key)
    )
    return session.execute(statement).first() is not None
