"""HTML pages of the mobile domain: apps, release timeline, permission diff, approvals, tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brokerguard.clock import to_taipei
from brokerguard.errors import BrokerguardError, NotFoundError
from brokerguard.mobile import approvals, registry, review, testing
from brokerguard.mobile.models import (
    MobileApp,
    MobileApproval,
    MobileRelease,
    MobileReportReview,
)
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
)
from brokerguard.web.templating import render

router = APIRouter(prefix="/mobile", include_in_schema=False)
Reviewer = Annotated[StaffIdentity, Depends(require_roles(Role.security, Role.compliance))]
Writer = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.app_team))
]


@dataclass(frozen=True)
class TimelineEntry:
    release: MobileRelease
    added: list[str]
    removed: list[str]
    approvals: dict[str, MobileApproval]


def timeline(session: DbSession, app: MobileApp) -> list[TimelineEntry]:
    """Releases oldest first, each with its permission diff against the release before it."""
    rows = sorted(
        registry.releases(session, app),
        key=lambda r: (r.released_on or date.max, r.created_at, r.version_code),
    )
    entries: list[TimelineEntry] = []
    previous: set[str] | None = None
    for row in rows:
        current = set(row.permissions)
        before = previous if previous is not None else set()
        entries.append(
            TimelineEntry(
                release=row,
                added=sorted(current - before),
                removed=sorted(before - current),
                approvals={u.value: a for u, a in approvals.approvals_of(session, row).items()},
            )
        )
        if row.status == registry.ReleaseStatus.released:
            previous = current
    return list(reversed(entries))


@router.get("")
def apps_page(
    request: Request,
    session: DbSession,
    clock: AppClock,
    staff: CurrentStaff,
    settings: AppSettings,
) -> Response:
    today = to_taipei(clock.now()).date()
    days = settings.mobile.lab_test_valid_days
    rows = []
    for app in registry.list_apps(session):
        due = testing.lab_test_due(session, app, today, days) if app.customer_facing else None
        rows.append((app, registry.latest_released(session, app), due))
    return render(request, "mobile/apps.html", {"rows": rows})


def _app_context(session: DbSession, app: MobileApp) -> dict[str, object]:
    tests = testing.records_of(session, app)
    return {
        "app": app,
        "timeline": timeline(session, app),
        "purposes": registry.purposes(session, app),
        "tests": tests,
        "reviews": {t.id: review.reviews_of(session, t) for t in tests},
        "unstated": _unstated(session, app),
        "checklist_versions": review.checklist_versions(session),
        "units": [u.value for u in approvals.Unit],
        "form": {},
        "form_error": None,
        "purpose_form": {},
        "purpose_error": None,
    }


def _unstated(session: DbSession, app: MobileApp) -> list[str]:
    stated = registry.purposes(session, app)
    wanted = {p for r in registry.releases(session, app) for p in r.permissions}
    return sorted(p for p in wanted if p not in stated)


@router.post("/apps/{slug}/purposes")
def purpose_form(
    request: Request,
    slug: str,
    session: DbSession,
    clock: AppClock,
    staff: Writer,
    permission: Annotated[str, Form(max_length=255)] = "",
    purpose_zh: Annotated[str, Form(max_length=4000)] = "",
    purpose_en: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    app = registry.get_app(session, slug)
    try:
        registry.set_purpose(
            session,
            clock,
            app,
            permission=permission,
            purpose_zh=purpose_zh,
            purpose_en=purpose_en,
            actor=staff.username,
        )
    except BrokerguardError as error:
        session.rollback()
        context = _app_context(session, app)
        context["purpose_form"] = {
            "permission": permission,
            "purpose_zh": purpose_zh,
            "purpose_en": purpose_en,
        }
        context["purpose_error"] = error
        return render(request, "mobile/app.html", context, status_code=error.status_code)
    return RedirectResponse(f"/mobile/apps/{app.slug}#purposes", status_code=303)


@router.get("/apps/{slug}")
def app_page(request: Request, slug: str, session: DbSession, staff: CurrentStaff) -> Response:
    app = registry.get_app(session, slug)
    return render(request, "mobile/app.html", _app_context(session, app))


@router.post("/releases/{release_id}/approve")
def approve_form(
    request: Request,
    release_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: CurrentStaff,
    unit: Annotated[str, Form(max_length=16)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    release = registry.get_release(session, release_id)
    app = session.get(MobileApp, release.app_id)
    if app is None:
        raise NotFoundError("the release's app is gone", field="release")
    roles = staff.roles - {Role.admin}
    try:
        approvals.approve_release(
            session,
            clock,
            release,
            unit=approvals.parse_unit(unit),
            approver=staff.username,
            approver_roles=roles,
            comment=comment,
            settings=settings,
        )
    except BrokerguardError as error:
        session.rollback()
        context = _app_context(session, app)
        context["form"] = {"release_id": release_id, "unit": unit, "comment": comment}
        context["form_error"] = error
        return render(request, "mobile/app.html", context, status_code=error.status_code)
    return RedirectResponse(f"/mobile/apps/{app.slug}", status_code=303)


@router.post("/lab-tests/{test_id}/reviews")
def start_review_form(
    test_id: str,
    session: DbSession,
    clock: AppClock,
    staff: Reviewer,
    checklist_version: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    test = testing.get_test(session, test_id)
    row = review.start_review(
        session, clock, test, checklist_version=checklist_version, reviewer=staff.username
    )
    return RedirectResponse(f"/mobile/reviews/{row.id}", status_code=303)


def _review_context(session: DbSession, row: MobileReportReview) -> dict[str, object]:
    test = testing.get_test(session, row.lab_test_id)
    return {
        "review": row,
        "test": test,
        "app": session.get(MobileApp, test.app_id),
        "items": review.checklist(session, row.checklist_version, row.level),
        "outcomes": review.review_items(session, row),
        "choices": [o.value for o in review.Outcome],
        "form_error": None,
        "form": {},
    }


@router.get("/reviews/{review_id}")
def review_page(
    request: Request, review_id: str, session: DbSession, staff: CurrentStaff
) -> Response:
    row = review.get_review(session, review_id)
    return render(request, "mobile/review.html", _review_context(session, row))


@router.post("/reviews/{review_id}/items")
def review_item_form(
    request: Request,
    review_id: str,
    session: DbSession,
    clock: AppClock,
    staff: Reviewer,
    item_no: Annotated[str, Form(max_length=32)] = "",
    outcome: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    row = review.get_review(session, review_id)
    try:
        review.record_item(
            session, clock, row, item_no=item_no, outcome=outcome, note=note, actor=staff.username
        )
    except BrokerguardError as error:
        session.rollback()
        context = _review_context(session, row)
        context["form_error"] = error
        context["form"] = {"item_no": item_no, "outcome": outcome, "note": note}
        return render(request, "mobile/review.html", context, status_code=error.status_code)
    return RedirectResponse(f"/mobile/reviews/{row.id}#item-{item_no}", status_code=303)


@router.post("/reviews/{review_id}/complete")
def review_complete_form(
    request: Request,
    review_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Reviewer,
    summary: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    row = review.get_review(session, review_id)
    try:
        review.complete_review(session, clock, row, summary=summary, settings=settings)
    except BrokerguardError as error:
        session.rollback()
        context = _review_context(session, row)
        context["form_error"] = error
        context["form"] = {"summary": summary}
        return render(request, "mobile/review.html", context, status_code=error.status_code)
    return RedirectResponse(f"/mobile/reviews/{row.id}", status_code=303)
