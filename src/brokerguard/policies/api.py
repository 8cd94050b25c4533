"""JSON API of the policy register: list, register, approve."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from pydantic import Field

from brokerguard.inputs import InputModel
from brokerguard.policies.schemas import PolicyRecord
from brokerguard.policies.service import (
    approve_policy,
    attach_document,
    list_policies,
    register_policy,
)
from brokerguard.registerkit.files import read_upload, upload_name
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    require_writer_or_app_team,
    run_unit_of_work,
)

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])


class PolicyIn(InputModel):
    title: str = Field(max_length=255)
    version: str = Field(max_length=32)
    owner_unit: str = Field(max_length=128)
    requirement_ids: list[str] = Field(max_length=100)
    notes: MultilineText = Field(default="", max_length=10000)
    document_evidence_id: str | None = Field(default=None, max_length=36)


class ApprovalIn(InputModel):
    approver: str = Field(max_length=128)
    approved_on: date
    next_review: date


@router.get("")
def policies(session: DbSession, user: CurrentStaff) -> list[PolicyRecord]:
    return list_policies(session)


@router.post("", status_code=201)
def create(
    body: PolicyIn,
    session: DbSession,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
) -> PolicyRecord:
    """Register a policy document (as a draft) and the requirement IDs it covers."""
    return register_policy(
        session,
        clock,
        title=body.title,
        version=body.version,
        owner_unit=body.owner_unit,
        requirement_ids=[r[:64] for r in body.requirement_ids],
        created_by=user.username,
        document_evidence_id=body.document_evidence_id,
        notes=body.notes,
    )


@router.post("/{policy_id}/approve")
def approve(
    policy_id: str,
    body: ApprovalIn,
    session: DbSession,
    user: Annotated[StaffIdentity, Depends(require_roles(Role.compliance))],
) -> PolicyRecord:
    """Approve (compliance unit or admin): the approver and the approval and next review dates."""
    return approve_policy(
        session,
        policy_id[:64],
        approver=body.approver,
        approved_on=body.approved_on,
        next_review=body.next_review,
    )


@router.post("/{policy_id}/document")
async def document(
    policy_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    file: Annotated[UploadFile, File()],
) -> PolicyRecord:
    """Attach the policy's own file: stored in the evidence store, linked to the
    requirements the policy covers (a draft's document may be replaced, an approved one's not)."""
    content = await read_upload(file, settings.upload_max_bytes)
    filename = upload_name(file)
    return await run_unit_of_work(
        session,
        lambda: attach_document(
            session,
            clock,
            settings,
            policy_id[:64],
            content=content,
            filename=filename,
            uploaded_by=user.username,
        ),
    )
