"""HTML pages: phishing cases (list, check a link, case detail with workflow) and brands."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brokerguard.clock import as_utc
from brokerguard.errors import BrokerguardError, PermissionDeniedError, ValidationError
from brokerguard.phishing import reminders, service
from brokerguard.phishing.domains import HostError
from brokerguard.phishing.feeds import urls_in_text
from brokerguard.phishing.models import PhishingCase
from brokerguard.phishing.registry import current_brands
from brokerguard.phishing.scoring import Scorer, Verdict
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    run_unit_of_work,
)
from brokerguard.web.labels import LABELS
from brokerguard.web.tables import TableSpec, table_page
from brokerguard.web.templating import render

router = APIRouter(prefix="/phishing", include_in_schema=False)
STATUS_CLASS = {
    "new": "status-fail",
    "triaged": "status-manual",
    "takedown_requested": "status-manual",
    "closed": "status-pass",
}


def _require_security(staff: StaffIdentity) -> None:
    if not staff.has_any(Role.security):
        raise PermissionDeniedError("only the cybersecurity unit handles phishing cases")


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/phishing/cases", status_code=303)


CASE_TABLE: TableSpec[PhishingCase] = TableSpec(
    search=lambda c: " ".join((c.number, c.target, c.brand_key, c.registrar, c.hosting)),
    sorts={
        "number": lambda c: c.number,
        "score": lambda c: c.score,
        "status": lambda c: service.STATUSES.index(c.status),
        "opened": lambda c: as_utc(c.opened_at),
    },
    default_sort="-opened",
    filters={
        "status": (service.STATUSES, lambda c: c.status),
        "kind": (("site", "app"), lambda c: c.kind),
        "detection": (tuple(LABELS["detection_kind"]), lambda c: c.detection_kind),
    },
)


def _cases_page(
    request: Request,
    session: DbSession,
    *,
    text: str = "",
    verdicts: list[Verdict | dict[str, str]] | None = None,
    error: str | None = None,
    code: int = 200,
) -> Response:
    cases = table_page(request.query_params, CASE_TABLE, service.list_cases(session))
    return render(
        request,
        "phishing/cases.html",
        {
            "t": cases,
            "statuses": service.STATUSES,
            "detection_labels": LABELS["detection_kind"],
            "status_class": STATUS_CLASS,
            "text": text,
            "verdicts": verdicts,
            "error": error,
            "has_brands": bool(current_brands(session)),
        },
        status_code=code,
    )


@router.get("/cases")
def cases_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _cases_page(request, session)


@router.post("/check")
def check_form(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    text: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Check pasted links, domains or a whole SMS / LINE message."""
    brands = current_brands(session)
    if not brands:
        return _cases_page(request, session, text=text, error="no_brands", code=422)
    items = urls_in_text(text) or [t for t in text.split() if t][:50]
    if not items:
        return _cases_page(request, session, text=text, error="empty", code=422)
    scorer = Scorer(brands)
    verdicts: list[Verdict | dict[str, str]] = []
    for item in items[:50]:
        try:
            verdicts.append(scorer.check(item))
        except HostError as exc:
            verdicts.append({"input": item[:200], "error": exc.message})
    return _cases_page(request, session, text=text, verdicts=verdicts)


@router.post("/cases")
def open_case_form(
    request: Request,
    session: DbSession,
    clock: AppClock,
    staff: CurrentStaff,
    sink: AppAuditSink,
    target: Annotated[str, Form(max_length=4096)] = "",
) -> Response:
    _require_security(staff)
    try:
        verdict = Scorer(current_brands(session)).check(target)
        case = service.open_site_case(
            session, clock, verdict, source="report", actor=staff.username, sink=sink
        )
    except (BrokerguardError, ValueError) as exc:
        message = exc.message if isinstance(exc, BrokerguardError) else str(exc)
        return _cases_page(request, session, text=target, error=message, code=422)
    return RedirectResponse(f"/phishing/cases/{case.id}", status_code=303)


def _detail(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    case_id: str,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    code: int = 200,
) -> Response:
    case = service.get_case(session, case_id)
    brand = service.brand_of(current_brands(session), case.brand_key)
    letters = service.letters_for(case, brand, settings, settings.phishing)
    return render(
        request,
        "phishing/case.html",
        {
            "case": case,
            "brand": brand,
            "reasons": json.loads(case.reasons or "[]"),
            "evidence": json.loads(case.evidence or "[]"),
            "events": service.case_events(session, case),
            "letters": letters,
            "status_class": STATUS_CLASS,
            "error": error,
            "form": form or {},
        },
        status_code=code,
    )


@router.get("/cases/{case_id}")
def case_page(
    request: Request, case_id: str, session: DbSession, settings: AppSettings, staff: CurrentStaff
) -> Response:
    return _detail(request, session, settings, case_id)


@router.post("/cases/{case_id}/{action}")
def case_action(
    request: Request,
    case_id: str,
    action: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: CurrentStaff,
    sink: AppAuditSink,
    note: Annotated[str, Form(max_length=1000)] = "",
    registrar: Annotated[str, Form(max_length=256)] = "",
    hosting: Annotated[str, Form(max_length=256)] = "",
    resolution: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    _require_security(staff)
    case = service.get_case(session, case_id)
    brands = current_brands(session)
    form = {"note": note, "registrar": registrar, "hosting": hosting, "resolution": resolution}
    try:
        if action == "confirm":
            service.confirm_case(
                session,
                clock,
                settings,
                case,
                actor=staff.username,
                brands=brands,
                note=note,
                registrar=registrar,
                hosting=hosting,
                sink=sink,
            )
        elif action == "dismiss":
            service.triage(
                session, clock, case, actor=staff.username, confirmed=False, note=note, sink=sink
            )
        elif action == "takedown":
            service.request_takedown(
                session,
                clock,
                settings,
                case,
                actor=staff.username,
                brand=service.brand_of(brands, case.brand_key),
                sink=sink,
            )
        elif action == "close":
            service.close_case(
                session, clock, case, actor=staff.username, resolution=resolution, sink=sink
            )
        else:
            return _detail(request, session, settings, case_id, error="unknown action", code=404)
    except BrokerguardError as exc:
        session.rollback()
        return _detail(
            request, session, settings, case_id, error=exc.message, form=form, code=exc.status_code
        )
    return RedirectResponse(f"/phishing/cases/{case_id}", status_code=303)


@router.get("/brands")
def brands_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return render(request, "phishing/brands.html", {"brands": current_brands(session)})


def _reminders_page(
    request: Request,
    session: DbSession,
    *,
    error: BrokerguardError | None = None,
    form: dict[str, str] | None = None,
    code: int = 200,
) -> Response:
    return render(
        request,
        "phishing/reminders.html",
        {
            "texts": sorted(reminders.template_texts(session).items()),
            "sends": reminders.recent_sends(session),
            "error": error,
            "form": form or {},
        },
        status_code=code,
    )


@router.get("/reminders")
def reminders_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _reminders_page(request, session)


@router.post("/reminders/notice")
def save_notice(
    request: Request,
    session: DbSession,
    clock: AppClock,
    staff: CurrentStaff,
    template: Annotated[str, Form(max_length=64)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
    subject: Annotated[str, Form(max_length=400)] = "",
    body: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    if not staff.has_any(Role.security, Role.compliance):
        raise PermissionDeniedError("only the cybersecurity or compliance unit edits notices")
    form = {"template": template, "language": language, "subject": subject, "body": body}
    try:
        reminders.save_template(
            session,
            clock,
            key=template,
            language=language,
            subject=subject,
            body=body,
            actor=staff.username,
        )
    except BrokerguardError as exc:
        session.rollback()
        return _reminders_page(request, session, error=exc, form=form, code=exc.status_code)
    return RedirectResponse("/phishing/reminders", status_code=303)


@router.post("/reminders/send")
def send_now(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: CurrentStaff,
) -> Response:
    if not staff.has_any(Role.security, Role.compliance):
        raise PermissionDeniedError("only the cybersecurity or compliance unit sends notices")
    domains = [d for b in current_brands(session) for d in b.domains]
    channels = reminders.default_channels(settings, clock, settings.phishing, email=False)
    reminders.send_reminder(
        session,
        clock,
        settings,
        template="periodic",
        channels=channels,
        recipients=[],
        domains=domains,
        trigger="periodic",
        actor=staff.username,
    )
    return RedirectResponse("/phishing/reminders", status_code=303)


@router.get("/apps")
def apps_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return render(request, "phishing/apps.html", {"results": None, "error": None})


@router.post("/apps")
async def apps_check(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: CurrentStaff,
    sink: AppAuditSink,
    upload: Annotated[UploadFile, File()],
    record: Annotated[bool, Form()] = False,
) -> Response:
    """Check an uploaded store-listing file (CSV/JSON) or APK for counterfeits (A6.3.1.3)."""
    from brokerguard.phishing.apps import (
        AppVerdict,
        RowError,
        brand_looks,
        check_apk_bytes,
        check_listings,
    )

    if record:
        _require_security(staff)
    name = (upload.filename or "").strip()
    raw = await upload.read(settings.upload_max_bytes + 1)

    def check() -> Response:
        """The check, its record and the page, in one trip to the thread pool."""
        results: list[AppVerdict | RowError] = []
        try:
            if not name:
                raise ValidationError("the upload has no file name", field="upload")
            if len(raw) > settings.upload_max_bytes:
                raise ValidationError("the upload is too large", field="upload")
            brands = current_brands(session)
            if not brands:
                raise ValidationError("no brand registered", field="brands")
            looks = brand_looks(brands)
            if name.lower().endswith(".apk"):
                results.append(check_apk_bytes(looks, name, raw))
            else:
                results.extend(check_listings(looks, raw, name))
            if record:
                verdicts = [r for r in results if isinstance(r, AppVerdict)]
                service.record_scan(
                    session,
                    clock,
                    source="apps",
                    started_at=clock.now(),
                    names=len(verdicts),
                    flagged=sum(v.flagged for v in verdicts),
                    rejected=len(results) - len(verdicts),
                    description=name[:200],
                    settings=settings,
                    actor=staff.username,
                )
                for verdict in verdicts:
                    if verdict.flagged:
                        service.open_app_case(
                            session, clock, verdict, actor=staff.username, sink=sink
                        )
        except BrokerguardError as exc:
            session.rollback()
            return render(
                request,
                "phishing/apps.html",
                {"results": None, "error": exc},
                status_code=exc.status_code,
            )
        return render(
            request, "phishing/apps.html", {"results": results, "error": None, "recorded": record}
        )

    return await run_unit_of_work(session, check)
