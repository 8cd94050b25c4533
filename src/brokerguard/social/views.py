"""Social-media pages: overview (disclosures, posts) and the four registers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.registerkit.labels import OUTCOME_LABELS, POST_STATUS_LABELS
from brokerguard.registerkit.pages import download
from brokerguard.registerkit.web import add_register_views
from brokerguard.social import service
from brokerguard.social.api import Policy
from brokerguard.social.disclosure import ITEM_LABELS
from brokerguard.social.models import OfficialAccount
from brokerguard.social.registers import ACCOUNTS, ADMINS, MONITORING, PLATFORMS
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.templating import render

router = APIRouter(prefix="/social", include_in_schema=False)
Writer = Annotated[StaffIdentity, Depends(require_writer())]
REGISTER_LINKS = [
    ("/social/platforms", PLATFORMS),
    ("/social/accounts", ACCOUNTS),
    ("/social/admins", ADMINS),
    ("/social/monitoring", MONITORING),
]


def _back(request: Request, session: DbSession) -> dict[str, Any]:
    return {"back": "/social"}


def _overview(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    profile: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    accounts = {a.id: a for a in session.scalars(select(OfficialAccount))}
    latest = service.latest_checks(session)
    return render(
        request,
        "social/overview.html",
        {
            "registers": REGISTER_LINKS,
            "profile": profile or service.profile_dict(service.get_profile(session)),
            "checks": [(accounts.get(account_id), check) for account_id, check in latest.items()],
            "item_labels": ITEM_LABELS,
            "outcome_labels": OUTCOME_LABELS,
            "post_labels": POST_STATUS_LABELS,
            "posts": [service.post_summary(session, p) for p in service.list_posts(session)][:50],
            "account_names": sorted(a.name for a in accounts.values() if a.active),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("")
def overview(request: Request, session: DbSession, user: CurrentStaff) -> Response:
    return _overview(request, session)


def _act(request: Request, session: Session, action: Callable[[], Any]) -> Response:
    try:
        with session.begin_nested():
            action()
    except BrokerguardError as exc:
        code = exc.status_code if exc.status_code < 500 else 422
        return _overview(request, session, error=exc.message, status_code=code)
    return RedirectResponse("/social", status_code=303)


async def _act_off_loop(request: Request, session: Session, action: Callable[[], Any]) -> Response:
    """:func:`_act` in one trip to the thread pool (an ``async`` form handler must not run
    database work on the event loop)."""
    return await run_unit_of_work(session, lambda: _act(request, session, action))


def _form_text(form: Any, name: str, max_chars: int) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > max_chars:
        raise ValidationError(f"{name} is longer than {max_chars} characters", field=name)
    return value


@router.post("/profile")
async def profile_submit(
    request: Request, session: DbSession, clock: AppClock, user: Writer
) -> Response:
    form = await request.form()
    values = {name: _form_text(form, name, size) for name, size in service.PROFILE_FIELDS.items()}

    def save() -> Response:
        """The profile and its refusal page, in one trip to the thread pool."""
        try:
            with session.begin_nested():
                service.set_profile(session, clock, values, user.username)
        except ValidationError as exc:
            return _overview(request, session, error=exc.message, profile=values, status_code=422)
        return RedirectResponse("/social", status_code=303)

    return await run_unit_of_work(session, save)


@router.post("/disclosure-checks")
def run_checks(
    request: Request, session: DbSession, clock: AppClock, user: Writer, policy: Policy
) -> Response:
    return _act(
        request, session, lambda: service.check_all_disclosures(session, clock, policy=policy)
    )


@router.post("/posts")
async def draft_submit(
    request: Request, session: DbSession, clock: AppClock, user: Writer
) -> Response:
    form = await request.form()
    return await _act_off_loop(
        request,
        session,
        lambda: service.draft_post(
            session,
            clock,
            account=_form_text(form, "account", 128),
            title=_form_text(form, "title", 255),
            body=_form_text(form, "body", 20000),
            actor=user.username,
        ),
    )


@router.post("/posts/{post_id}/review")
async def review_submit(
    post_id: str, request: Request, session: DbSession, clock: AppClock, user: Writer
) -> Response:
    form = await request.form()
    decision = _form_text(form, "decision", 8)
    note = _form_text(form, "note", 2000)

    def act() -> Any:
        if decision == "approve":
            return service.approve_post(session, clock, post_id, approver=user.username, note=note)
        if decision == "reject":
            return service.reject_post(session, clock, post_id, approver=user.username, note=note)
        raise ValidationError("decision must be approve or reject", field="decision")

    return await _act_off_loop(request, session, act)


@router.post("/posts/{post_id}/publish")
async def publish_submit(
    post_id: str, request: Request, session: DbSession, clock: AppClock, user: Writer
) -> Response:
    form = await request.form()
    url = _form_text(form, "url", 500)
    return await _act_off_loop(
        request,
        session,
        lambda: service.publish_post(session, clock, post_id, publisher=user.username, url=url),
    )


@router.get("/posts/export.{fmt}")
def posts_export(fmt: str, session: DbSession, user: CurrentStaff) -> Response:
    return download(*service.export_posts(session, fmt[:10]))


add_register_views(router, PLATFORMS, "/platforms", extra=_back)
add_register_views(router, ACCOUNTS, "/accounts", extra=_back)
add_register_views(router, ADMINS, "/admins", extra=_back)
add_register_views(router, MONITORING, "/monitoring", extra=_back)
