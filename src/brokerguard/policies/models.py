from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class PolicyDocument(Base):
    __tablename__ = "policies_documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    title: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(32))
    owner_unit: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # draft, approved, retired
    approver: Mapped[str | None] = mapped_column(String(128), nullable=True)
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    document_evidence_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    coverage: Mapped[list[PolicyCoverage]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def requirement_ids(self) -> list[str]:
        return sorted(c.requirement_id for c in self.coverage)


class PolicyCoverage(Base):
    __tablename__ = "policies_coverage"
    __table_args__ = (Index("ix_policies_coverage_requirement", "requirement_id"),)

    policy_id: Mapped[str] = mapped_column(
        ForeignKey("policies_documents.id", ondelete="CASCADE"), primary_key=True
    )
    requirement_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    policy: Mapped[PolicyDocument] = relationship(back_populates="coverage")
