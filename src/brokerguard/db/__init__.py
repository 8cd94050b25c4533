"""Storage: SQLAlchemy 2 engine and sessions, typed base model, Alembic migrations."""

from brokerguard.db.base import Base, UTCDateTime, new_uuid
from brokerguard.db.engine import make_engine, session_factory, session_scope

__all__ = ["Base", "UTCDateTime", "make_engine", "new_uuid", "session_factory", "session_scope"]
