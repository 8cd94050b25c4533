"""Findings: open (idempotently per source), plan, close with evidence."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.findings.models import Finding
from brokerguard.findings.schemas import FindingRecord, FindingStatus, Severity
from brokerguard.rulebook import require_known


def _record(row: Finding) -> FindingRecord:
    return FindingRecord.model_validate(row)


def open_finding(
    session: Session,
    clock: Clock,
    *,
    requirement_id: str,
    title: str,
    source: str,
    source_ref: str,
    description: str = "",
    owner: str = "",
    due_date: date | None = None,
    severity: str = "medium",
) -> FindingRecord:
    """Open a finding, or return the one still open for the same ``source`` and ``source_ref``."""
    require_known(requirement_id)
    if not title.strip():
        raise ValidationError("a finding needs a title", field="title")
    if not source.strip() or not source_ref.strip():
        raise ValidationError("a finding needs its source and source reference", field="source")
    try:
        level = Severity(severity)
    except ValueError:
        raise ValidationError(
            f"severity must be one of {[s.value for s in Severity]}", field="severity"
        ) from None
    existing = session.scalar(
        select(Finding).where(
            Finding.source == source,
            Finding.source_ref == source_ref,
            Finding.status != FindingStatus.closed.value,
        )
    )
    if existing is not None:
        return _record(existing)
    row = Finding(
        requirement_id=requirement_id,
        title=title.strip()[:255],
        description=description,
        source=source,
        source_ref=source_ref[:255],
        severity=level.value,
        owner=owner,
        plan="",
        due_date=due_date,
        status=FindingStatus.open.value,
        created_at=clock.now(),
        closing_note="",
    )
    session.add(row)
    session.flush()
    return _record(row)


def _get(session: Session, finding_id: str) -> Finding:
    row = session.get(Finding, finding_id)
    if row is None:
        raise NotFoundError(f"no finding with id {finding_id}", field="finding_id")
    return row


def get_finding(session: Session, finding_id: str) -> FindingRecord:
    return _record(_get(session, finding_id))


def update_plan(
    session: Session,
    finding_id: str,
    *,
    plan: str,
    owner: str | None = None,
    due_date: date | None = None,
) -> FindingRecord:
    row = _get(session, finding_id)
    if row.status == FindingStatus.closed.value:
        raise ConflictError("a closed finding cannot be changed", field="status")
    row.plan = plan
    if owner is not None:
        row.owner = owner
    if due_date is not None:
        row.due_date = due_date
    row.status = FindingStatus.in_progress.value
    session.flush()
    return _record(row)


MAX_OWNER = 128


def assign_owner(
    session: Session, finding_id: str, *, owner: str, due_date: date | None = None
) -> FindingRecord:
    """Give an open finding its owner (and a due date), leaving its plan and status as they are."""
    owner = owner.strip()
    if not owner:
        raise ValidationError("name the owner", field="owner")
    if len(owner) > MAX_OWNER:
        raise ValidationError(f"the owner is longer than {MAX_OWNER} characters", field="owner")
    row = _get(session, finding_id)
    if row.status == FindingStatus.closed.value:
        raise ConflictError("a closed finding cannot be changed", field="status")
    row.owner = owner
    if due_date is not None:
        row.due_date = due_date
    session.flush()
    return _record(row)


def close_finding(
    session: Session,
    clock: Clock,
    finding_id: str,
    *,
    closed_by: str,
    note: str,
    closing_evidence: str | None = None,
) -> FindingRecord:
    """Close with a note (and the evidence reference proving the fix, where there is one)."""
    row = _get(session, finding_id)
    if row.status == FindingStatus.closed.value:
        raise ConflictError("the finding is already closed", field="status")
    if not note.strip():
        raise ValidationError("say how the finding was resolved", field="note")
    row.status = FindingStatus.closed.value
    row.closed_at = clock.now()
    row.closed_by = closed_by
    row.closing_note = note.strip()
    row.closing_evidence = closing_evidence
    session.flush()
    return _record(row)


def list_open(session: Session, requirement_id: str | None = None) -> list[FindingRecord]:
    query = select(Finding).where(Finding.status != FindingStatus.closed.value)
    if requirement_id is not None:
        query = query.where(Finding.requirement_id == requirement_id)
    return [
        _record(r) for r in session.scalars(query.order_by(Finding.due_date, Finding.created_at))
    ]


def list_findings(session: Session, *, limit: int = 1000) -> list[FindingRecord]:
    rows = session.scalars(select(Finding).order_by(Finding.created_at.desc()).limit(limit))
    return [_record(r) for r in rows]


def overdue(session: Session, today: date) -> list[FindingRecord]:
    return [f for f in list_open(session) if f.is_overdue(today)]
