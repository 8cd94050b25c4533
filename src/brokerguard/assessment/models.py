from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class AssessmentRun(Base):
    __tablename__ = "assessment_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(String(32))
    triggered_by: Mapped[str] = mapped_column(String(128))
    passed: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    manual: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    not_applicable: Mapped[int] = mapped_column(Integer)


class AssessmentCheckResult(Base):
    __tablename__ = "assessment_check_results"
    __table_args__ = (Index("ix_assessment_check_results_run", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("assessment_runs.id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(String(128))
    requirement_ids: Mapped[str] = mapped_column(String(512))  # comma-separated
    title_zh: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of references
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer)


class AssessmentRequirementResult(Base):
    __tablename__ = "assessment_requirement_results"
    __table_args__ = (Index("ix_assessment_requirement_results_req", "requirement_id", "status"),)

    run_id: Mapped[str] = mapped_column(
        ForeignKey("assessment_runs.id", ondelete="CASCADE"), primary_key=True
    )
    requirement_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    check_ids: Mapped[str] = mapped_column(Text)  # comma-separated
    reason_zh: Mapped[str] = mapped_column(Text, default="")
    reason_en: Mapped[str] = mapped_column(Text, default="")


class ManualAssessment(Base):
    """A person's assessment of a requirement no automated check can decide (人工評估),
    with its evidence, its reviewer (覆核紀錄) and how long it holds."""

    __tablename__ = "assessment_manual_results"
    __table_args__ = (Index("ix_assessment_manual_results_req", "requirement_id", "assessed_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    requirement_id: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[str] = mapped_column(String(36))
    assessor: Mapped[str] = mapped_column(String(64))
    reviewer: Mapped[str] = mapped_column(String(64))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[date] = mapped_column(Date)
