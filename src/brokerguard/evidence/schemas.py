from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class EvidenceRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    sha256: str
    filename: str
    title: str
    kind: str
    content_type: str
    size_bytes: int
    owner: str
    unit: str
    uploaded_by: str
    uploaded_at: datetime
    valid_from: date
    valid_until: date | None
    requirement_ids: list[str]

    @property
    def reference(self) -> str:
        return f"evidence:sha256:{self.sha256}"

    def is_current(self, today: date) -> bool:
        return self.valid_from <= today and (self.valid_until is None or self.valid_until >= today)
