from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from brokerguard.outputs import ResponseModel


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class FindingStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    closed = "closed"


class FindingRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    requirement_id: str
    title: str
    description: str
    source: str
    source_ref: str
    severity: Severity
    owner: str
    plan: str
    due_date: date | None
    status: FindingStatus
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    closing_evidence: str | None
    closing_note: str

    def is_overdue(self, today: date) -> bool:
        return (
            self.status != FindingStatus.closed
            and self.due_date is not None
            and self.due_date < today
        )


class FailedCheckOut(ResponseModel):
    """A failed or erroring check of the latest full run: a candidate for a finding."""

    check_id: str
    requirement_ids: list[str]
    title_zh: str
    title_en: str
    status: str
    reason_zh: str
    reason_en: str
