"""How the web app and the CLI get their :class:`AuditSink`.

Until the durable audit store is configured, events are kept in memory.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from brokerguard.audit.schemas import AuditSink, MemoryAuditSink
from brokerguard.config import Settings


def default_audit_sink(settings: Settings, factory: sessionmaker[Session]) -> AuditSink:
    del settings, factory
    return MemoryAuditSink()
