"""Engines and sessions. SQLite runs in WAL mode with foreign keys on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkin", _stamp_checkin)
        event.listen(engine, "checkout", _idle_ping(engine))
    return engine


#: a pooled connection idle longer than this is pinged before use
PING_AFTER_IDLE_S = 10.0
_CHECKED_IN_AT = "brokerguard.checked_in_at"


def _stamp_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _idle_ping(engine: Engine) -> Callable[[Any, Any, Any], None]:
    """Pessimistic disconnect handling without a round trip on every checkout.

    ``pool_pre_ping`` would ping each time a session takes a connection (three times
    per e-trading login); a connection that was in use seconds ago is known to be
    alive, so only one idle for over :data:`PING_AFTER_IDLE_S` is pinged, with the
    dialect's own ping. A dead one raises ``DisconnectionError``, and the pool
    replaces it (and, the server having restarted, every other connection of its
    generation).
    """

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_CHECKED_IN_AT)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"stale pooled connection: {type(error).__name__}") from error

    return ping_if_idle


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A SAVEPOINT that truly nests in the session's transaction, on every backend.

    Python's sqlite3 module opens a transaction only before an INSERT, UPDATE or
    DELETE; a SAVEPOINT issued outside one starts its own, which RELEASE then
    commits. So on SQLite a real transaction is begun first when there is none yet.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")
    with session.begin_nested():
        yield


def database_errors(session: Session) -> tuple[type[Exception], ...]:
    """What a failed statement can raise: SQLAlchemy's errors, and the driver's own
    (``sqlite3.Error``, ``psycopg.Error``) from code that talks to the driver directly
    (the audit trail's bulk writes)."""
    dbapi_error: type[Exception] = session.get_bind().dialect.loaded_dbapi.Error
    return (SQLAlchemyError, dbapi_error)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
