"""HTML pages of the mobile domain: apps, release timeline, permission diff, approvals, tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, to_taipei
from brokerguard.config import Settings
from brokerguard.errors import BrokerguardError, NotFoundError
from brokerguard.mobile import approvals, gate, registry, review, testing
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.models import (
    MobileApp,
    MobileApproval,
    MobileRelease,
    MobileReportReview,
)
from brokerguard.mobile.uploads import (
    major_reasons_given,
    read_artifact,
    register_uploaded_release,
)
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    run_unit_of_work,
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
        "gate": None,
        "release_form": {},
        "release_error": None,
        "release_error_detail": None,
        "major_reasons": registry.MAJOR_REASONS,
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
        context["approval_refusal"] = APPROVAL_REFUSALS.get(
            error.field or "", "You may not approve for that unit. Nothing was saved."
        )
        return render(request, "mobile/app.html", context, status_code=error.status_code)
    return RedirectResponse(f"/mobile/apps/{app.slug}", status_code=303)


#: what a refused release step tells the user, by the field at fault (catalogue msgids)
RELEASE_REFUSALS = {
    "artifact": "The file cannot be released as this app: it is not its APK or IPA, it is "
    "damaged, or it is already registered. Nothing was saved.",
    "major_reasons": "A major update names what changed. Nothing was saved.",
    "store": "The store name is at most 64 characters. Nothing was saved.",
    "release": "The release gate does not pass, or the release is no longer a candidate. "
    "Nothing was published.",
    "released_on": "The release date is not a date (2026-12-31 or 115/12/31).",
    "package": "The file is another app's package. Nothing was saved.",
}
Upload = Annotated[UploadFile, File()]
#: what a refused approval tells the user, by the field at fault (catalogue msgids)
APPROVAL_REFUSALS = {
    "unit": "That unit has already approved this release, or it is not a unit. Nothing was saved.",
    "comment": "An approval needs a comment of at most 2,000 characters. Nothing was saved.",
    "approver": "The two approvals need two different people. Nothing was saved.",
    "release": "Only a release candidate is approved. Nothing was saved.",
}


def _gate_result(
    session: Session, clock: Clock, settings: Settings, app: MobileApp, report: ArtifactReport
) -> gate.GateResult:
    return gate.evaluate_gate(
        session, clock, app, report, lab_test_valid_days=settings.mobile.lab_test_valid_days
    )


def _release_page(
    request: Request,
    session: Session,
    app: MobileApp,
    *,
    result: gate.GateResult | None = None,
    error: BrokerguardError | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    """The app's page with a gate result or a refused release step (the input kept)."""
    context = _app_context(session, app)
    context["gate"] = result
    context["release_form"] = form or {}
    context["release_error"] = (
        RELEASE_REFUSALS.get(error.field or "", "Nothing was saved.") if error else None
    )
    context["release_error_detail"] = error.message if error else None
    status = 200 if error is None else (error.status_code if error.status_code < 500 else 422)
    return render(request, "mobile/app.html", context, status_code=status)


@router.post("/apps/{slug}/releases")
async def upload_release(
    request: Request,
    slug: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Writer,
    artifact: Upload,
    store: Annotated[str, Form(max_length=256)] = "",
    major_reasons: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
) -> Response:
    """Analyse an uploaded APK or IPA, register it as a release candidate and show the gate
    result (A6.3): what must still happen before it may be published."""
    read = await read_artifact(artifact)
    form: dict[str, object] = {"store": store, "major_reasons": major_reasons_given(major_reasons)}

    def register() -> Response:
        """The analysis, the release, the gate and the page, in one trip to the thread pool."""
        app = registry.get_app(session, slug)
        try:
            _, report = register_uploaded_release(
                session,
                clock,
                app,
                read,
                actor=staff.username,
                major_reasons=major_reasons,
                store=store,
            )
        except BrokerguardError as error:
            session.rollback()
            return _release_page(request, session, app, error=error, form=form)
        result = _gate_result(session, clock, settings, app, report)
        return _release_page(request, session, app, result=result)

    return await run_unit_of_work(session, register)


@router.post("/apps/{slug}/gate")
async def check_gate(
    request: Request,
    slug: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: CurrentStaff,
    artifact: Upload,
) -> Response:
    """The gate for an uploaded artifact, rule by rule; nothing is written."""
    read = await read_artifact(artifact)

    def check() -> Response:
        """The analysis, the gate and the page, in one trip to the thread pool."""
        app = registry.get_app(session, slug)
        try:
            report = read.analyze()
        except BrokerguardError as error:
            return _release_page(request, session, app, error=error)
        return _release_page(
            request, session, app, result=_gate_result(session, clock, settings, app, report)
        )

    return await run_unit_of_work(session, check)


@router.post("/releases/{release_id}/publish")
async def publish_form(
    request: Request,
    release_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Writer,
    artifact: Upload,
    released_on: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Publish a candidate: the file sent must be the one registered and the gate must pass."""
    read = await read_artifact(artifact)
    form: dict[str, object] = {"release_id": release_id, "released_on": released_on}

    def publish() -> Response:
        """The analysis, the gate, the publication or its refusal page, in one trip to the
        thread pool."""
        release = registry.get_release(session, release_id)
        app = session.get(MobileApp, release.app_id)
        if app is None:
            raise NotFoundError("the release's app is gone", field="release")
        result = None
        try:
            report = read.analyze()
            result = _gate_result(session, clock, settings, app, report)
            gate.publish_from_form(
                session,
                clock,
                settings,
                app,
                release,
                report,
                released_on=released_on,
                actor=staff.username,
            )
        except BrokerguardError as error:
            session.rollback()
            return _release_page(request, session, app, result=result, error=error, form=form)
        return RedirectResponse(f"/mobile/apps/{app.slug}#release-{release.id}", status_code=303)

    return await run_unit_of_work(session, publish)


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
