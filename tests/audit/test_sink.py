"""The durable sink: own transaction, idempotent, and no self-deadlock on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from brokerguard.audit.sink import DatabaseAuditSink
from brokerguard.clock import SystemClock
from brokerguard.db.engine import session_factory
from brokerguard.errors import ServiceUnavailableError, ValidationError
from tests.audit.helpers import make_event


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def test_record_survives_the_callers_rollback(engine: Engine) -> None:
    factory = session_factory(engine)
    sink = DatabaseAuditSink(factory)
    with factory() as request_session:
        request_session.execute(text("SELECT 1"))
        sink.record(make_event(1, SystemClock().now()))
        request_session.rollback()
    assert _count(engine) == 1


def test_caller_holding_the_sqlite_write_lock_does_not_deadlock(sqlite_engine: Engine) -> None:
    factory = session_factory(sqlite_engine)
    sink = DatabaseAuditSink(factory)
    with factory() as request_session:  # the request wrote first: it holds the write lock
        request_session.execute(text("INSERT INTO audit_purge_permits (period) VALUES ('1999-01')"))
        sink.record(make_event(1, SystemClock().now()))  # returns instead of waiting for us
        request_session.execute(text("DELETE FROM audit_purge_permits"))
        request_session.commit()
    sink.drain()
    assert _count(sqlite_engine) == 1
    with sqlite_engine.connect() as conn:  # the pool's busy timeout is restored
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_producer_clock_is_trusted_but_bad_events_raise(engine: Engine) -> None:
    from datetime import timedelta

    sink = DatabaseAuditSink(session_factory(engine))
    sink.record(make_event(1, SystemClock().now() + timedelta(days=2)))  # a test's moved clock
    assert _count(engine) == 1
    with pytest.raises(ValidationError, match="customer IDs"):
        sink.record(make_event(2, SystemClock().now(), customer_ids=("x" * 300,)))
    assert _count(engine) == 1


def test_unwritable_database_raises_503(tmp_path: Path) -> None:
    from brokerguard.db.engine import make_engine

    broken = make_engine(f"sqlite:///{tmp_path}/empty.db")  # no tables: every write fails
    sink = DatabaseAuditSink(session_factory(broken))
    with pytest.raises(ServiceUnavailableError):
        sink.record(make_event(1, SystemClock().now()))
    broken.dispose()


def test_handed_off_events_keep_their_order(sqlite_engine: Engine) -> None:
    factory = session_factory(sqlite_engine)
    sink = DatabaseAuditSink(factory)
    events = [make_event(i, SystemClock().now()) for i in range(5)]
    with factory() as request_session:
        request_session.execute(text("INSERT INTO audit_purge_permits (period) VALUES ('1999-01')"))
        for event in events:
            sink.record(event)
        request_session.execute(text("DELETE FROM audit_purge_permits"))
        request_session.commit()
    sink.drain()
    with sqlite_engine.connect() as conn:
        stored = conn.execute(text("SELECT event_id FROM audit_events ORDER BY seq")).scalars()
        assert list(stored) == [str(e.event_id) for e in events]
    assert [e.event_id for e in sink.events] == [e.event_id for e in events]
