"""Real database faults for fail-closed tests, on SQLite and PostgreSQL.

:func:`audit_appends_blocked` makes the database itself refuse every new audit record
(a trigger that raises on INSERT into ``audit_events``), the way a held write lock,
a full disk or a revoked grant would: the append fails inside the producer's
transaction, through the same driver calls as in production (``executemany`` on
SQLite, ``INSERT``/``COPY`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

_SQLITE_BLOCK = (
    "CREATE TRIGGER test_audit_blocked BEFORE INSERT ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit trail blocked by the test'); END"
)
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION test_audit_blocked() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit trail blocked by the test'; END $$ LANGUAGE plpgsql"
)
_PG_TRIGGER = (
    "CREATE TRIGGER test_audit_blocked BEFORE INSERT ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION test_audit_blocked()"
)


@contextmanager
def audit_appends_blocked(engine: Engine) -> Iterator[None]:
    """While the block runs, every append to the audit trail fails in the database."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(_SQLITE_BLOCK))
        else:
            conn.execute(text(_PG_FUNCTION))
            conn.execute(text(_PG_TRIGGER))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER IF EXISTS test_audit_blocked"))
            else:
                conn.execute(text("DROP TRIGGER IF EXISTS test_audit_blocked ON audit_events"))
                conn.execute(text("DROP FUNCTION IF EXISTS test_audit_blocked()"))
