"""Notification tables: channels, routes, the outbox of notices, deliveries, attempts.

A notice is queued once (``dedupe_key`` is unique); queuing fans it out into one
delivery per routed channel, in the producer's transaction. A delivery is sent by a
worker holding its lease, and every try is kept as an attempt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class NotifyChannel(Base):
    __tablename__ = "notify_channels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: email, webhook, syslog
    type: Mapped[str] = mapped_column(String(16))
    #: the recipient address, the webhook URL, or host:port of the syslog receiver
    target: Mapped[str] = mapped_column(String(2048))
    #: webhook: json, teams, slack; syslog: tcp, udp; e-mail: plain
    format: Mapped[str] = mapped_column(String(16))
    #: the webhook's HMAC-SHA256 key, sealed with the data directory's key ("" for none)
    secret_sealed: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128), default="")


class NotifyRoute(Base):
    __tablename__ = "notify_routes"
    __table_args__ = (UniqueConstraint("channel_id", "kind", name="uq_notify_routes_channel_kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    channel_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("notify_channels.id", ondelete="CASCADE")
    )
    #: a NoticeKind value, or "*" for every kind
    kind: Mapped[str] = mapped_column(String(32))
    min_severity: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotifyNotice(Base):
    """The outbox: one row per notice, whatever the number of channels."""

    __tablename__ = "notify_notices"
    __table_args__ = (Index("ix_notify_notices_occurred", "occurred_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    title_zh: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1024), default="")
    requirement_ids: Mapped[str] = mapped_column(String(255), default="")  # comma-separated
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotifyDelivery(Base):
    """One notice to one channel: pending until sent (delivered) or given up (dead)."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel_id", name="uq_notify_deliveries_notice_channel"),
        Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    notice_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("notify_notices.id", ondelete="CASCADE")
    )
    channel_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("notify_channels.id", ondelete="CASCADE")
    )
    #: pending, delivered, dead
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: a worker sending it holds it until then; an expired lease is free again
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lease_owner: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotifyAttempt(Base):
    """One try of a delivery, kept and shown with its notice."""

    __tablename__ = "notify_attempts"
    __table_args__ = (Index("ix_notify_attempts_delivery", "delivery_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    delivery_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("notify_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    #: HTTP status, SMTP reply code, or null
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(64), default="")
