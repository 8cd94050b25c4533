from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class SocialPlatform(Base):
    """A kind of social media staff may use, rated per risk type (A5.2)."""

    __tablename__ = "social_platforms"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    category: Mapped[str] = mapped_column(String(64))
    staff_use_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    risk_data_leakage: Mapped[str] = mapped_column(String(8))
    risk_social_engineering: Mapped[str] = mapped_column(String(8))
    risk_malware: Mapped[str] = mapped_column(String(8))
    #: firm-defined risk types: "name=level; name=level"
    other_risks: Mapped[str] = mapped_column(Text, default="")
    controls: Mapped[str] = mapped_column(Text, default="")
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(128))
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OfficialAccount(Base):
    """One of the firm's official accounts (官方帳號) and its privacy-policy review (A5.3.1)."""

    __tablename__ = "social_accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    platform: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(500))
    owning_unit: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    privacy_reviewed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    privacy_reviewed_by: Mapped[str] = mapped_column(String(128), default="")
    privacy_risks: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccountAdmin(Base):
    """A person holding administrator rights on an official account, with MFA state (A5.3.3)."""

    __tablename__ = "social_account_admins"
    __table_args__ = (UniqueConstraint("account_id", "admin"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True
    )
    admin: Mapped[str] = mapped_column(String(128))
    permission: Mapped[str] = mapped_column(String(32))
    mfa_enabled: Mapped[bool] = mapped_column(Boolean)
    granted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SocialPost(Base):
    """A post in the publishing workflow: draft -> approved (by another person) -> published."""

    __tablename__ = "social_posts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    drafted_by: Mapped[str] = mapped_column(String(128))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_url: Mapped[str] = mapped_column(String(500), default="")


class MonitoringEntry(Base):
    """What the owning unit saw on an account and how it was handled (A5.4.1)."""

    __tablename__ = "social_monitoring"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True
    )
    observed_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # routine, discussion, incident, complaint
    summary: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # open, in_progress, closed
    handler: Mapped[str] = mapped_column(String(128))
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisclosureProfile(Base):
    """What every official account must show (A5.3.2, A5.4.2); one row per firm."""

    __tablename__ = "social_disclosure_profile"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default="firm")
    firm_name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(64))
    licence_number: Mapped[str] = mapped_column(String(128))
    complaint_contact: Mapped[str] = mapped_column(String(255))
    complaint_handler: Mapped[str] = mapped_column(String(255))
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisclosureCheck(Base):
    """One fetch of an account's public page and what was found on it."""

    __tablename__ = "social_disclosure_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    url: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(8))  # pass, fail, error
    #: comma-separated item keys not found: name, address, phone, licence, complaint, handler
    missing: Mapped[str] = mapped_column(String(255), default="")
    http_status: Mapped[int | None] = mapped_column(nullable=True)
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
