"""JSON shapes of the phishing API."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.inputs import InputModel
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
