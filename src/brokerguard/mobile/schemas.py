"""Pydantic shapes of the mobile JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.inputs import InputModel
from brokerguard.outputs import ResponseModel
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


# --- artifact analysis and the release gate (A6.3) --------------------------------------


class PermissionInfoOut(ResponseModel):
    name: str
    protection_level: str
    label: str
    aosp: bool


class ExportedComponentOut(ResponseModel):
    kind: str
    name: str
    permission: str | None
    explicit: bool


class SignerOut(ResponseModel):
    scheme: str
    cert_sha256: str
    verified: bool
    problem: str | None
    algorithm: str | None


class CodeSignalsOut(ResponseModel):
    """What the code's strings reveal (secrets masked)."""

    root_detection: list[str]
    debugger_detection: list[str]
    adb_detection: list[str]
    http_urls: list[str]
    secrets: list[str]
    unreadable: list[str]
    strings_scanned: int


class AnalysisFindingOut(ResponseModel):
    """One finding of an analysis, mapped to OWASP MASVS and a requirement."""

    rule: str
    severity: str
    title_zh: str
    title_en: str
    detail: str
    owasp: list[str]
    masvs: list[str]
    mas_category: str | None
    requirement: str


class ApkReportOut(ResponseModel):
    """What an APK declares, how it is signed, and the findings."""

    platform: Literal["android"]
    package: str
    version_name: str | None
    version_code: str | None
    min_sdk: str | None
    target_sdk: str | None
    permissions: list[str]
    debuggable: str | None
    allow_backup: str | None
    uses_cleartext: str | None
    signed_v1: bool
    signed_v2: bool
    signed_v3: bool
    cert_sha256: list[str]
    artifact_name: str
    artifact_sha256: str
    artifact_size: int
    max_sdk: str | None
    app_label: str | None
    icon_path: str | None
    icon_sha256: str | None
    network_security_config: str | None
    network_config_cleartext: list[str] | None
    permission_details: list[PermissionInfoOut]
    exported_components: list[ExportedComponentOut]
    signers: list[SignerOut]
    signing_certificates: list[str]
    v3_lineage_sha256: list[str]
    broken_signatures: list[str]
    dex_files: list[str]
    code_signals: CodeSignalsOut
    findings: list[AnalysisFindingOut]


class IpaReportOut(ResponseModel):
    """What an IPA declares (Info.plist, entitlements, profile) and the findings."""

    platform: Literal["ios"]
    bundle_id: str
    package: str
    version_name: str | None
    version_code: str | None
    min_os: str | None
    usage_descriptions: dict[str, str]
    permissions: list[str]
    ats_allows_arbitrary_loads: bool
    ats_exception_domains: list[str]
    app_label: str | None
    executable: str | None
    #: the provisioning profile's entitlements as Apple defines them (a property list)
    entitlements: dict[str, Any]
    team_id: str | None
    profile_name: str | None
    profile_expires: str | None
    cert_sha256: list[str]
    artifact_name: str
    artifact_sha256: str
    artifact_size: int
    icon_path: str | None
    icon_sha256: str | None
    code_signals: CodeSignalsOut
    findings: list[AnalysisFindingOut]


ArtifactReportOut = Annotated[ApkReportOut | IpaReportOut, Field(discriminator="platform")]


class GateRuleOut(ResponseModel):
    """One rule of the release gate, passed or not, with the rule's own facts."""

    rule: str
    passed: bool
    message_en: str
    message_zh: str
    #: facts of this rule (the permissions added, the versions compared, ...): each
    #: rule has its own keys
    details: dict[str, Any]


class GateResultOut(ResponseModel):
    """The release gate for one artifact: ``passed`` tells whether it may ship."""

    app: str
    artifact_sha256: str
    version_name: str | None
    previous_version: str | None
    first_release: bool
    added_permissions: list[str]
    removed_permissions: list[str]
    approval_required: bool
    release_id: str | None
    passed: bool
    failed_rules: list[str]
    rules: list[GateRuleOut]


class ChecklistImportOut(ResponseModel):
    """A review checklist imported: its version and how many items it holds."""

    version: str
    items: int


class ListingEntryOut(ResponseModel):
    """One customer-facing app's current release on the official list (A6.3.1.2)."""

    app: str
    name_zh: str
    name_en: str
    platform: str
    version: str
    download_url: str
    store_urls: list[str]


class ListingOut(ResponseModel):
    """The official app list as published on the firm's website."""

    apps: list[ListingEntryOut]
