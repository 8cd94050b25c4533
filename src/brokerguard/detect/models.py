"""Login-monitoring tables (A9.3): alerts, runs, reports, per-account seen values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class DetectAlert(Base):
    __tablename__ = "detect_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    rule_id: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")  # new / triaged / closed
    group_key: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(String(512))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    event_count: Mapped[int] = mapped_column(Integer)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    details: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    triaged_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_detect_alerts_status", "status"),)


class DetectRun(Base):
    __tablename__ = "detect_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_seq: Mapped[int] = mapped_column(BigInteger)
    to_seq: Mapped[int] = mapped_column(BigInteger)
    events_seen: Mapped[int] = mapped_column(BigInteger)
    alerts_raised: Mapped[int] = mapped_column(Integer)


class DetectReport(Base):
    __tablename__ = "detect_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(16))  # daily / monthly
    period: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD or YYYY-MM (Asia/Taipei)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(Text)  # JSON
    evidence_ref: Mapped[str] = mapped_column(String(128))


class DetectSeenValue(Base):
    __tablename__ = "detect_seen_values"

    account: Mapped[str] = mapped_column(String(256), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
