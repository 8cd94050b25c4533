"""Audit sinks: how producers (the login service, the web app, the CLI) write events.

:class:`TransactionalAuditSink` is the default. Its events ride on **the caller's
transaction**: ``record`` checks the event at once (a refused event raises
:class:`~brokerguard.errors.ValidationError` and changes nothing) and keeps it; the
session's commit appends everything kept, in one batch, just before the transaction
commits. So the events commit, or roll back, together with the change they record:
there is never a change without its record nor a record of a change that did not
happen, and events recorded inside a savepoint that rolls back are dropped with it.
A producer whose *attempt* must be kept even when its work fails (a failed login, a
refused read) commits before it raises; the login service and
:func:`brokerguard.audit.web.audited` do so. When the append fails, the commit
raises :class:`~brokerguard.errors.ServiceUnavailableError` (fail closed) and the
whole transaction is rolled back. Appending at commit keeps the log's write lock
(taken by the append) only for the commit itself, and a request that records several
events pays for one append. Because it shares the caller's connection, it never waits
for itself on SQLite (one writer at a time).

:class:`DatabaseAuditSink` writes each event in a transaction of its own, committed
before ``record`` returns: for producers that hold no session (workers, scripts).
On SQLite, do not call it while your own session holds the write lock.

:func:`observe_commits` hands the events a transaction appended to a callable once
that transaction **has committed** (never for a rollback, a failed commit or a
savepoint that rolled back): the login service's events reach the NATS login stream
this way (:mod:`brokerguard.detect.publisher`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy import event as orm_event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from brokerguard.audit import service
from brokerguard.audit.ingest import PreparedEvent, Rejection
from brokerguard.audit.settings import AuditSettings
from brokerguard.clock import Clock, SystemClock
from brokerguard.config import get_settings
from brokerguard.db.engine import database_errors, session_scope
from brokerguard.errors import ServiceUnavailableError, ValidationError
from brokerguard.kernel.audit import AuditEvent, AuditSink

log = logging.getLogger(__name__)

_PENDING = "brokerguard.audit.pending"
_APPENDED = "brokerguard.audit.appended"

#: called with the events a transaction appended, after it committed; must not block
CommitObserver = Callable[[Sequence[PreparedEvent]], None]
_observers: WeakKeyDictionary[Engine, list[CommitObserver]] = WeakKeyDictionary()


@dataclass
class _Pending:
    """The events a session's open transaction will append when it commits."""

    events: list[tuple[TransactionalAuditSink, PreparedEvent]] = field(default_factory=list)
    #: how many events each savepoint started with (dropped back to on its rollback)
    marks: WeakKeyDictionary[SessionTransaction, int] = field(default_factory=WeakKeyDictionary)


def _pending(session: Session) -> _Pending:
    """The session's pending events, created by its first ``record``."""
    pending = session.info.get(_PENDING)
    if not isinstance(pending, _Pending):
        pending = session.info[_PENDING] = _Pending()
    return pending


def _pending_if_any(session: Session) -> _Pending | None:
    pending = session.info.get(_PENDING)
    return pending if isinstance(pending, _Pending) else None


# The hooks are registered once, on every Session (not per session: four listeners per
# request cost more than the events they serve). A session that never recorded an
# event has no ``_Pending``, and each hook returns at once for it.
@orm_event.listens_for(Session, "after_transaction_create")
def _savepoint_opened(session: Session, transaction: SessionTransaction) -> None:
    pending = _pending_if_any(session)
    if pending is not None and transaction.nested:
        pending.marks[transaction] = len(pending.events)
    # no _Pending yet: nothing was recorded, a rollback of this savepoint drops all (mark 0)


@orm_event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending = _pending_if_any(session)
    if pending is None:
        return
    if previous.nested:
        del pending.events[pending.marks.get(previous, 0) :]
    else:
        pending.events.clear()


@orm_event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    pending = _pending_if_any(session)
    if pending is not None:
        pending.events.clear()  # appended by the commit, or gone with the rollback
    # after a commit the observers have had them; after a rollback nothing is handed over
    session.info.pop(_APPENDED, None)


@orm_event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = _pending_if_any(session)
    if pending is None or session.in_nested_transaction():
        return  # nothing recorded; or a savepoint's events wait for the outermost commit
    while pending.events:
        sink = pending.events[0][0]
        batch = [event for owner, event in pending.events if owner is sink]
        pending.events = [item for item in pending.events if item[0] is not sink]
        sink.append_now(batch)


def observe_commits(engine: Engine, observer: CommitObserver) -> Callable[[], None]:
    """Call ``observer`` with the events each transaction of ``engine``'s sessions
    appended through a :class:`TransactionalAuditSink`, right after that transaction
    committed. Returns the function that stops it. A failing observer is logged and
    never fails the commit (the events are stored by then)."""
    _observers.setdefault(engine, []).append(observer)

    def stop() -> None:
        observers = _observers.get(engine, [])
        if observer in observers:
            observers.remove(observer)

    return stop


def _observers_of(session: Session) -> list[CommitObserver]:
    bind = session.bind
    return list(_observers.get(bind, ())) if isinstance(bind, Engine) else []


def _appended_for_observers(session: Session, events: list[PreparedEvent]) -> None:
    if not _observers_of(session):
        return
    session.info.setdefault(_APPENDED, []).extend(events)


@orm_event.listens_for(Session, "after_commit")
def _hand_over_committed(session: Session) -> None:
    committed = session.info.pop(_APPENDED, None)
    if not committed:
        return
    for observer in _observers_of(session):
        try:
            observer(committed)
        except Exception:
            log.exception("an audit commit observer failed (the events are stored)")


class TransactionalAuditSink:
    """Appends in the caller's transaction, when it commits. The producer's clock is
    trusted for ``time`` (no far-future check: tests move their clocks);
    ``recorded_at`` is the sink's clock and never goes backwards along the log."""

    def __init__(
        self, session: Session, clock: Clock | None = None, settings: AuditSettings | None = None
    ) -> None:
        self.session = session
        self.clock = clock or SystemClock()
        self.settings = settings or get_settings().audit

    def record(self, event: AuditEvent) -> None:
        checked = service.check(event, self.settings)  # checked and prepared once, here
        if isinstance(checked, Rejection):
            raise ValidationError(f"audit event refused: {checked.reason}", field=checked.field)
        if not self.session.in_transaction():
            self.session.begin()  # the event belongs to this transaction, even if nothing else does
        _pending(self.session).events.append((self, checked))

    def append_now(self, events: list[PreparedEvent]) -> None:
        """Append ``events`` in the session's transaction (the commit hook calls this)."""
        try:
            result = service.append_prepared(self.session, self.clock, events, self.settings)
        except database_errors(self.session) as error:
            log.error("%d audit event(s) not written: %s", len(events), type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None
        for rejection in result.rejected:
            if rejection.reason == "duplicate":
                continue  # already stored: a retry is harmless
            raise ValidationError(f"audit event refused: {rejection.reason}", field=rejection.field)
        _appended_for_observers(self.session, events)


class DatabaseAuditSink:
    """Appends each event in its own transaction, committed before ``record`` returns."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock | None = None,
        settings: AuditSettings | None = None,
    ) -> None:
        self.factory = factory
        self.clock = clock or SystemClock()
        self.settings = settings or get_settings().audit

    def record(self, event: AuditEvent) -> None:
        try:
            with session_scope(self.factory) as session:
                TransactionalAuditSink(session, self.clock, self.settings).record(event)
        except SQLAlchemyError as error:  # the commit itself failed
            log.error("audit event %s not committed: %s", event.event_id, type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None


def session_audit_sink(
    session: Session, clock: Clock | None = None, settings: AuditSettings | None = None
) -> AuditSink:
    """The sink for code that holds a session: events ride on its transaction."""
    return TransactionalAuditSink(session, clock, settings)
