"""JSON API of the assessment engine: run now, the latest results, the run history."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from brokerguard.assessment.cli import snapshot_to_json
from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.manual import (
    MAX_REASON,
    ManualAssessmentRecord,
    ManualResult,
    manual_history,
    record_manual_assessment,
)
from brokerguard.assessment.schemas import SnapshotOut
from brokerguard.assessment.service import latest_snapshot, run_history
from brokerguard.errors import NotFoundError
from brokerguard.inputs import InputModel
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer,
    require_writer_or_app_team,
)

router = APIRouter(prefix="/api/v1/assessment", tags=["assessment"])


class RunRequest(InputModel):
    scope: str | None = Field(
        default=None,
        max_length=32,
        description="a requirement ID or prefix (A9, A6.3); all when empty",
    )


class RunSummaryOut(BaseModel):
    run_id: str
    finished_at: str
    scope: str
    passed: int
    failed: int
    manual: int
    errors: int
    not_applicable: int
    pass_rate: float


@router.post("/runs", status_code=201, response_model=SnapshotOut)
def start_run(
    session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    body: RunRequest | None = None,
) -> dict[str, object]:
    """Run the checks now (all, or the requirements under ``scope``) and return the results."""
    scope = (body.scope or "").strip() if body else ""
    snapshot = run_assessment(
        session, settings, clock, scope=scope or None, triggered_by=f"api:{user.username}"
    )
    return snapshot_to_json(snapshot)


@router.get("/latest", response_model=SnapshotOut)
def latest(session: DbSession, user: CurrentStaff) -> dict[str, object]:
    """The latest full assessment: per-requirement status and every check's result."""
    snapshot = latest_snapshot(session)
    if snapshot is None:
        raise NotFoundError("no assessment has run yet", field="run_id")
    return snapshot_to_json(snapshot)


@router.get("/runs")
def runs(
    session: DbSession,
    user: CurrentStaff,
    limit: Annotated[int, Query(ge=1, le=500)] = 60,
) -> list[RunSummaryOut]:
    """Full-scope runs, oldest first (the dashboard's trend)."""
    return [
        RunSummaryOut(
            run_id=r.run_id,
            finished_at=r.finished_at.isoformat(),
            scope=r.scope,
            passed=r.passed,
            failed=r.failed,
            manual=r.manual,
            errors=r.errors,
            not_applicable=r.not_applicable,
            pass_rate=round(r.pass_rate, 4),
        )
        for r in run_history(session, limit=limit)
    ]


class ManualAssessmentIn(InputModel):
    """A manual assessment (人工評估) of a requirement no automated check decides; upload
    its evidence first (``POST /api/v1/evidence``) and name it here."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    requirement_id: str = Field(min_length=1, max_length=32)
    result: ManualResult
    reason: MultilineText = Field(
        default="", max_length=MAX_REASON, description="required for fail and not_applicable"
    )
    evidence_id: str = Field(
        min_length=1, max_length=36, description="current evidence linked to the requirement"
    )
    reviewer: str = Field(
        min_length=1, max_length=64, description="an active staff user other than the caller"
    )
    valid_until: date = Field(description="at most one review cycle of the requirement away")


@router.post("/manual", status_code=201)
def record_manual(
    data: ManualAssessmentIn,
    session: DbSession,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_writer())],
) -> ManualAssessmentRecord:
    """Record a manual assessment; 422 names the first field that is wrong. It counts from
    the next assessment run, while valid, with current evidence and its reviewer."""
    return record_manual_assessment(
        session,
        clock,
        requirement_id=data.requirement_id,
        result=data.result.value,
        reason=data.reason,
        evidence_id=data.evidence_id,
        reviewer=data.reviewer,
        valid_until=data.valid_until,
        assessor=user.username,
    )


@router.get("/manual")
def manual_assessments(
    session: DbSession,
    user: CurrentStaff,
    requirement_id: Annotated[str, Query(min_length=1, max_length=32)],
) -> list[ManualAssessmentRecord]:
    """The manual assessments of one requirement, newest first."""
    requirement = load_rulebook().get(requirement_id)
    return manual_history(session, requirement.id)
