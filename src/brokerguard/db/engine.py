"""Engines and sessions. SQLite runs in WAL mode with foreign keys on.

SQLite transactions are begun by SQLAlchemy, not by the driver: Python's ``sqlite3``
module (legacy transaction control) opens a transaction only before a data-changing
statement, so a request that reads first holds no snapshot and then has to *upgrade*
to a writer; when another connection is writing or has just committed, SQLite answers
``database is locked`` at once, ``busy_timeout`` or not. Here every transaction
begins ``BEGIN IMMEDIATE``: it takes the write lock first, so concurrent writers
queue on ``busy_timeout`` instead of failing. Readers never wait (WAL). A connection
opened with :func:`read_only` begins ``DEFERRED`` instead, and SQLite itself refuses
(``not authorized``) any write it tries, so such a transaction can never be one that
would have had to upgrade. See docs/database.md.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

#: execution option naming how a SQLite transaction begins (a :class:`BeginMode`)
BEGIN_MODE = "brokerguard_sqlite_begin"


class BeginMode(StrEnum):
    IMMEDIATE = "IMMEDIATE"
    """the default: the write lock is taken at BEGIN, so the transaction never upgrades"""
    DEFERRED = "DEFERRED"
    """read-only transactions (:func:`read_only`): a snapshot, no lock, no writes"""


#: what a read-only transaction may not do (SQLite authorizer action codes)
_WRITE_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_INSERT,
        sqlite3.SQLITE_UPDATE,
        sqlite3.SQLITE_DELETE,
        sqlite3.SQLITE_CREATE_INDEX,
        sqlite3.SQLITE_CREATE_TABLE,
        sqlite3.SQLITE_CREATE_TEMP_INDEX,
        sqlite3.SQLITE_CREATE_TEMP_TABLE,
        sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
        sqlite3.SQLITE_CREATE_TEMP_VIEW,
        sqlite3.SQLITE_CREATE_TRIGGER,
        sqlite3.SQLITE_CREATE_VIEW,
        sqlite3.SQLITE_DROP_INDEX,
        sqlite3.SQLITE_DROP_TABLE,
        sqlite3.SQLITE_DROP_TEMP_INDEX,
        sqlite3.SQLITE_DROP_TEMP_TABLE,
        sqlite3.SQLITE_DROP_TEMP_TRIGGER,
        sqlite3.SQLITE_DROP_TEMP_VIEW,
        sqlite3.SQLITE_DROP_TRIGGER,
        sqlite3.SQLITE_DROP_VIEW,
        sqlite3.SQLITE_ALTER_TABLE,
        sqlite3.SQLITE_REINDEX,
        sqlite3.SQLITE_ANALYZE,
        sqlite3.SQLITE_CREATE_VTABLE,
        sqlite3.SQLITE_DROP_VTABLE,
    }
)


def _refuse_writes(action: int, *_args: Any) -> int:
    return sqlite3.SQLITE_DENY if action in _WRITE_ACTIONS else sqlite3.SQLITE_OK


def _sqlite_begin(conn: Connection) -> None:
    """Begin the transaction the connection's :data:`BEGIN_MODE` asks for."""
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # each statement is its own transaction (e.g. PRAGMA wal_checkpoint)
    mode = options.get(BEGIN_MODE, BeginMode.IMMEDIATE)
    raw = conn.connection.driver_connection
    if mode is BeginMode.DEFERRED and raw is not None:
        # set_authorizer also expires the prepared statements, so a cached INSERT is
        # prepared (and refused) again; the end of the transaction lifts the guard
        raw.set_authorizer(_refuse_writes)
        conn.info[_GUARDED] = True
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode is BeginMode.IMMEDIATE else "BEGIN")


_GUARDED = "brokerguard.read_only_guard"


def _lift_guard(conn: Connection) -> None:
    if conn.info.pop(_GUARDED, False):
        raw = conn.connection.driver_connection
        if raw is not None:
            raw.set_authorizer(None)


def _lift_guard_on_checkin(dbapi_connection: Any, record: Any) -> None:
    """A connection goes back to the pool without the read-only guard, however its
    transaction ended."""
    if record is not None and record.info.pop(_GUARDED, False):
        dbapi_connection.set_authorizer(None)


def read_only(engine: Engine) -> Engine:
    """``engine`` for transactions that only read: on SQLite they begin ``DEFERRED``
    (no write lock, so they never wait for a writer nor make one wait) and any write
    in them is refused by SQLite (``not authorized``); other databases are unchanged."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{BEGIN_MODE: BeginMode.DEFERRED})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the driver, begins transactions (see _sqlite_begin)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: each commit (audit events included) is on disk before it returns; NORMAL
    # in WAL mode may lose the last commits on a power cut (issue 12)
    cursor.execute("PRAGMA synchronous=FULL")
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
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _lift_guard)
        event.listen(engine, "rollback", _lift_guard)
        event.listen(engine, "checkin", _lift_guard_on_checkin)
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
    """A SAVEPOINT that nests in the session's transaction, on every backend.

    (SQLAlchemy begins SQLite transactions itself, see :func:`_sqlite_begin`, so a
    SAVEPOINT never starts a transaction of its own that RELEASE would commit.)
    """
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
