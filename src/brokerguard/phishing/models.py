"""Storage of the phishing domain: brands, scan runs, cases, reminder sends (A8.1, A6.3.1.3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class BrandRecord(Base):
    """A brand of the firm; ``spec`` is the brand's YAML entry as JSON."""

    __tablename__ = "phishing_brands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    spec: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScanRun(Base):
    """One scan of a feed (CT log, new-domain list, URL feed, store listings)."""

    __tablename__ = "phishing_scan_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    source: Mapped[str] = mapped_column(String(32))  # ct, nrd, urls, sms, apps
    description: Mapped[str] = mapped_column(String(256), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    names: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class PhishingCase(Base):
    """A suspected phishing site or counterfeit app and its takedown workflow."""

    __tablename__ = "phishing_cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # site | app
    target: Mapped[str] = mapped_column(String(512))  # domain, URL or app package
    brand_key: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    detection_kind: Mapped[str] = mapped_column(String(64), default="")
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {code, zh, en}
    evidence: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of references
    status: Mapped[str] = mapped_column(String(24), default="new")
    source: Mapped[str] = mapped_column(String(32), default="")
    registrar: Mapped[str] = mapped_column(String(256), default="")
    hosting: Mapped[str] = mapped_column(String(256), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    takedown_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution: Mapped[str] = mapped_column(String(256), default="")


class CaseEvent(Base):
    """Each status change or letter of a case (who, when, what)."""

    __tablename__ = "phishing_case_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("phishing_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class ReminderSend(Base):
    """One anti-phishing reminder sent through one channel: the A8.1 send log."""

    __tablename__ = "phishing_reminder_sends"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    template: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # email | banner | inapp
    language: Mapped[str] = mapped_column(String(8))
    trigger: Mapped[str] = mapped_column(String(16))  # periodic | case
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(String(256))
    body_sha256: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeTemplate(Base):
    """An edited anti-phishing notice (overrides the built-in text of one template/language)."""

    __tablename__ = "phishing_notice_templates"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_phishing_notice_templates_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CTLog(Base):
    """A Certificate Transparency log the monitor follows, and its verified checkpoint.

    ``verified_size``/``verified_root`` is the last tree head whose signature and
    consistency were verified and whose entries were all scored; ``frontier`` is
    that tree's compact right edge (hex SHA-256 nodes, JSON), so new entries are
    checked against the next signed tree head without the old ones.
    """

    __tablename__ = "phishing_ct_logs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(512))
    api: Mapped[str] = mapped_column(String(16))  # rfc6962 | static
    #: a static-ct-api log's checkpoint origin (its key name); "" for RFC 6962 logs
    origin: Mapped[str] = mapped_column(String(512), default="", server_default="")
    public_key: Mapped[str] = mapped_column(Text)  # PEM
    log_id: Mapped[str] = mapped_column(String(64))  # base64 SHA-256 of the key
    verified_size: Mapped[int] = mapped_column(BigInteger, default=0)
    verified_root: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text, default="[]")
    entries_scanned: Mapped[int] = mapped_column(BigInteger, default=0)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
