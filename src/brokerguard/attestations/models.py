from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class AttestationItem(Base):
    """Someone attests that the firm follows a referenced rule (其他規範之遵循聲明)."""

    __tablename__ = "attestations_items"
    __table_args__ = (UniqueConstraint("requirement_id", "referenced_rule"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    requirement_id: Mapped[str] = mapped_column(String(32), index=True)
    referenced_rule: Mapped[str] = mapped_column(String(255))
    rule_version: Mapped[str] = mapped_column(String(64))
    applicable: Mapped[bool] = mapped_column(Boolean, default=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    #: the username of the staff user who attests (holding the role the requirement names)
    attested_by: Mapped[str] = mapped_column(String(128))
    #: set by migration attestations_0002 on a row stored before attesters were checked whose
    #: ``attested_by`` did not resolve then: it stops counting as evidence until it is saved
    #: again by a verified attester (a staff account created later under the same name must
    #: not make an old free-text statement count)
    attester_unverified: Mapped[bool] = mapped_column(Boolean, default=False)
    attested_on: Mapped[date] = mapped_column(Date)
    next_due: Mapped[date] = mapped_column(Date)
    evidence_ref: Mapped[str] = mapped_column(String(128), default="")
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferencedRulebook(Base):
    """An additional rulebook file loaded in the rulebook's YAML format."""

    __tablename__ = "attestations_rulebooks"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(64))
    requirement_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    article: Mapped[int] = mapped_column(Integer)
    title_zh: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    requirement_ids: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(String(128))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
