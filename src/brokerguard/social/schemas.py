"""Response bodies of the social-media API (A5): the registers' rows, posts and their
review, the disclosure profile and the disclosure checks."""

from __future__ import annotations

from datetime import date

from brokerguard.outputs import ResponseModel


class PlatformRow(ResponseModel):
    """A social-media platform and its risk assessment (A5.1)."""

    id: str
    name: str
    category: str
    staff_use_allowed: bool
    risk_data_leakage: str
    risk_social_engineering: str
    risk_malware: str
    other_risks: str
    controls: str
    assessed_on: date
    assessed_by: str


class AccountRow(ResponseModel):
    """An official account of the firm and its privacy-policy review."""

    id: str
    name: str
    platform: str
    url: str
    owning_unit: str
    active: bool
    privacy_reviewed_on: date | None
    privacy_reviewed_by: str
    privacy_risks: str


class AdminRow(ResponseModel):
    """Who administers an official account, with what permission (A5.3.3)."""

    id: str
    account: str
    admin: str
    permission: str
    mfa_enabled: bool
    granted_on: date | None


class MonitoringRow(ResponseModel):
    """One entry of an official account's monitoring log (A5.4.1)."""

    id: str
    account: str
    observed_on: date
    kind: str
    summary: str
    action: str
    status: str
    handler: str
    closed_on: date | None


class PostOut(ResponseModel):
    """A post: drafted, reviewed (覆核) and published, with who and when."""

    id: str
    account: str
    title: str
    body: str
    status: str
    drafted_by: str
    drafted_at: str | None
    approved_by: str | None
    approved_at: str | None
    review_note: str
    published_by: str | None
    published_at: str | None
    published_url: str


class PostListOut(ResponseModel):
    items: list[PostOut]


class DisclosureProfileOut(ResponseModel):
    """What every official account must disclose (empty text until it is set)."""

    firm_name: str
    address: str
    phone: str
    licence_number: str
    complaint_contact: str
    complaint_handler: str


class DisclosureCheckOut(ResponseModel):
    """One check of an account's public page for the disclosure items."""

    id: str
    account: str
    checked_at: str
    url: str
    outcome: str
    missing: list[str]
    http_status: int | None
    content_sha256: str
    detail: str


class DisclosureCheckListOut(ResponseModel):
    items: list[DisclosureCheckOut]
