from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class PolicyStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    retired = "retired"


class PolicyRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    title: str
    version: str
    owner_unit: str
    status: PolicyStatus
    approver: str | None
    approved_on: date | None
    next_review: date | None
    document_evidence_id: str | None
    notes: str
    created_by: str
    created_at: datetime
    requirement_ids: list[str]

    def is_in_force(self, today: date) -> bool:
        return (
            self.status == PolicyStatus.approved
            and self.approved_on is not None
            and self.approved_on <= today
            and self.next_review is not None
            and self.next_review >= today
        )
