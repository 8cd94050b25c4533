"""``observe_commits``: the events a transaction appended are handed over only once it
has committed: never for a rollback, a failed commit or a savepoint that rolled back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from brokerguard.audit.canonical import event_to_json
from brokerguard.audit.ingest import PreparedEvent
from brokerguard.audit.settings import AuditSettings
from brokerguard.audit.sink import TransactionalAuditSink, observe_commits
from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.detect.traces import login_event
from brokerguard.kernel.audit import AuditEvent
from tests.conftest import T0


@pytest.fixture
def seen(engine: Engine) -> Iterator[list[list[str]]]:
    """The event IDs of each hand-over, in order."""
    batches: list[list[str]] = []
    stop = observe_commits(engine, lambda events: batches.append([e.event_id for e in events]))
    yield batches
    stop()


def _event(account: str = "A100001") -> AuditEvent:
    return login_event(T0 - timedelta(minutes=1), account, success=False)


def _sink(session: Session) -> TransactionalAuditSink:
    return TransactionalAuditSink(session, FixedClock(T0), AuditSettings())


def test_a_commit_hands_over_its_events_once(engine: Engine, seen: list[list[str]]) -> None:
    first, second = _event(), _event("A100002")
    with session_factory(engine)() as session:
        sink = _sink(session)
        sink.record(first)
        sink.record(second)
        assert seen == []  # nothing before the commit
        session.commit()
        assert seen == [[str(first.event_id), str(second.event_id)]]
        session.commit()  # an empty transaction hands over nothing
        third = _event()
        sink.record(third)
        session.commit()
    assert seen == [[str(first.event_id), str(second.event_id)], [str(third.event_id)]]


def test_a_rollback_hands_over_nothing(engine: Engine, seen: list[list[str]]) -> None:
    with session_factory(engine)() as session:
        _sink(session).record(_event())
        session.flush()
        session.rollback()
        kept = _event()
        _sink(session).record(kept)
        session.commit()
    assert seen == [[str(kept.event_id)]]


def test_a_savepoint_that_rolls_back_takes_its_events_along(
    engine: Engine, seen: list[list[str]]
) -> None:
    outer, inner = _event(), _event("A100002")
    with session_factory(engine)() as session:
        sink = _sink(session)
        sink.record(outer)
        savepoint = session.begin_nested()
        sink.record(inner)
        savepoint.rollback()
        session.commit()
    assert seen == [[str(outer.event_id)]]


def test_a_commit_that_fails_hands_over_nothing(engine: Engine, seen: list[list[str]]) -> None:
    with session_factory(engine)() as session:
        _sink(session).record(_event())
        # a statement that fails inside the commit, after the events were appended
        session.execute(text("CREATE TEMPORARY TABLE probe (x INTEGER UNIQUE)"))
        session.execute(text("INSERT INTO probe VALUES (1)"))

        def fail_late(s: Session) -> None:
            s.execute(text("INSERT INTO probe VALUES (1)"))

        orm_event.listen(session, "before_commit", fail_late)
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            session.commit()
        session.rollback()
    assert seen == []


def test_a_failing_observer_never_fails_the_commit(engine: Engine) -> None:
    def broken(events: Sequence[PreparedEvent]) -> None:
        raise RuntimeError("observer down")

    stop = observe_commits(engine, broken)
    try:
        with session_factory(engine)() as session:
            event = _event()
            _sink(session).record(event)
            session.commit()
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT count(*) FROM audit_events WHERE event_id = :id"),
                {"id": str(event.event_id)},
            ).scalar()
        assert stored == 1
    finally:
        stop()


def test_other_engines_and_a_stopped_observer_see_nothing(
    engine: Engine, sqlite_engine: Engine
) -> None:
    got: list[PreparedEvent] = []
    stop = observe_commits(sqlite_engine, got.extend)
    stop()
    stop()  # stopping twice is harmless
    with session_factory(engine)() as session:
        _sink(session).record(_event())
        session.commit()
    with session_factory(sqlite_engine)() as session:
        _sink(session).record(_event())
        session.commit()
    assert got == []


def test_the_handed_over_event_reads_back_as_its_contract_json(engine: Engine) -> None:
    got: list[PreparedEvent] = []
    stop = observe_commits(engine, got.extend)
    event = login_event(T0, "A100001", success=False, ip="45.9.1.7", device="phone-9")
    event = event.model_copy(update={"correlation_id": "c-1", "actor": None})
    try:
        with session_factory(engine)() as session:
            _sink(session).record(event)
            session.commit()
    finally:
        stop()
    [prepared] = got
    data = prepared.contract_json()
    expected = event_to_json(event)
    assert datetime.fromisoformat(data.pop("time")) == datetime.fromisoformat(expected.pop("time"))
    assert data == expected
