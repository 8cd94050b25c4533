"""JSON shapes of the phishing API."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.inputs import InputModel
from brokerguard.outputs import ResponseModel
from brokerguard.phishing.models import CaseEvent, PhishingCase
from brokerguard.textpolicy import MultilineText


class CheckRequest(InputModel):
    model_config = ConfigDict(extra="forbid")

    inputs: list[str] = Field(min_length=1, max_length=1000)
    text: str | None = Field(default=None, max_length=20_000)  # an SMS / LINE message


class OpenCaseRequest(InputModel):
    model_config = ConfigDict(extra="forbid")

    input: str = Field(min_length=1, max_length=4096)
    source: str = Field(default="report", pattern=r"^(report|sms|ct|nrd|urls|domains)$")


class TriageRequest(InputModel):
    model_config = ConfigDict(extra="forbid")

    confirmed: bool
    note: MultilineText = Field(default="", max_length=1000)
    registrar: str = Field(default="", max_length=256)
    hosting: str = Field(default="", max_length=256)


class CloseRequest(InputModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=1, max_length=256)


class CaseOut(BaseModel):
    id: str
    number: str
    kind: str
    target: str
    brand_key: str
    score: int
    detection_kind: str
    status: str
    source: str
    reasons: list[dict[str, str]]
    evidence: list[str]
    opened_at: datetime
    takedown_requested_at: datetime | None
    closed_at: datetime | None
    resolution: str

    @classmethod
    def of(cls, case: PhishingCase) -> CaseOut:
        return cls(
            id=case.id,
            number=case.number,
            kind=case.kind,
            target=case.target,
            brand_key=case.brand_key,
            score=case.score,
            detection_kind=case.detection_kind,
            status=case.status,
            source=case.source,
            reasons=json.loads(case.reasons or "[]"),
            evidence=json.loads(case.evidence or "[]"),
            opened_at=case.opened_at,
            takedown_requested_at=case.takedown_requested_at,
            closed_at=case.closed_at,
            resolution=case.resolution,
        )


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: str

    @classmethod
    def of(cls, event: CaseEvent) -> EventOut:
        return cls(at=event.at, actor=event.actor, action=event.action, detail=event.detail)


class LetterOut(BaseModel):
    recipient: str
    title: str
    text: str


class NoticeIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    body: MultilineText = Field(min_length=1, max_length=4000)


# --- response bodies (truthful OpenAPI, issue 20) ---------------------------------------


class ReasonOut(ResponseModel):
    """Why a domain scored as it did, in both languages."""

    code: str
    zh: str
    en: str


class VerdictOut(ResponseModel):
    """One domain or URL scored against the registered brands (A8.1)."""

    input: str
    domain: str
    #: the domain's Unicode form, when it differs from ``domain`` (an IDN)
    unicode: str | None = None
    flagged: bool
    brand: str | None
    score: float
    kind: str | None
    reasons: list[ReasonOut]


class UnscoredOut(ResponseModel):
    """An input that is not a usable host name, and why."""

    input: str
    error: str


class CheckOut(ResponseModel):
    results: list[VerdictOut | UnscoredOut]


class CaseDetailOut(ResponseModel):
    case: CaseOut
    events: list[EventOut]


class TakedownOut(ResponseModel):
    """The zh-TW takedown letters generated (and stored as evidence) for a case."""

    case: CaseOut
    letters: list[LetterOut]


class BrandAppOut(ResponseModel):
    platform: str
    package: str
    cert_sha256: list[str]
    name: str
    store_urls: list[str]
    icon: str | None


class BrandOut(ResponseModel):
    """A registered brand and the terms its domains and aliases give the scorer."""

    key: str
    name_zh: str
    name_en: str
    aliases: list[str]
    abbreviations: list[str]
    stock_code: str | None
    domains: list[str]
    apps: list[BrandAppOut]
    logos: list[str]
    terms: list[str]


class BrandsStoredOut(ResponseModel):
    """``PUT /brands``: the keys stored and the brands as YAML (the brand-file format)."""

    stored: list[str]
    yaml: str


class BannerMessageOut(ResponseModel):
    """The anti-phishing banner in one language."""

    title: str
    body: str
    template: str
    published_at: str


class InAppMessageOut(ResponseModel):
    """One message of the in-app anti-phishing feed."""

    id: str
    language: str
    title: str
    body: str
    template: str
    published_at: str


#: the web banner: one message per language (``zh-TW``, ``en``)
Banner = dict[str, BannerMessageOut]
#: the in-app feed, newest first
InAppFeed = list[InAppMessageOut]


class NoticeOut(ResponseModel):
    """A customer notice in force (edited or built in) in one language."""

    template: str
    language: str
    subject: str
    body: str


class ReminderSendOut(ResponseModel):
    """One reminder sent on one channel (the body only as its SHA-256)."""

    sent_at: str
    template: str
    channel: str
    language: str
    trigger: str
    recipients: int
    failures: int
    subject: str
    body_sha256: str


class PeriodicSentOut(ResponseModel):
    sends: int


class PhishingSettingsOut(ResponseModel):
    """The phishing settings in force (the mail relay's address left out)."""

    brands_file: str | None
    scan_max_age_days: int
    takedown_within_days: int
    reminder_every_days: int
    smtp_sender: str
    smtp_starttls: bool
    smtp_timeout_s: float
    fetch_timeout_s: float
    fetch_max_bytes: int
    app_store_url: str
    app_store_country: str
    contact_unit: str
    contact_phone: str
    contact_email: str
