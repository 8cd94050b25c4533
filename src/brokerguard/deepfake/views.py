"""Video identity session pages: list, start, and one page per session with each step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brokerguard.audit.web import record_customer_read
from brokerguard.deepfake import automatic, service, uploads
from brokerguard.deepfake.analysis.schedule import PROMPTS
from brokerguard.deepfake.api import (
    Cfg,
    Detector,
    Sender,
    read_analysis_files,
    submit_analysis_files,
)
from brokerguard.deepfake.audit import SYSTEM as AUDIT_SYSTEM
from brokerguard.deepfake.audit import record_session_read
from brokerguard.deepfake.evidence import approve_and_keep
from brokerguard.deepfake.export import export_sessions_audited
from brokerguard.errors import BrokerguardError, PermissionDeniedError, ValidationError
from brokerguard.i18n import Translator
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.labels import SESSION_STATUS_LABELS
from brokerguard.registerkit.pages import download
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.refusals import refusal_zh
from brokerguard.web.templating import render, request_language

router = APIRouter(prefix="/deepfake", include_in_schema=False)
Writer = Annotated[StaffIdentity, Depends(require_writer())]


def _writer_or_none(user: CurrentStaff) -> StaffIdentity | None:
    """The writer roles' check that lets the page answer a refusal itself (``None``)."""
    return user if user.has_any(*_writer_or_none.allowed_roles) else None  # type: ignore[attr-defined]


#: read by web.permissions, so the form shows only to the roles that may send it
_writer_or_none.allowed_roles = require_writer().allowed_roles  # type: ignore[attr-defined]
WriterOrNone = Annotated[StaffIdentity | None, Depends(_writer_or_none)]


def _detail(
    request: Request,
    session: Session,
    session_id: str,
    *,
    error: str | None = None,
    upload_error: str | None = None,
    status: int = 200,
) -> Response:
    """The session page; ``error`` is a message for the page's ``_``, ``upload_error`` a
    refusal of the analysis upload already in the page's language."""
    row = service.get_session(session, session_id)
    analyses = automatic.analyses_of(session, row.id)
    latest = uploads.uploads_of(session, row.id)[:1]
    return render(
        request,
        "deepfake/session.html",
        {
            "row": row,
            "info": service.session_summary(row),
            "analysis": automatic.analysis_summary(analyses[0]) if analyses else None,
            "analysis_count": len(analyses),
            "upload": uploads.upload_summary(latest[0]) if latest else None,
            "upload_states": uploads.STATE_LABELS,
            "prompts": PROMPTS,
            "labels": service.STEP_LABELS,
            "error": error,
            "upload_error": upload_error,
            "purposes": service.PURPOSES,
            "status_labels": SESSION_STATUS_LABELS,
        },
        status_code=status,
    )


@router.get("")
def list_page(
    request: Request, session: DbSession, clock: AppClock, sink: AppAuditSink, user: CurrentStaff
) -> Response:
    rows = [service.session_summary(r) for r in service.list_sessions(session)]
    record_customer_read(
        sink,
        request,
        clock,
        actor=user.username,
        function="deepfake.sessions.list",
        customer_ids=[row["customer_ref"] for row in rows],
        result=repr(rows).encode(),
        system=AUDIT_SYSTEM,
    )
    return render(
        request,
        "deepfake/list.html",
        {
            "rows": rows,
            "purposes": service.PURPOSES,
            "status_labels": SESSION_STATUS_LABELS,
            "error": None,
        },
    )


@router.get("/export.{fmt}")
def export_page(
    fmt: str, session: DbSession, clock: AppClock, sink: AppAuditSink, user: CurrentStaff
) -> Response:
    content, media_type, filename = export_sessions_audited(
        session, sink, clock, actor=user.username, fmt=fmt
    )
    return download(content, media_type, filename)


@router.post("")
def start_page(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    customer_ref: Annotated[str, Form(max_length=64)] = "",
    purpose: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        with session.begin_nested():
            row = service.start_session(
                session, clock, customer_ref=customer_ref, purpose=purpose, operator=user.username
            )
    except ValidationError as exc:
        return render(
            request,
            "deepfake/list.html",
            {
                "rows": [service.session_summary(r) for r in service.list_sessions(session)],
                "purposes": service.PURPOSES,
                "status_labels": SESSION_STATUS_LABELS,
                "error": exc.message,
            },
            status_code=422,
        )
    return RedirectResponse(f"/deepfake/{row.id}", status_code=303)


@router.get("/{session_id}")
def detail_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    user: CurrentStaff,
) -> Response:
    row = service.get_session(session, session_id)
    shown = sorted(service.session_summary(row).items())
    record_session_read(
        sink,
        request,
        clock,
        row,
        actor=user.username,
        function="deepfake.sessions.view",
        shown=shown,
    )
    return _detail(request, session, session_id)


def _step(
    request: Request, session: Session, session_id: str, action: Callable[[], Any]
) -> Response:
    service.get_session(session, session_id)
    try:
        with session.begin_nested():
            action()
    except BrokerguardError as exc:
        code = exc.status_code if exc.status_code < 500 else 503
        return _detail(request, session, session_id, error=exc.message, status=code)
    return RedirectResponse(f"/deepfake/{session_id}", status_code=303)


@router.post("/{session_id}/otp")
def otp_send_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    cfg: Cfg,
    sender: Sender,
    user: Writer,
    channel: Annotated[str, Form(max_length=8)] = "",
    registered_destination: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    return _step(
        request,
        session,
        session_id,
        lambda: service.send_otp(
            session,
            clock,
            cfg,
            sender,
            session_id,
            channel=channel,
            registered_destination=registered_destination,
        ),
    )


@router.post("/{session_id}/otp/verify")
def otp_verify_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    cfg: Cfg,
    user: Writer,
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    outcome = service.verify_otp(session, clock, cfg, session_id, code)
    if not outcome.verified:
        message = f"{outcome.reason} ({outcome.attempts_left} left)"
        return _detail(request, session, session_id, error=message, status=422)
    return RedirectResponse(f"/deepfake/{session_id}", status_code=303)


@router.post("/{session_id}/challenges")
async def challenges_page(
    session_id: str, request: Request, session: DbSession, clock: AppClock, user: Writer
) -> Response:
    form = await request.form()

    def record() -> Response:
        """The results and the page, in one trip to the thread pool."""
        count = len(service.challenges_of(service.get_session(session, session_id)))
        results = [form.get(f"c{i}") == "pass" for i in range(count)]
        return _step(
            request,
            session,
            session_id,
            lambda: service.record_challenges(session, clock, session_id, results, user.username),
        )

    return await run_unit_of_work(session, record)


@router.post("/{session_id}/id-photo")
def photo_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    result: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _step(
        request,
        session,
        session_id,
        lambda: service.record_id_photo(
            session, clock, session_id, result=result, note=note, actor=user.username
        ),
    )


@router.post("/{session_id}/recording")
async def recording_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    cfg: Cfg,
    detector: Detector,
    user: Writer,
    file: Annotated[UploadFile, File()],
) -> Response:
    read: bytes | ValidationError
    try:
        read = await read_upload(file, cfg.max_recording_bytes)
    except ValidationError as exc:
        read = exc

    def attach() -> Response:
        """The recording (or its refusal) and the page, in one trip to the thread pool."""
        if isinstance(read, ValidationError):
            return _detail(request, session, session_id, error=read.message, status=413)
        content = read
        return _step(
            request,
            session,
            session_id,
            lambda: service.attach_recording(session, clock, cfg, session_id, content, detector),
        )

    return await run_unit_of_work(session, attach)


@router.post("/{session_id}/analysis")
async def analysis_upload_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: WriterOrNone,
    recording: Annotated[UploadFile | None, File()] = None,
    id_photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The recording and the ID photo from the browser; refusals keep the page (translated)."""
    nothing = (b"", b"")  # a role that may not upload: its files are not read
    content, photo = await read_analysis_files(settings, recording, id_photo) if user else nothing

    def submit() -> Response:
        """The files (or their refusal) and the page, in one trip to the thread pool."""
        service.get_session(session, session_id)
        try:
            if user is None:
                raise PermissionDeniedError("your role may not upload recordings for analysis")
            submit_analysis_files(
                session, clock, settings, session_id, content, photo, user.username
            )
        except BrokerguardError as exc:
            code = exc.status_code if exc.status_code < 500 else 503
            message = _upload_refusal(Translator(request_language(request)), exc)
            return _detail(request, session, session_id, upload_error=message, status=code)
        return RedirectResponse(f"/deepfake/{session_id}#analysis-title", status_code=303)

    return await run_unit_of_work(session, submit)


def _upload_refusal(translator: Translator, exc: BrokerguardError) -> str:
    """What went wrong with an upload, in the page's language: the refusal's kind, then
    its detail where the detail can be said in that language."""
    zh, en = uploads.REFUSALS.get(exc.code, uploads.REFUSALS["invalid_input"])
    text = translator.pick(zh, en)
    if exc.code == "forbidden":
        return text
    if translator.language == "en":
        return f"{text}: {exc.message}"
    detail = translator.gettext(exc.message) if translator.knows(exc.message) else None
    detail = detail or refusal_zh(exc.message)
    return f"{text}：{detail}" if detail else text


@router.post("/{session_id}/recording-digest")
def digest_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    sha256: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    return _step(
        request,
        session,
        session_id,
        lambda: service.record_recording_digest(session, clock, session_id, sha256),
    )


@router.post("/{session_id}/analysis-override")
def override_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _step(
        request,
        session,
        session_id,
        lambda: service.override_analysis(
            session, clock, session_id, actor=user.username, note=note
        ),
    )


@router.post("/{session_id}/review")
def review_page(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Writer,
    decision: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def act() -> Any:
        if decision == "approve":
            return approve_and_keep(
                session, clock, settings, session_id, reviewer=user.username, note=note
            )
        if decision == "reject":
            return service.reject(session, clock, session_id, reviewer=user.username, note=note)
        raise ValidationError("decision must be approve or reject", field="decision")

    return _step(request, session, session_id, act)
