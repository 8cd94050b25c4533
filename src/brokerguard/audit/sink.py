"""How the web app and the CLI get their :class:`AuditSink`: the durable database sink.

:class:`DatabaseAuditSink` writes each event **in its own transaction** (its own
session from the factory, committed before ``record`` returns). So an audit record
survives even when the request that caused it later rolls back, and a failed write
raises :class:`~brokerguard.errors.ServiceUnavailableError`, which callers turn into
a refusal (fail closed). It is safe to call from request handlers and threads. On
SQLite, call it before your own session starts writing (SQLite has one writer).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.audit import service
from brokerguard.audit.schemas import AuditEvent, AuditSink
from brokerguard.audit.settings import AuditSettings
from brokerguard.clock import Clock, SystemClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_scope
from brokerguard.errors import ServiceUnavailableError, ValidationError

log = logging.getLogger(__name__)


class DatabaseAuditSink:
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
                result = service.append(session, self.clock, [event], self.settings)
        except SQLAlchemyError as error:
            log.error("audit event %s not written: %s", event.event_id, type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None
        for rejection in result.rejected:
            if rejection.reason == "duplicate":
                continue  # already stored: a retry is harmless
            raise ValidationError(f"audit event refused: {rejection.reason}", field=rejection.field)


def default_audit_sink(settings: Settings, factory: sessionmaker[Session]) -> AuditSink:
    """The durable, database-backed sink (own transaction per event)."""
    del settings
    return DatabaseAuditSink(factory)
