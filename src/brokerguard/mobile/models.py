"""Storage of the mobile domain (A6.3): apps, releases, purposes, approvals, tests, reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class MobileApp(Base):
    """A registered app: one platform, one package name or bundle ID (A6.3.1.1)."""

    __tablename__ = "mobile_apps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    platform: Mapped[str] = mapped_column(String(16))  # android, ios
    package_name: Mapped[str] = mapped_column(String(255))
    customer_facing: Mapped[bool] = mapped_column(Boolean, default=True)
    store_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    download_url: Mapped[str] = mapped_column(String(512), default="")
    official_cert_sha256: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))


class MobileRelease(Base):
    """A candidate or published release of an app, with the facts of its artifact."""

    __tablename__ = "mobile_releases"
    __table_args__ = (
        UniqueConstraint("app_id", "artifact_sha256", name="uq_mobile_releases_app_artifact"),
        Index("ix_mobile_releases_app_status", "app_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    app_id: Mapped[str] = mapped_column(ForeignKey("mobile_apps.id", ondelete="CASCADE"))
    version_name: Mapped[str] = mapped_column(String(64))
    version_code: Mapped[str] = mapped_column(String(32))
    artifact_name: Mapped[str] = mapped_column(String(255))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    signing_cert_sha256: Mapped[list[str]] = mapped_column(JSON, default=list)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    store: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16))  # candidate, released, withdrawn
    major_update: Mapped[bool] = mapped_column(Boolean, default=False)
    major_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    released_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))


class MobilePermissionPurpose(Base):
    """Why the app needs one permission, stated in zh-TW and English (A6.3.1.1)."""

    __tablename__ = "mobile_permission_purposes"
    __table_args__ = (
        UniqueConstraint("app_id", "permission", name="uq_mobile_permission_purposes_app_perm"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    app_id: Mapped[str] = mapped_column(ForeignKey("mobile_apps.id", ondelete="CASCADE"))
    permission: Mapped[str] = mapped_column(String(255))
    purpose_zh: Mapped[str] = mapped_column(Text)
    purpose_en: Mapped[str] = mapped_column(Text)
    sensitive_data: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(128))


class MobileApproval(Base):
    """One unit's approval of a release (A6.3.1.4): security or compliance, one person each."""

    __tablename__ = "mobile_approvals"
    __table_args__ = (
        UniqueConstraint("release_id", "unit", name="uq_mobile_approvals_release_unit"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    release_id: Mapped[str] = mapped_column(ForeignKey("mobile_releases.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(16))  # security, compliance
    approver: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MobileLabTest(Base):
    """A test record: TAF lab test against the MAS baseline, or an OWASP Top 10 retest."""

    __tablename__ = "mobile_lab_tests"
    __table_args__ = (Index("ix_mobile_lab_tests_app_kind", "app_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    app_id: Mapped[str] = mapped_column(ForeignKey("mobile_apps.id", ondelete="CASCADE"))
    release_id: Mapped[str | None] = mapped_column(
        ForeignKey("mobile_releases.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # mas_baseline, owasp_top10
    lab: Mapped[str] = mapped_column(String(255))
    taf_accreditation_no: Mapped[str] = mapped_column(String(32), default="")
    baseline_version: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[str] = mapped_column(String(4), default="")  # L1, L2, L3
    version_tested: Mapped[str] = mapped_column(String(64), default="")
    tested_from: Mapped[date] = mapped_column(Date)
    tested_to: Mapped[date] = mapped_column(Date)
    report_date: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16))  # pass, fail, conditional
    report_evidence: Mapped[str | None] = mapped_column(String(255), nullable=True)
    fixes_confirmed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    fixes_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))


class MobileChecklistItem(Base):
    """One test item of the rules' appendix checklist, imported from CSV/XLSX."""

    __tablename__ = "mobile_checklist_items"
    __table_args__ = (
        UniqueConstraint("version", "item_no", name="uq_mobile_checklist_items_version_no"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    version: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(255))
    item_no: Mapped[str] = mapped_column(String(32))
    requirement: Mapped[str] = mapped_column(Text)
    technical_requirement: Mapped[str] = mapped_column(Text)
    l1: Mapped[bool] = mapped_column(Boolean)
    l2: Mapped[bool] = mapped_column(Boolean)
    l3: Mapped[bool] = mapped_column(Boolean)
    f: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class MobileReportReview(Base):
    """A review of a lab report against the checklist (A6.3.3.3)."""

    __tablename__ = "mobile_report_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    lab_test_id: Mapped[str] = mapped_column(ForeignKey("mobile_lab_tests.id", ondelete="CASCADE"))
    checklist_version: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(4))
    reviewer: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # open, completed
    summary: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MobileReviewItem(Base):
    """The reviewer's outcome for one checklist item: present, consistent or missing."""

    __tablename__ = "mobile_review_items"
    __table_args__ = (
        UniqueConstraint("review_id", "item_no", name="uq_mobile_review_items_review_no"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    review_id: Mapped[str] = mapped_column(
        ForeignKey("mobile_report_reviews.id", ondelete="CASCADE")
    )
    item_no: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # present, consistent, missing
    note: Mapped[str] = mapped_column(Text, default="")
    finding_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(128))
