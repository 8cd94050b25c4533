"""Pydantic shapes of the mobile JSON API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.inputs import InputModel
from brokerguard.textpolicy import MultilineText


class AppIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(min_length=2, max_length=63)
    name_zh: str = Field(min_length=1, max_length=128)
    name_en: str = Field(min_length=1, max_length=128)
    platform: str = Field(pattern="^(android|ios)$")
    package_name: str = Field(min_length=3, max_length=255)
    customer_facing: bool = True
    store_urls: list[str] = Field(default_factory=list, max_length=10)
    download_url: str = Field(default="", max_length=512)
    official_cert_sha256: list[str] = Field(default_factory=list, max_length=10)
    owner: str = Field(default="", max_length=128)


class AppOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name_zh: str
    name_en: str
    platform: str
    package_name: str
    customer_facing: bool
    store_urls: list[str]
    download_url: str
    official_cert_sha256: list[str]
    owner: str
    created_at: datetime


class PurposeIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    purpose_zh: MultilineText = Field(min_length=1, max_length=2000)
    purpose_en: MultilineText = Field(min_length=1, max_length=2000)
    sensitive_data: MultilineText = Field(default="", max_length=2000)


class PurposeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    permission: str
    purpose_zh: str
    purpose_en: str
    sensitive_data: str
    updated_at: datetime
    updated_by: str


class ReleaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    version_name: str
    version_code: str
    artifact_name: str
    artifact_sha256: str
    signing_cert_sha256: list[str]
    permissions: list[str]
    store: str
    status: str
    major_update: bool
    major_reasons: list[str]
    released_on: date | None
    created_at: datetime
    created_by: str


class ApprovalIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(pattern="^(security|compliance)$")
    comment: MultilineText = Field(min_length=1, max_length=2000)


class ApprovalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    release_id: str
    unit: str
    approver: str
    comment: str
    approved_at: datetime


class LabTestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    lab: str
    taf_accreditation_no: str
    baseline_version: str
    level: str
    version_tested: str
    tested_from: date
    tested_to: date
    report_date: date
    result: str
    report_evidence: str | None
    fixes_confirmed_by: str | None
    fixes_confirmed_at: datetime | None


class LabDueOut(BaseModel):
    app: str
    last_report: date | None
    due: date | None
    overdue: bool


class ReviewIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    checklist_version: str = Field(min_length=1, max_length=64)
    level: str | None = Field(default=None, pattern="^L[123]$")


class ReviewItemIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    item_no: str = Field(min_length=1, max_length=32)
    outcome: str = Field(pattern="^(present|consistent|missing)$")
    note: MultilineText = Field(default="", max_length=2000)


class ReviewCompleteIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    summary: MultilineText = Field(default="", max_length=2000)


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    lab_test_id: str
    checklist_version: str
    level: str
    reviewer: str
    status: str
    summary: str
    started_at: datetime
    completed_at: datetime | None


class ReviewItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_no: str
    outcome: str
    note: str
    finding_id: str | None
