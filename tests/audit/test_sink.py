"""The sinks: the transactional one rides on the caller's transaction; the durable
one commits on its own. Neither waits for itself on SQLite."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from brokerguard.audit.sink import DatabaseAuditSink, TransactionalAuditSink
from brokerguard.clock import SystemClock
from brokerguard.db.engine import make_engine, read_only, savepoint, session_factory
from brokerguard.errors import ServiceUnavailableError, ValidationError
from tests.audit.helpers import make_event


def _stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT event_id FROM audit_events ORDER BY seq")).scalars()
        return [str(row) for row in rows]


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def test_event_commits_with_the_callers_change(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.execute(text("INSERT INTO audit_purge_permits (period) VALUES ('1999-01')"))
        TransactionalAuditSink(session).record(make_event(1, SystemClock().now()))
        session.commit()
    assert _count(engine) == 1


def test_event_rolls_back_with_the_callers_change(engine: Engine) -> None:
    with session_factory(engine)() as session:
        TransactionalAuditSink(session).record(make_event(1, SystemClock().now()))
        session.rollback()
    assert _count(engine) == 0


def test_caller_holding_the_sqlite_write_lock_is_not_blocked(sqlite_engine: Engine) -> None:
    with session_factory(sqlite_engine)() as session:  # the request wrote first
        session.execute(text("INSERT INTO audit_purge_permits (period) VALUES ('1999-01')"))
        sink = TransactionalAuditSink(session)
        for number in range(5):
            sink.record(make_event(number, SystemClock().now()))
        session.execute(text("DELETE FROM audit_purge_permits"))
        session.commit()
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 5


def test_a_refused_event_leaves_the_callers_transaction_usable(engine: Engine) -> None:
    with session_factory(engine)() as session:
        sink = TransactionalAuditSink(session)
        with pytest.raises(ValidationError, match="customer IDs"):
            sink.record(make_event(2, SystemClock().now(), customer_ids=("x" * 300,)))
        sink.record(make_event(3, SystemClock().now()))
        session.commit()
    assert _count(engine) == 1


def test_retry_is_harmless(engine: Engine) -> None:
    event = make_event(1, SystemClock().now())
    with session_factory(engine)() as session:
        sink = TransactionalAuditSink(session)
        sink.record(event)
        sink.record(event)
        session.commit()
    assert _count(engine) == 1


def test_durable_sink_commits_on_its_own(engine: Engine) -> None:
    factory = session_factory(engine)
    sink = DatabaseAuditSink(factory)
    with session_factory(read_only(engine))() as reader:  # a reader holds no write lock
        reader.execute(text("SELECT 1"))
        sink.record(make_event(1, SystemClock().now() + timedelta(days=2)))  # a moved clock
        reader.rollback()
    assert _count(engine) == 1


def test_unwritable_database_raises_503(tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path}/empty.db")  # no tables: every write fails
    with pytest.raises(ServiceUnavailableError):
        DatabaseAuditSink(session_factory(broken)).record(make_event(1, SystemClock().now()))
    with session_factory(broken)() as session:
        TransactionalAuditSink(session).record(make_event(2, SystemClock().now()))
        with pytest.raises(ServiceUnavailableError):
            session.commit()  # the append happens at commit, and fails it
        session.rollback()
    broken.dispose()


def test_events_of_a_rolled_back_savepoint_are_dropped(engine: Engine) -> None:
    events = [make_event(n, SystemClock().now()) for n in range(3)]
    with session_factory(engine)() as session:
        sink = TransactionalAuditSink(session)
        sink.record(events[0])
        with pytest.raises(RuntimeError), savepoint(session):
            sink.record(events[1])
            raise RuntimeError("the check failed")
        with savepoint(session):
            sink.record(events[2])
        session.commit()
    assert _stored_ids(engine) == [str(events[0].event_id), str(events[2].event_id)]


def test_events_never_leak_into_the_next_transaction(engine: Engine) -> None:
    events = [make_event(n, SystemClock().now()) for n in range(3)]
    with session_factory(engine)() as session:
        sink = TransactionalAuditSink(session)
        sink.record(events[0])
        session.rollback()
        sink.record(events[1])
        session.close()  # never committed: gone
        sink.record(events[2])
        session.commit()
    assert _stored_ids(engine) == [str(events[2].event_id)]


def test_a_transactions_events_are_one_batch_in_order(engine: Engine) -> None:
    events = [make_event(n, SystemClock().now()) for n in range(4)]
    with session_factory(engine)() as session:
        first, second = TransactionalAuditSink(session), TransactionalAuditSink(session)
        for number, item in enumerate(events):
            (first if number % 2 else second).record(item)
        assert _count(engine) == 0  # nothing is written before the commit
        session.commit()
    assert sorted(_stored_ids(engine)) == sorted(str(e.event_id) for e in events)


def test_a_savepoint_opened_before_the_first_event_drops_it_on_rollback(engine: Engine) -> None:
    """The hooks are registered once for every session: a savepoint opened before the
    session recorded anything still drops its events when it rolls back."""
    events = [make_event(n, SystemClock().now()) for n in range(3)]
    with session_factory(engine)() as session:
        sink = TransactionalAuditSink(session)
        session.begin()
        with pytest.raises(RuntimeError), savepoint(session):
            sink.record(events[0])
            with savepoint(session):
                sink.record(events[1])
            raise RuntimeError("the outer savepoint fails")
        sink.record(events[2])
        session.commit()
    assert _stored_ids(engine) == [str(events[2].event_id)]


def test_recording_adds_no_listeners_per_session(engine: Engine) -> None:
    """The commit hooks are the Session class's, not one set per session."""
    factory = session_factory(engine)
    counts = []
    for n in range(3):
        with factory() as session:
            TransactionalAuditSink(session).record(make_event(n, SystemClock().now()))
            counts.append(len(session.dispatch.before_commit))
            session.commit()
    with factory() as fresh:
        counts.append(len(fresh.dispatch.before_commit))
    assert len(set(counts)) == 1, counts
    assert _count(engine) == 3
