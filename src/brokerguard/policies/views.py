"""Policy register pages: list with coverage, register a policy, approve one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brokerguard.clock import today
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.evidence.forms import parse_optional_date, parse_requirement_ids
from brokerguard.policies.coverage import policy_coverage
from brokerguard.policies.schemas import PolicyRecord
from brokerguard.policies.service import (
    approve_policy,
    attach_document,
    get_policy,
    list_policies,
    register_policy,
)
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    require_writer_or_app_team,
    run_unit_of_work,
)
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)


WRITERS = (Role.security, Role.compliance, Role.app_team)
APPROVERS = (Role.compliance,)
REGISTER_FIELDS = ("title", "version", "owner_unit", "requirement_ids", "notes")
#: the evidence store names the uploaded file ``file``/``filename``; the forms call it document
DOCUMENT_FIELDS = frozenset({"file", "filename", "sha256", "kind"})


def _field(error: BrokerguardError, default: str) -> str:
    if error.field in DOCUMENT_FIELDS:
        return "document"
    return error.field or default


def _chosen(upload: UploadFile | None) -> bool:
    """True when the browser sent a file (an empty file input sends a part with no name)."""
    return upload is not None and bool(upload.filename)


async def _read(settings: AppSettings, upload: UploadFile) -> tuple[bytes, str]:
    """The chosen file's bytes (at most one over the limit) and its name: the only part of
    a policy form read on the event loop."""
    return await upload.read(settings.upload_max_bytes + 1), (upload.filename or "")[:200]


def _attach(
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    policy: PolicyRecord,
    document: tuple[bytes, str],
    user: StaffIdentity,
) -> PolicyRecord:
    content, filename = document
    return attach_document(
        session,
        clock,
        settings,
        policy.id,
        content=content,
        filename=filename,
        uploaded_by=user.username,
    )


@router.get("/policies")
def policy_list(
    request: Request, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    day = today(clock)
    policies = list_policies(session)
    return render(
        request,
        "policies/list.html",
        {
            "policies": policies,
            "coverage": policy_coverage(policies, day),
            "today": day,
            "can_write": user.has_any(*WRITERS),
            "can_approve": user.has_any(*APPROVERS),
        },
    )


@router.get("/policies/new")
def register_form(
    request: Request, user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())]
) -> Response:
    values = dict.fromkeys(REGISTER_FIELDS, "")
    values["owner_unit"] = user.unit
    values["requirement_ids"] = request.query_params.get("requirement_ids", "")[:500]
    return render(request, "policies/new.html", {"values": values, "errors": {}})


@router.post("/policies/new")
async def register_submit(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    title: Annotated[str, Form(max_length=1000)] = "",
    version: Annotated[str, Form(max_length=200)] = "",
    owner_unit: Annotated[str, Form(max_length=500)] = "",
    requirement_ids: Annotated[str, Form(max_length=5000)] = "",
    notes: Annotated[str, Form(max_length=10000)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    values = {
        "title": title,
        "version": version,
        "owner_unit": owner_unit,
        "requirement_ids": requirement_ids,
        "notes": notes,
    }
    document_read = await _read(settings, document) if document and _chosen(document) else None

    def work() -> Response:
        try:
            policy = register_policy(
                session,
                clock,
                title=title,
                version=version,
                owner_unit=owner_unit,
                requirement_ids=parse_requirement_ids(requirement_ids),
                created_by=user.username,
                notes=notes.strip(),
            )
            if document_read is not None:
                policy = _attach(session, clock, settings, policy, document_read, user)
        except BrokerguardError as error:
            session.rollback()
            status = error.status_code if error.status_code < 500 else 422
            return render(
                request,
                "policies/new.html",
                {"values": values, "errors": {_field(error, "title"): error.message}},
                status_code=status,
            )
        return RedirectResponse(f"/policies#policy-{policy.id}", status_code=303)

    return await run_unit_of_work(session, work)


@router.get("/policies/{policy_id}/document")
def document_form(
    policy_id: str,
    request: Request,
    session: DbSession,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
) -> Response:
    policy = get_policy(session, policy_id[:64])
    return render(request, "policies/document.html", {"p": policy, "errors": {}})


@router.post("/policies/{policy_id}/document")
async def document_submit(
    policy_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Attach the policy's own file, stored in the evidence store (the file read on the
    event loop, the database work in the thread pool)."""
    document_read = await _read(settings, document) if document and _chosen(document) else None

    def work() -> Response:
        policy = get_policy(session, policy_id[:64])
        try:
            if document_read is None:
                raise ValidationError("choose the policy document to upload", field="document")
            _attach(session, clock, settings, policy, document_read, user)
        except BrokerguardError as error:
            session.rollback()
            status = error.status_code if error.status_code < 500 else 422
            return render(
                request,
                "policies/document.html",
                {"p": policy, "errors": {_field(error, "document"): error.message}},
                status_code=status,
            )
        return RedirectResponse(f"/policies#policy-{policy.id}", status_code=303)

    return await run_unit_of_work(session, work)


@router.get("/policies/{policy_id}/approve")
def approve_form(
    policy_id: str,
    request: Request,
    session: DbSession,
    user: Annotated[StaffIdentity, Depends(require_roles(*APPROVERS))],
) -> Response:
    policy = get_policy(session, policy_id[:64])
    values = {"approver": user.username, "approved_on": "", "next_review": ""}
    return render(request, "policies/approve.html", {"p": policy, "values": values, "errors": {}})


@router.post("/policies/{policy_id}/approve")
def approve_submit(
    policy_id: str,
    request: Request,
    session: DbSession,
    user: Annotated[StaffIdentity, Depends(require_roles(*APPROVERS))],
    approver: Annotated[str, Form(max_length=500)] = "",
    approved_on: Annotated[str, Form(max_length=100)] = "",
    next_review: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    policy = get_policy(session, policy_id[:64])
    values = {"approver": approver, "approved_on": approved_on, "next_review": next_review}
    try:
        approved = parse_optional_date(approved_on, "approved_on")
        review = parse_optional_date(next_review, "next_review")
        if approved is None:
            raise ValidationError("the approval date is required", field="approved_on")
        if review is None:
            raise ValidationError("the next review date is required", field="next_review")
        approve_policy(
            session, policy.id, approver=approver, approved_on=approved, next_review=review
        )
    except BrokerguardError as error:
        session.rollback()
        status = error.status_code if error.status_code < 500 else 422
        return render(
            request,
            "policies/approve.html",
            {"p": policy, "values": values, "errors": {_field(error, "approver"): error.message}},
            status_code=status,
        )
    return RedirectResponse(f"/policies#policy-{policy.id}", status_code=303)
