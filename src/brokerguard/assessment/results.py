"""Plain data of one assessment run, as reports and exports (OSCAL) read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from brokerguard.assessment.registry import Status


@dataclass(frozen=True)
class CheckOutcome:
    check_id: str
    requirement_ids: tuple[str, ...]
    title_zh: str
    title_en: str
    status: Status
    reason_zh: str
    reason_en: str
    evidence: tuple[str, ...]
    started_at: datetime
    duration_ms: int


@dataclass(frozen=True)
class RequirementOutcome:
    requirement_id: str
    status: Status
    check_ids: tuple[str, ...]
    #: when the requirement last had status ``pass`` (this run or an earlier one)
    last_passed_at: datetime | None = None
    #: why, when no check decided it (manual requirements, expired evidence, roll-up)
    reason_zh: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class AssessmentSnapshot:
    run_id: str
    started_at: datetime
    finished_at: datetime
    scope: str
    triggered_by: str
    checks: tuple[CheckOutcome, ...]
    requirements: dict[str, RequirementOutcome] = field(default_factory=dict)

    def counts(self) -> dict[Status, int]:
        out = dict.fromkeys(Status, 0)
        for outcome in self.requirements.values():
            out[outcome.status] += 1
        return out
