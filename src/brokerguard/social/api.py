"""Social-media JSON API: registers, publishing workflow, disclosure profile and checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import Field

from brokerguard.errors import NotFoundError
from brokerguard.inputs import InputModel
from brokerguard.registerkit.pages import download
from brokerguard.registerkit.web import add_findings_api, add_register_api
from brokerguard.social import service
from brokerguard.social.fetch import FetchPolicy
from brokerguard.social.models import OfficialAccount
from brokerguard.social.registers import REGISTERS
from brokerguard.social.schemas import (
    DisclosureCheckListOut,
    DisclosureCheckOut,
    DisclosureProfileOut,
    PostListOut,
    PostOut,
)
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import AppClock, AppSettings, CurrentStaff, DbSession, require_writer

router = APIRouter(prefix="/api/v1/social", tags=["social"])
Writer = Annotated[StaffIdentity, Depends(require_writer())]
for _spec in REGISTERS:
    add_register_api(router, _spec)

CHECK_IDS = (
    "social.platform_risk_rated",
    "social.account_privacy_review",
    "social.account_admin_mfa",
    "social.publishing_approved",
    "social.disclosure_identity",
    "social.disclosure_complaints",
    "social.monitoring_recent",
)
add_findings_api(router, CHECK_IDS)


def fetch_policy(settings: AppSettings) -> FetchPolicy:
    """The settings' policy (public addresses only); tests override this dependency
    to reach a loopback page."""
    cfg = settings.social
    return FetchPolicy(timeout_s=cfg.fetch_timeout_s, max_bytes=cfg.fetch_max_bytes)


Policy = Annotated[FetchPolicy, Depends(fetch_policy)]


class DraftBody(InputModel):
    account: str = Field(max_length=128)
    title: str = Field(max_length=255)
    body: MultilineText = Field(max_length=20000)


class EditBody(InputModel):
    title: str = Field(max_length=255)
    body: MultilineText = Field(max_length=20000)


class ReviewBody(InputModel):
    decision: str = Field(max_length=8)
    note: MultilineText = Field(default="", max_length=2000)


class PublishBody(InputModel):
    url: str = Field(default="", max_length=500)


class ProfileBody(InputModel):
    firm_name: str = Field(max_length=255)
    address: str = Field(max_length=255)
    phone: str = Field(max_length=64)
    licence_number: str = Field(max_length=128)
    complaint_contact: str = Field(max_length=255)
    complaint_handler: str = Field(max_length=255)


@router.get("/posts", response_model=PostListOut)
def posts_api(session: DbSession, user: CurrentStaff, status: str | None = None) -> dict[str, Any]:
    return {
        "items": [
            service.post_summary(session, p) for p in service.list_posts(session, status=status)
        ]
    }


@router.get("/posts/export")
def posts_export_api(session: DbSession, user: CurrentStaff, format: str = "csv") -> Response:
    return download(*service.export_posts(session, format[:10]))


@router.post("/posts", status_code=201, response_model=PostOut)
def draft_api(body: DraftBody, session: DbSession, clock: AppClock, user: Writer) -> dict[str, Any]:
    row = service.draft_post(
        session, clock, account=body.account, title=body.title, body=body.body, actor=user.username
    )
    return service.post_summary(session, row)


@router.put("/posts/{post_id}", response_model=PostOut)
def edit_api(
    post_id: str, body: EditBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    row = service.edit_draft(
        session, clock, post_id, title=body.title, body=body.body, actor=user.username
    )
    return service.post_summary(session, row)


@router.post("/posts/{post_id}/review", response_model=PostOut)
def review_api(
    post_id: str, body: ReviewBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    """Approve or reject a draft; the signed-in reviewer must not be its author."""
    if body.decision == "approve":
        row = service.approve_post(session, clock, post_id, approver=user.username, note=body.note)
    elif body.decision == "reject":
        row = service.reject_post(session, clock, post_id, approver=user.username, note=body.note)
    else:
        from brokerguard.errors import ValidationError

        raise ValidationError("decision must be approve or reject", field="decision")
    return service.post_summary(session, row)


@router.post("/posts/{post_id}/publish", response_model=PostOut)
def publish_api(
    post_id: str, body: PublishBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    row = service.publish_post(session, clock, post_id, publisher=user.username, url=body.url)
    return service.post_summary(session, row)


@router.get("/disclosure/profile", response_model=DisclosureProfileOut)
def profile_api(session: DbSession, user: CurrentStaff) -> dict[str, str]:
    return service.profile_dict(service.get_profile(session))


@router.put("/disclosure/profile", response_model=DisclosureProfileOut)
def set_profile_api(
    body: ProfileBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, str]:
    row = service.set_profile(session, clock, body.model_dump(), user.username)
    return service.profile_dict(row)


@router.get("/disclosure/checks", response_model=DisclosureCheckListOut)
def checks_api(session: DbSession, user: CurrentStaff) -> dict[str, Any]:
    latest = service.latest_checks(session)
    return {"items": [service.check_summary(session, c) for c in latest.values()]}


@router.post("/disclosure/checks", response_model=DisclosureCheckListOut)
def run_checks_api(
    session: DbSession, clock: AppClock, user: Writer, policy: Policy
) -> dict[str, Any]:
    """Fetch every active account's public page now and record what it shows."""
    rows = service.check_all_disclosures(session, clock, policy=policy)
    return {"items": [service.check_summary(session, c) for c in rows]}


@router.post("/disclosure/checks/{account_id}", response_model=DisclosureCheckOut)
def run_check_api(
    account_id: str, session: DbSession, clock: AppClock, user: Writer, policy: Policy
) -> dict[str, Any]:
    account = session.get(OfficialAccount, account_id) if len(account_id) <= 64 else None
    if account is None:
        raise NotFoundError(f"no official account {account_id[:64]!r}", field="account_id")
    row = service.check_account_disclosure(session, clock, account, policy=policy)
    return service.check_summary(session, row)
