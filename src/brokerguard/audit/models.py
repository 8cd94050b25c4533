"""Audit-trail tables (A9.9). An auditor can read the raw rows:

- ``audit_events``: one row per event, ``seq`` is its position in the log (0, 1, 2 ...);
  ``leaf_hash`` is SHA-256(0x00 || canonical JSON), the RFC 6962 leaf.
  PostgreSQL: range-partitioned by month of ``recorded_at`` (partitions live in the
  schema ``audit_partitions``); UPDATE and DELETE are refused by a trigger.
- ``audit_event_ids``: ``event_id`` -> ``seq``, the idempotency index.
- ``audit_tree_heads``: one signed tree head per sealed batch (size, root, time,
  previous head, Ed25519 signature); never updated or deleted, not even by a purge.
- ``audit_state``: the next sequence number (one row).
- ``audit_legal_holds``, ``audit_purges``, ``audit_purge_permits``: retention.
- ``audit_api_keys``: per-system keys for the batch ingest API (SHA-256 of the secret).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_id: Mapped[str] = mapped_column(String(36))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    account: Mapped[str] = mapped_column(String(256))
    function: Mapped[str] = mapped_column(String(256))
    system: Mapped[str] = mapped_column(String(128))
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    result_digest: Mapped[str | None] = mapped_column(String(256), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(256), nullable=True)
    customer_ids: Mapped[str] = mapped_column(Text)  # canonical JSON list
    source_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    correlation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    attributes: Mapped[str] = mapped_column(Text)  # canonical JSON object
    leaf_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_time", "time"),
        Index("ix_audit_events_account", "account"),
        Index("ix_audit_events_function", "function"),
        Index("ix_audit_events_system", "system"),
    )


class AuditEventId(Base):
    __tablename__ = "audit_event_ids"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class AuditTreeHead(Base):
    __tablename__ = "audit_tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)  # JSON list of hex subtree roots
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM of recorded_at of its events
    prev_head_hash: Mapped[str] = mapped_column(String(64))
    head_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class AuditState(Base):
    __tablename__ = "audit_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_seq: Mapped[int] = mapped_column(BigInteger)


class AuditLegalHold(Base):
    __tablename__ = "audit_legal_holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    period_from: Mapped[str] = mapped_column(String(7))
    period_to: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(String(1024))
    created_by: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(256), nullable=True)


class AuditPurge(Base):
    __tablename__ = "audit_purges"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purged_by: Mapped[str] = mapped_column(String(256))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    end_seq: Mapped[int] = mapped_column(BigInteger)
    events_removed: Mapped[int] = mapped_column(BigInteger)


class AuditPurgePermit(Base):
    """Present only inside a purge's transaction: the delete trigger lets that month go."""

    __tablename__ = "audit_purge_permits"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)


class AuditApiKey(Base):
    __tablename__ = "audit_api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    system: Mapped[str] = mapped_column(String(128))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
