"""JSON API of the mobile domain under ``/api/v1/mobile`` (A6.3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from brokerguard.clock import parse_date, today
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.inputs import QueryBool
from brokerguard.mobile import approvals, gate, listing, registry, review, testing
from brokerguard.mobile.models import MobileRelease
from brokerguard.mobile.schemas import (
    AppIn,
    AppOut,
    ApprovalIn,
    ApprovalOut,
    ArtifactReportOut,
    ChecklistImportOut,
    GateResultOut,
    LabDueOut,
    LabTestOut,
    ListingOut,
    PurposeIn,
    PurposeOut,
    ReleaseOut,
    ReviewCompleteIn,
    ReviewIn,
    ReviewItemIn,
    ReviewItemOut,
    ReviewOut,
)
from brokerguard.mobile.uploads import (
    analyze_upload,
    read_artifact,
    read_upload,
    register_uploaded_release,
)
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.tabular import ImportMode
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    run_unit_of_work,
)

router = APIRouter(prefix="/api/v1/mobile", tags=["mobile"])

Writer = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.app_team))
]
Security = Annotated[StaffIdentity, Depends(require_roles(Role.security))]
Reviewer = Annotated[StaffIdentity, Depends(require_roles(Role.security, Role.compliance))]


def _date(value: str, field: str) -> date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationError(str(exc), field=field) from None


@router.get("/apps", response_model=list[AppOut])
def list_apps(session: DbSession, staff: CurrentStaff) -> Any:
    return registry.list_apps(session)


@router.post("/apps", response_model=AppOut, status_code=201)
def create_app(body: AppIn, session: DbSession, clock: AppClock, staff: Writer) -> Any:
    return registry.register_app(session, clock, actor=staff.username, **body.model_dump())


@router.get("/apps/{slug}", response_model=AppOut)
def read_app(slug: str, session: DbSession, staff: CurrentStaff) -> Any:
    return registry.get_app(session, slug)


@router.get("/apps/{slug}/releases", response_model=list[ReleaseOut])
def list_releases(slug: str, session: DbSession, staff: CurrentStaff) -> Any:
    return registry.releases(session, registry.get_app(session, slug))


@router.get("/apps/{slug}/purposes", response_model=list[PurposeOut])
def list_purposes(slug: str, session: DbSession, staff: CurrentStaff) -> Any:
    return list(registry.purposes(session, registry.get_app(session, slug)).values())


@router.put("/apps/{slug}/purposes/{permission}", response_model=PurposeOut)
def put_purpose(
    slug: str, permission: str, body: PurposeIn, session: DbSession, clock: AppClock, staff: Writer
) -> Any:
    app = registry.get_app(session, slug)
    return registry.set_purpose(
        session, clock, app, permission=permission, actor=staff.username, **body.model_dump()
    )


@router.post("/analyze", response_model=ArtifactReportOut)
async def analyze(staff: CurrentStaff, artifact: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Analyse an uploaded APK or IPA; nothing is stored."""
    report = await analyze_upload(artifact)
    return report.to_dict()


@router.post("/apps/{slug}/gate", response_model=GateResultOut)
async def run_gate(
    slug: str,
    session: DbSession,
    clock: AppClock,
    staff: CurrentStaff,
    artifact: Annotated[UploadFile, File()],
    settings: AppSettings,
    major_update: Annotated[QueryBool | None, Form()] = None,
) -> dict[str, Any]:
    """The release gate for an uploaded artifact (``passed`` tells whether it may ship)."""
    report = await analyze_upload(artifact)

    def evaluate() -> dict[str, Any]:
        """The gate, in one trip to the thread pool."""
        app = registry.get_app(session, slug)
        result = gate.evaluate_gate(
            session,
            clock,
            app,
            report,
            major_update=major_update,
            lab_test_valid_days=settings.mobile.lab_test_valid_days,
        )
        return result.to_dict()

    return await run_unit_of_work(session, evaluate)


@router.post("/apps/{slug}/releases", response_model=ReleaseOut, status_code=201)
async def create_release(
    slug: str,
    session: DbSession,
    clock: AppClock,
    staff: Writer,
    artifact: Annotated[UploadFile, File()],
    major_reasons: Annotated[list[str] | None, Form()] = None,
    store: Annotated[str, Form(max_length=64)] = "",
) -> MobileRelease:
    read = await read_artifact(artifact)

    def register() -> MobileRelease:
        """The analysis and the release, in one trip to the thread pool."""
        release, _ = register_uploaded_release(
            session,
            clock,
            registry.get_app(session, slug),
            read,
            actor=staff.username,
            major_reasons=major_reasons,
            store=store,
        )
        return release

    return await run_unit_of_work(session, register)


@router.post("/apps/{slug}/releases/{release_id}/publish", response_model=ReleaseOut)
async def publish(
    slug: str,
    release_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Writer,
    artifact: Annotated[UploadFile, File()],
    released_on: Annotated[str, Form(max_length=32)] = "",
) -> MobileRelease:
    report = await analyze_upload(artifact)

    def publish_release() -> MobileRelease:
        """The publication, in one trip to the thread pool."""
        app = registry.get_app(session, slug)
        release = registry.get_release(session, release_id)
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
        return release

    return await run_unit_of_work(session, publish_release)


@router.get("/releases/{release_id}/approvals", response_model=list[ApprovalOut])
def list_approvals(release_id: str, session: DbSession, staff: CurrentStaff) -> Any:
    release = registry.get_release(session, release_id)
    return list(approvals.approvals_of(session, release).values())


@router.post("/releases/{release_id}/approvals", response_model=ApprovalOut, status_code=201)
def approve(
    release_id: str,
    body: ApprovalIn,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Reviewer,
) -> Any:
    """Approve as the signed-in person, for a unit they belong to (A6.3.1.4)."""
    release = registry.get_release(session, release_id)
    return approvals.approve_release(
        session,
        clock,
        release,
        unit=approvals.parse_unit(body.unit),
        approver=staff.username,
        approver_roles=staff.roles,
        comment=body.comment,
        settings=settings,
    )


@router.post("/apps/{slug}/lab-tests", response_model=LabTestOut, status_code=201)
async def create_lab_test(
    slug: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Reviewer,
    kind: Annotated[str, Form(max_length=32)],
    lab: Annotated[str, Form(max_length=255)],
    tested_from: Annotated[str, Form(max_length=32)],
    tested_to: Annotated[str, Form(max_length=32)],
    report_date: Annotated[str, Form(max_length=32)],
    result: Annotated[str, Form(max_length=16)],
    taf_accreditation_no: Annotated[str, Form(max_length=16)] = "",
    baseline_version: Annotated[str, Form(max_length=64)] = "",
    level: Annotated[str, Form(max_length=4)] = "",
    version_tested: Annotated[str, Form(max_length=64)] = "",
    release_id: Annotated[str, Form(max_length=36)] = "",
    report: Annotated[UploadFile | None, File()] = None,
) -> Any:
    read: tuple[str, bytes] | BrokerguardError | None = None
    if report is not None and report.filename:
        try:
            read = (report.filename, await read_upload(report, settings.upload_max_bytes, "report"))
        except BrokerguardError as refusal:
            read = refusal  # raised after the app and the release are found, as before

    def record() -> Any:
        """The lab test, in one trip to the thread pool."""
        app = registry.get_app(session, slug)
        release = registry.get_release(session, release_id) if release_id.strip() else None
        if isinstance(read, BrokerguardError):
            raise read
        return testing.record_test(
            session,
            clock,
            settings,
            app,
            kind=kind,
            lab=lab,
            tested_from=_date(tested_from, "tested_from"),
            tested_to=_date(tested_to, "tested_to"),
            report_date=_date(report_date, "report_date"),
            result=result,
            actor=staff.username,
            taf_accreditation_no=taf_accreditation_no,
            baseline_version=baseline_version,
            level=level,
            version_tested=version_tested,
            release=release,
            report_file=read,
        )

    return await run_unit_of_work(session, record)


@router.get("/apps/{slug}/lab-tests", response_model=list[LabTestOut])
def list_lab_tests(slug: str, session: DbSession, staff: CurrentStaff) -> Any:
    return testing.records_of(session, registry.get_app(session, slug))


@router.post("/lab-tests/{test_id}/confirm-fixes", response_model=LabTestOut)
def confirm_fixes(test_id: str, session: DbSession, clock: AppClock, staff: Security) -> Any:
    test = testing.get_test(session, test_id)
    return testing.confirm_fixes(session, clock, test, actor=staff.username, roles=staff.roles)


@router.get("/lab-tests/due", response_model=list[LabDueOut])
def lab_tests_due(
    session: DbSession, clock: AppClock, staff: CurrentStaff, settings: AppSettings
) -> Any:
    day = today(clock)
    days = settings.mobile.lab_test_valid_days
    rows = []
    for app in registry.list_apps(session):
        if app.customer_facing:
            due = testing.lab_test_due(session, app, day, days)
            rows.append(
                LabDueOut(
                    app=app.slug,
                    last_report=due.last.report_date if due.last else None,
                    due=due.due,
                    overdue=due.overdue,
                )
            )
    return rows


@router.post("/checklists", response_model=ChecklistImportOut)
async def import_checklist(
    session: DbSession,
    staff: Reviewer,
    settings: AppSettings,
    version: Annotated[str, Form(max_length=64)],
    file: Annotated[UploadFile, File()],
    mode: Annotated[str, Form(max_length=32)] = ImportMode.all_or_nothing.value,
) -> dict[str, Any]:
    try:
        chosen = ImportMode(mode)
    except ValueError:
        raise ValidationError("mode must be all_or_nothing or valid_rows", field="mode") from None
    content = await read_upload(file, settings.upload_max_bytes)
    filename = file.filename or "checklist"

    def load() -> dict[str, Any]:
        """The checklist, in one trip to the thread pool."""
        count = review.import_checklist(session, content, filename, version=version, mode=chosen)
        return {"version": version, "items": count}

    return await run_unit_of_work(session, load)


@router.post("/lab-tests/{test_id}/reviews", response_model=ReviewOut, status_code=201)
def start_review(
    test_id: str, body: ReviewIn, session: DbSession, clock: AppClock, staff: Reviewer
) -> Any:
    test = testing.get_test(session, test_id)
    return review.start_review(
        session,
        clock,
        test,
        checklist_version=body.checklist_version,
        reviewer=staff.username,
        level=body.level,
    )


@router.post("/reviews/{review_id}/items", response_model=ReviewItemOut)
def record_item(
    review_id: str, body: ReviewItemIn, session: DbSession, clock: AppClock, staff: Reviewer
) -> Any:
    row = review.get_review(session, review_id)
    return review.record_item(
        session,
        clock,
        row,
        item_no=body.item_no,
        outcome=body.outcome,
        note=body.note,
        actor=staff.username,
    )


@router.post("/reviews/{review_id}/complete", response_model=ReviewOut)
def complete_review(
    review_id: str,
    body: ReviewCompleteIn,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Reviewer,
) -> Any:
    row = review.get_review(session, review_id)
    return review.complete_review(session, clock, row, summary=body.summary, settings=settings)


@router.get("/listing.json", responses={200: {"model": ListingOut}})
def listing_json(session: DbSession, staff: CurrentStaff) -> Response:
    entries = listing.official_listing(session)
    return Response(listing.listing_json(entries), media_type="application/json")


@router.get("/listing.html")
def listing_html(session: DbSession, settings: AppSettings, staff: CurrentStaff) -> HTMLResponse:
    entries = listing.official_listing(session)
    return HTMLResponse(listing.listing_html(entries, settings.firm_name_zh, settings.firm_name_en))
