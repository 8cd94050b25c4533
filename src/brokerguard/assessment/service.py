"""Stored assessment runs: snapshots, trend, per-requirement history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokerguard.assessment.models import (
    AssessmentCheckResult,
    AssessmentRequirementResult,
    AssessmentRun,
)
from brokerguard.assessment.registry import Status
from brokerguard.assessment.results import AssessmentSnapshot, CheckOutcome, RequirementOutcome
from brokerguard.errors import NotFoundError


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    finished_at: datetime
    scope: str
    passed: int
    failed: int
    manual: int
    errors: int
    not_applicable: int

    @property
    def pass_rate(self) -> float:
        """Share of obligations that pass (not-applicable ones excluded)."""
        total = self.passed + self.failed + self.manual + self.errors
        return self.passed / total if total else 0.0


def _summary(run: AssessmentRun) -> RunSummary:
    return RunSummary(
        run.id,
        run.finished_at,
        run.scope,
        run.passed,
        run.failed,
        run.manual,
        run.errors,
        run.not_applicable,
    )


def last_passed_map(session: Session) -> dict[str, datetime]:
    """For every requirement, when a run last found it passing."""
    rows = session.execute(
        select(AssessmentRequirementResult.requirement_id, func.max(AssessmentRun.finished_at))
        .join(AssessmentRun, AssessmentRun.id == AssessmentRequirementResult.run_id)
        .where(AssessmentRequirementResult.status == Status.passed.value)
        .group_by(AssessmentRequirementResult.requirement_id)
    )
    return {requirement_id: when for requirement_id, when in rows if when is not None}


def get_snapshot(session: Session, run_id: str) -> AssessmentSnapshot:
    run = session.get(AssessmentRun, run_id)
    if run is None:
        raise NotFoundError(f"no assessment run {run_id}", field="run_id")
    checks = tuple(
        CheckOutcome(
            check_id=row.check_id,
            requirement_ids=tuple(row.requirement_ids.split(",")),
            title_zh=row.title_zh,
            title_en=row.title_en,
            status=Status(row.status),
            reason_zh=row.reason_zh,
            reason_en=row.reason_en,
            evidence=tuple(json.loads(row.evidence)),
            started_at=row.started_at,
            duration_ms=row.duration_ms,
        )
        for row in session.scalars(
            select(AssessmentCheckResult)
            .where(AssessmentCheckResult.run_id == run_id)
            .order_by(AssessmentCheckResult.check_id)
        )
    )
    passed_at = last_passed_map(session)
    requirements = {
        row.requirement_id: RequirementOutcome(
            requirement_id=row.requirement_id,
            status=Status(row.status),
            check_ids=tuple(c for c in row.check_ids.split(",") if c),
            last_passed_at=passed_at.get(row.requirement_id),
            reason_zh=row.reason_zh,
            reason_en=row.reason_en,
        )
        for row in session.scalars(
            select(AssessmentRequirementResult).where(AssessmentRequirementResult.run_id == run_id)
        )
    }
    return AssessmentSnapshot(
        run_id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        scope=run.scope,
        triggered_by=run.triggered_by,
        checks=checks,
        requirements=requirements,
    )


def latest_snapshot(session: Session, *, full_scope_only: bool = True) -> AssessmentSnapshot | None:
    query = select(AssessmentRun.id).order_by(AssessmentRun.finished_at.desc()).limit(1)
    if full_scope_only:
        query = query.where(AssessmentRun.scope == "all")
    run_id = session.scalar(query)
    return get_snapshot(session, run_id) if run_id else None


def run_history(session: Session, *, limit: int = 60) -> list[RunSummary]:
    """Full-scope runs, oldest first (for the trend chart)."""
    rows = session.scalars(
        select(AssessmentRun)
        .where(AssessmentRun.scope == "all")
        .order_by(AssessmentRun.finished_at.desc())
        .limit(limit)
    )
    return list(reversed([_summary(r) for r in rows]))


def requirement_history(
    session: Session, requirement_id: str, *, limit: int = 30
) -> list[tuple[datetime, Status]]:
    rows = session.execute(
        select(AssessmentRun.finished_at, AssessmentRequirementResult.status)
        .join(AssessmentRun, AssessmentRun.id == AssessmentRequirementResult.run_id)
        .where(AssessmentRequirementResult.requirement_id == requirement_id)
        .order_by(AssessmentRun.finished_at.desc())
        .limit(limit)
    )
    return [(when, Status(status)) for when, status in rows]


def check_history(
    session: Session, check_id: str, *, limit: int = 30
) -> list[tuple[datetime, Status, str]]:
    rows = session.execute(
        select(
            AssessmentRun.finished_at, AssessmentCheckResult.status, AssessmentCheckResult.reason_zh
        )
        .join(AssessmentRun, AssessmentRun.id == AssessmentCheckResult.run_id)
        .where(AssessmentCheckResult.check_id == check_id)
        .order_by(AssessmentRun.finished_at.desc())
        .limit(limit)
    )
    return [(when, Status(status), reason) for when, status, reason in rows]
