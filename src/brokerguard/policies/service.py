"""Policy register (A5.x, A6.1-A6.3, A7.1.x: "the firm must have rules containing X")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.evidence.service import get_evidence, store_evidence
from brokerguard.policies.models import PolicyCoverage, PolicyDocument
from brokerguard.policies.schemas import PolicyRecord, PolicyStatus
from brokerguard.rulebook import require_known
from brokerguard.staff.roles import Role
from brokerguard.staff.service import staff_by_username

MAX_REVIEW_CYCLE_DAYS = 3 * 366
APPROVER_ROLE = Role.compliance
"""Policies are approved by a staff user of the compliance unit (法遵單位), by name."""
DOCUMENT_KIND = "policy_document"


def _record(row: PolicyDocument) -> PolicyRecord:
    return PolicyRecord.model_validate(row)


def _clean(value: str, field: str, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{field} is required", field=field)
    if len(text) > max_len:
        raise ValidationError(f"{field} is longer than {max_len} characters", field=field)
    return text


def register_policy(
    session: Session,
    clock: Clock,
    *,
    title: str,
    version: str,
    owner_unit: str,
    requirement_ids: Sequence[str],
    created_by: str,
    document_evidence_id: str | None = None,
    notes: str = "",
) -> PolicyRecord:
    """Register a policy document (as a draft) and the requirements it covers."""
    ids = sorted({r.strip() for r in requirement_ids if r.strip()})
    if not ids:
        raise ValidationError("name the requirement IDs the policy covers", field="requirement_ids")
    require_known(*ids)
    if document_evidence_id is not None:
        get_evidence(session, document_evidence_id)  # NotFoundError names the field
    row = PolicyDocument(
        title=_clean(title, "title", 255),
        version=_clean(version, "version", 32),
        owner_unit=_clean(owner_unit, "owner_unit", 128),
        status=PolicyStatus.draft.value,
        document_evidence_id=document_evidence_id,
        notes=notes,
        created_by=created_by,
        created_at=clock.now(),
        coverage=[PolicyCoverage(requirement_id=r) for r in ids],
    )
    session.add(row)
    session.flush()
    return _record(row)


def _get(session: Session, policy_id: str) -> PolicyDocument:
    row = session.get(PolicyDocument, policy_id)
    if row is None:
        raise NotFoundError(f"no policy with id {policy_id}", field="policy_id")
    return row


def approve_policy(
    session: Session, policy_id: str, *, approver: str, approved_on: date, next_review: date
) -> PolicyRecord:
    row = _get(session, policy_id)
    if row.status == PolicyStatus.retired.value:
        raise ConflictError("a retired policy cannot be approved again", field="status")
    if next_review <= approved_on:
        raise ValidationError(
            "the next review must come after the approval date", field="next_review"
        )
    if (next_review - approved_on).days > MAX_REVIEW_CYCLE_DAYS:
        raise ValidationError("the review cycle may not exceed three years", field="next_review")
    row.status = PolicyStatus.approved.value
    row.approver = _approver(session, _clean(approver, "approver", 128))
    row.approved_on = approved_on
    row.next_review = next_review
    session.flush()
    return _record(row)


def _approver(session: Session, username: str) -> str:
    identity = staff_by_username(session, username)
    if identity is None or APPROVER_ROLE not in identity.roles:
        raise ValidationError(
            f"the approver must be the username of an active staff user of the compliance "
            f"unit (法遵單位), not {username!r}",
            field="approver",
        )
    return identity.username


def approval_problem(session: Session, policy: PolicyRecord) -> tuple[str, str] | None:
    """Why an approved policy does not prove its requirement (zh, en), or None.

    The document must be an item of the evidence store and the approver an active
    staff user holding the approving role, whatever the row was written by."""
    if policy.document_evidence_id is None:
        return "未附規範文件（證據庫）", "no policy document from the evidence store is attached"
    try:
        get_evidence(session, policy.document_evidence_id)
    except NotFoundError:
        return (
            f"規範文件 {policy.document_evidence_id} 不在證據庫中",
            f"its document {policy.document_evidence_id} is not in the evidence store",
        )
    identity = staff_by_username(session, policy.approver or "")
    if identity is None or APPROVER_ROLE not in identity.roles:
        return (
            f"核定人「{policy.approver}」非法遵單位之在職人員帳號",
            f"its approver {policy.approver!r} is not an active staff user of the compliance unit",
        )
    return None


def attach_document(
    session: Session,
    clock: Clock,
    settings: Settings,
    policy_id: str,
    *,
    content: bytes,
    filename: str,
    uploaded_by: str,
) -> PolicyRecord:
    """Store the policy's own file in the evidence store (linked to the requirements the
    policy covers) and attach it. A draft's document may be replaced; an approved policy's
    may not (the approval was given for that document: register the new version instead)."""
    row = _get(session, policy_id)
    if row.status == PolicyStatus.retired.value:
        raise ConflictError("a retired policy takes no document", field="status")
    if row.status == PolicyStatus.approved.value and row.document_evidence_id is not None:
        raise ConflictError(
            "the document of an approved policy cannot be replaced: register the new "
            "version as a policy and approve it",
            field="document",
        )
    stored = store_evidence(
        session,
        clock,
        settings,
        content=content,
        filename=filename,
        title=f"{row.title}（{row.version}）",
        requirement_ids=row.requirement_ids,
        kind=DOCUMENT_KIND,
        uploaded_by=uploaded_by,
        unit=row.owner_unit,
    )
    row.document_evidence_id = stored.id
    session.flush()
    return _record(row)


def retire_policy(session: Session, policy_id: str) -> PolicyRecord:
    row = _get(session, policy_id)
    row.status = PolicyStatus.retired.value
    session.flush()
    return _record(row)


def get_policy(session: Session, policy_id: str) -> PolicyRecord:
    return _record(_get(session, policy_id))


def list_policies(session: Session) -> list[PolicyRecord]:
    return [
        _record(r) for r in session.scalars(select(PolicyDocument).order_by(PolicyDocument.title))
    ]


def policies_covering(session: Session, requirement_id: str) -> list[PolicyRecord]:
    rows = session.scalars(
        select(PolicyDocument)
        .join(PolicyCoverage)
        .where(PolicyCoverage.requirement_id == requirement_id)
        .order_by(PolicyDocument.approved_on.desc())
    )
    return [_record(r) for r in rows]
