"""Audit sinks: how producers (the login service, the web app, the CLI) write events.

:class:`TransactionalAuditSink` is the default. It writes each event **inside the
caller's transaction**, in a savepoint: the event commits, or rolls back, together
with the change it records, so there is never a change without its record nor a
record of a change that did not happen. A producer whose *attempt* must be kept
even when its work fails (a failed login, a refused read) commits before it raises;
the login service and :func:`brokerguard.audit.web.audited` do so. A write failure
raises :class:`~brokerguard.errors.ServiceUnavailableError` (fail closed) and leaves
the caller's transaction usable. Because it shares the caller's connection, it never
waits for itself on SQLite (one writer at a time).

:class:`DatabaseAuditSink` writes each event in a transaction of its own, committed
before ``record`` returns: for producers that hold no session (workers, scripts).
On SQLite, do not call it while your own session holds the write lock.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.audit import service
from brokerguard.audit.schemas import AuditEvent, AuditSink
from brokerguard.audit.settings import AuditSettings
from brokerguard.clock import Clock, SystemClock
from brokerguard.db.engine import savepoint, session_scope
from brokerguard.errors import ServiceUnavailableError, ValidationError

log = logging.getLogger(__name__)


class TransactionalAuditSink:
    """Appends in the caller's transaction. The producer's clock is trusted for
    ``time`` (no far-future check: tests move their clocks); ``recorded_at`` is the
    sink's clock and never goes backwards along the log."""

    def __init__(
        self, session: Session, clock: Clock | None = None, settings: AuditSettings | None = None
    ) -> None:
        self.session = session
        self.clock = clock or SystemClock()
        self.settings = settings or AuditSettings()

    def record(self, event: AuditEvent) -> None:
        try:
            with savepoint(self.session):
                result = service.append(
                    self.session, self.clock, [event], self.settings, trust_time=True
                )
        except SQLAlchemyError as error:
            log.error("audit event %s not written: %s", event.event_id, type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None
        for rejection in result.rejected:
            if rejection.reason == "duplicate":
                continue  # already stored: a retry is harmless
            raise ValidationError(f"audit event refused: {rejection.reason}", field=rejection.field)


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
        self.settings = settings or AuditSettings()

    def record(self, event: AuditEvent) -> None:
        try:
            with session_scope(self.factory) as session:
                TransactionalAuditSink(session, self.clock, self.settings).record(event)
        except SQLAlchemyError as error:  # the commit itself failed
            log.error("audit event %s not committed: %s", event.event_id, type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None


def session_audit_sink(session: Session, clock: Clock | None = None) -> AuditSink:
    """The sink for code that holds a session: events ride on its transaction."""
    return TransactionalAuditSink(session, clock)
