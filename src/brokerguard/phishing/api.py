"""JSON API of the phishing domain (``/api/v1/phishing``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from brokerguard.errors import ValidationError
from brokerguard.phishing import reminders, service
from brokerguard.phishing.brands import dump_brands, parse_brands_text
from brokerguard.phishing.domains import HostError
from brokerguard.phishing.feeds import urls_in_text
from brokerguard.phishing.registry import current_brands, save_brands
from brokerguard.phishing.schemas import (
    Banner,
    BrandOut,
    BrandsStoredOut,
    CaseDetailOut,
    CaseOut,
    CheckOut,
    CheckRequest,
    CloseRequest,
    EventOut,
    InAppFeed,
    LetterOut,
    NoticeIn,
    NoticeOut,
    OpenCaseRequest,
    PeriodicSentOut,
    PhishingSettingsOut,
    ReminderSendOut,
    TakedownOut,
    TriageRequest,
)
from brokerguard.phishing.scoring import Scorer
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    require_writer,
)

router = APIRouter(prefix="/api/v1/phishing", tags=["phishing"])
BANNER: TypeAdapter[Banner] = TypeAdapter(Banner)
IN_APP_FEED: TypeAdapter[InAppFeed] = TypeAdapter(InAppFeed)
Security = Annotated[StaffIdentity, Depends(require_roles(Role.security))]
Writer = Annotated[StaffIdentity, Depends(require_writer())]


def _scorer(session: DbSession) -> Scorer:
    brands = current_brands(session)
    if not brands:
        raise ValidationError("no brands registered: import a brand file first", field="brands")
    return Scorer(brands)


@router.post("/check", response_model=CheckOut)
def check(body: CheckRequest, session: DbSession, staff: CurrentStaff) -> dict[str, object]:
    """Score domains or URLs (and the links of an SMS / LINE message) against the brands."""
    scorer = _scorer(session)
    inputs = list(body.inputs) + (urls_in_text(body.text) if body.text else [])
    results: list[dict[str, object]] = []
    for text in inputs[:1000]:
        try:
            results.append(scorer.check(text).as_dict())
        except HostError as exc:
            results.append({"input": text[:300], "error": exc.message})
    return {"results": results}


@router.get("/cases")
def cases(session: DbSession, staff: CurrentStaff, status: str | None = None) -> list[CaseOut]:
    return [CaseOut.of(c) for c in service.list_cases(session, status)]


@router.post("/cases", status_code=201)
def open_case(
    body: OpenCaseRequest, session: DbSession, clock: AppClock, staff: Writer, sink: AppAuditSink
) -> CaseOut:
    """Open a case for a reported domain or URL (it must score as phishing)."""
    try:
        verdict = _scorer(session).check(body.input)
    except HostError as exc:
        raise ValidationError(exc.message, field="input") from None
    case = service.open_site_case(
        session, clock, verdict, source=body.source, actor=staff.username, sink=sink
    )
    return CaseOut.of(case)


@router.get("/cases/{case_id}")
def case_detail(case_id: str, session: DbSession, staff: CurrentStaff) -> CaseDetailOut:
    case = service.get_case(session, case_id)
    return CaseDetailOut(
        case=CaseOut.of(case),
        events=[EventOut.of(e) for e in service.case_events(session, case)],
    )


@router.post("/cases/{case_id}/triage")
def triage(
    case_id: str,
    body: TriageRequest,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Security,
    sink: AppAuditSink,
) -> CaseOut:
    """覆核: confirm (customers are warned at once) or dismiss with a note."""
    case = service.get_case(session, case_id)
    if body.confirmed:
        service.confirm_case(
            session,
            clock,
            settings,
            case,
            actor=staff.username,
            brands=current_brands(session),
            note=body.note,
            registrar=body.registrar,
            hosting=body.hosting,
            sink=sink,
        )
    else:
        service.triage(
            session, clock, case, actor=staff.username, confirmed=False, note=body.note, sink=sink
        )
    return CaseOut.of(case)


@router.post("/cases/{case_id}/takedown")
def takedown(
    case_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Security,
    sink: AppAuditSink,
) -> TakedownOut:
    """Generate the zh-TW takedown letters (stored as evidence)."""
    case = service.get_case(session, case_id)
    brand = service.brand_of(current_brands(session), case.brand_key)
    letters = service.request_takedown(
        session, clock, settings, case, actor=staff.username, brand=brand, sink=sink
    )
    return TakedownOut(
        case=CaseOut.of(case),
        letters=[LetterOut(recipient=x.recipient, title=x.title, text=x.text) for x in letters],
    )


@router.post("/cases/{case_id}/close")
def close(
    case_id: str,
    body: CloseRequest,
    session: DbSession,
    clock: AppClock,
    staff: Security,
    sink: AppAuditSink,
) -> CaseOut:
    case = service.get_case(session, case_id)
    service.close_case(
        session, clock, case, actor=staff.username, resolution=body.resolution, sink=sink
    )
    return CaseOut.of(case)


@router.get("/brands", response_model=list[BrandOut])
def brands(session: DbSession, staff: CurrentStaff) -> list[dict[str, object]]:
    return [
        {"key": b.key, **b.spec.model_dump(), "terms": [t.text for t in b.terms]}
        for b in current_brands(session)
    ]


@router.put("/brands")
def put_brands(
    session: DbSession,
    clock: AppClock,
    staff: Security,
    yaml_text: Annotated[
        MultilineText, Body(media_type="application/yaml", max_length=2 * 1024 * 1024)
    ],
) -> BrandsStoredOut:
    """Replace or add brands from a YAML document (the brand-file format)."""
    loaded = parse_brands_text(yaml_text, source="request body")
    save_brands(session, clock, loaded)
    return BrandsStoredOut(stored=[b.key for b in loaded], yaml=dump_brands(b.spec for b in loaded))


def _published(settings: AppSettings, name: str, shape: TypeAdapter[Any], empty: object) -> Any:
    """A published feed file in its declared shape; a file that does not hold that shape
    (edited by hand, cut short) is served as the empty feed, never as something else."""
    data = reminders.read_json(reminders.feed_dir(settings) / name, empty)
    try:
        return shape.dump_python(shape.validate_python(data), mode="json")
    except PydanticValidationError:
        return empty


@router.get("/public/banner", responses={200: {"model": Banner}})
def banner(settings: AppSettings) -> JSONResponse:
    """The anti-phishing web banner the firm's web site shows (no sign-in)."""
    data = _published(settings, "banner.json", BANNER, {})
    return JSONResponse(data, headers={"Cache-Control": "public, max-age=300"})


@router.get("/public/inapp-feed", responses={200: {"model": InAppFeed}})
def inapp_feed(settings: AppSettings) -> JSONResponse:
    """The in-app anti-phishing messages the trading app shows (no sign-in)."""
    data = _published(settings, "inapp-feed.json", IN_APP_FEED, [])
    return JSONResponse(data, headers={"Cache-Control": "public, max-age=300"})


Editor = Annotated[StaffIdentity, Depends(require_roles(Role.security, Role.compliance))]


@router.get("/notices")
def notices(session: DbSession, staff: CurrentStaff) -> list[NoticeOut]:
    """The customer notices in force (edited text or the built-in one), zh-TW and English."""
    return [
        NoticeOut(template=key, language=language, subject=subject, body=body)
        for (key, language), (subject, body) in sorted(reminders.template_texts(session).items())
    ]


@router.put("/notices/{template}/{language}")
def put_notice(
    template: str,
    language: str,
    body: NoticeIn,
    session: DbSession,
    clock: AppClock,
    staff: Editor,
) -> NoticeOut:
    row = reminders.save_template(
        session,
        clock,
        key=template,
        language=language,
        subject=body.subject,
        body=body.body,
        actor=staff.username,
    )
    return NoticeOut(template=row.key, language=row.language, subject=row.subject, body=row.body)


@router.get("/reminders", response_model=list[ReminderSendOut])
def reminder_log(session: DbSession, staff: CurrentStaff) -> list[dict[str, object]]:
    """The reminder send log (newest first)."""
    return [
        {
            "sent_at": s.sent_at.isoformat(),
            "template": s.template,
            "channel": s.channel,
            "language": s.language,
            "trigger": s.trigger,
            "recipients": s.recipients,
            "failures": s.failures,
            "subject": s.subject,
            "body_sha256": s.body_sha256,
        }
        for s in reminders.recent_sends(session)
    ]


@router.post("/reminders/periodic")
def send_periodic(
    session: DbSession, clock: AppClock, settings: AppSettings, staff: Editor
) -> PeriodicSentOut:
    """Publish the periodic notice on the web banner and the in-app feed now."""
    domains = [d for b in current_brands(session) for d in b.domains]
    channels = reminders.default_channels(settings, clock, settings.phishing, email=False)
    sends = reminders.send_reminder(
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
    return PeriodicSentOut(sends=len(sends))


@router.get("/settings", response_model=PhishingSettingsOut)
def phishing_settings(staff: CurrentStaff, settings: AppSettings) -> dict[str, object]:
    return settings.phishing.model_dump(exclude={"smtp_host", "smtp_port"}, mode="json")
