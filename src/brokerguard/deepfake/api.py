"""Video identity session API: start, send/verify the code, record steps, sign off."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from brokerguard.audit.web import record_customer_read
from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.deepfake import service, uploads
from brokerguard.deepfake.audit import SYSTEM as AUDIT_SYSTEM
from brokerguard.deepfake.audit import record_session_read
from brokerguard.deepfake.detector import DeepfakeDetector, NoDetector
from brokerguard.deepfake.evidence import approve_and_keep
from brokerguard.deepfake.export import export_sessions_audited
from brokerguard.deepfake.otp import OtpSender, SmtpEmailSender, UnconfiguredSender
from brokerguard.deepfake.schemas import (
    OtpVerifiedOut,
    SessionAnalysisOut,
    VideoSessionListOut,
    VideoSessionOut,
)
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.inputs import InputModel
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import download
from brokerguard.registerkit.web import add_findings_api
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)

router = APIRouter(prefix="/api/v1/deepfake", tags=["deepfake"])
Writer = Annotated[StaffIdentity, Depends(require_writer())]
add_findings_api(
    router, ("deepfake.video_sessions_strengthened", "deepfake.video_sessions_analysed")
)


def get_settings_dep(settings: AppSettings) -> DeepfakeSettings:
    return settings.deepfake


def get_sender(settings: AppSettings) -> OtpSender:
    """SMTP when configured (tests and a firm's SMS gateway override this dependency)."""
    cfg = settings.deepfake
    if cfg.smtp_host:
        return SmtpEmailSender(cfg.smtp_host, cfg.smtp_port, cfg.smtp_from, cfg.smtp_timeout_s)
    return UnconfiguredSender()


def get_detector() -> DeepfakeDetector:
    """No automated detector (a firm's detector overrides this dependency)."""
    return NoDetector()


Cfg = Annotated[DeepfakeSettings, Depends(get_settings_dep)]
Sender = Annotated[OtpSender, Depends(get_sender)]
Detector = Annotated[DeepfakeDetector, Depends(get_detector)]


class StartBody(InputModel):
    customer_ref: str = Field(max_length=64)
    purpose: str = Field(max_length=32)


class OtpSendBody(InputModel):
    channel: str = Field(max_length=8)
    registered_destination: str = Field(max_length=254)


class OtpVerifyBody(InputModel):
    code: str = Field(max_length=32)


class ChallengesBody(InputModel):
    results: list[bool] = Field(max_length=10)


class PhotoBody(InputModel):
    result: str = Field(max_length=16)
    note: MultilineText = Field(default="", max_length=2000)


class DigestBody(InputModel):
    sha256: str = Field(max_length=64)
    size: int | None = Field(default=None, ge=1)


class OverrideBody(InputModel):
    note: MultilineText = Field(min_length=1, max_length=2000)


class ReviewBody(InputModel):
    decision: str = Field(max_length=8)
    note: MultilineText = Field(default="", max_length=2000)


@router.get("/sessions", response_model=VideoSessionListOut)
def list_api(
    request: Request, session: DbSession, clock: AppClock, sink: AppAuditSink, user: CurrentStaff
) -> dict[str, Any]:
    """The sessions, newest first; the read of every listed customer is audited (A9.9)."""
    items = [service.session_summary(r) for r in service.list_sessions(session)]
    record_customer_read(
        sink,
        request,
        clock,
        actor=user.username,
        function="deepfake.sessions.list",
        customer_ids=[item["customer_ref"] for item in items],
        result=repr(items).encode(),
        system=AUDIT_SYSTEM,
    )
    return {"items": items}


@router.get("/sessions/export")
def export_api(
    session: DbSession, clock: AppClock, sink: AppAuditSink, user: CurrentStaff, format: str = "csv"
) -> Response:
    content, media_type, filename = export_sessions_audited(
        session, sink, clock, actor=user.username, fmt=format
    )
    return download(content, media_type, filename)


@router.post("/sessions", status_code=201, response_model=VideoSessionOut)
def start_api(body: StartBody, session: DbSession, clock: AppClock, user: Writer) -> dict[str, Any]:
    row = service.start_session(
        session, clock, customer_ref=body.customer_ref, purpose=body.purpose, operator=user.username
    )
    return service.session_summary(row)


@router.get("/sessions/{session_id}", response_model=VideoSessionOut)
def get_api(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    user: CurrentStaff,
) -> dict[str, Any]:
    row = service.get_session(session, session_id)
    summary = service.session_summary(row)
    shown = sorted(summary.items())
    record_session_read(
        sink,
        request,
        clock,
        row,
        actor=user.username,
        function="deepfake.sessions.get",
        shown=shown,
    )
    return summary


@router.post("/sessions/{session_id}/otp", response_model=VideoSessionOut)
def send_otp_api(
    session_id: str,
    body: OtpSendBody,
    session: DbSession,
    clock: AppClock,
    cfg: Cfg,
    sender: Sender,
    user: Writer,
) -> dict[str, Any]:
    row = service.send_otp(
        session,
        clock,
        cfg,
        sender,
        session_id,
        channel=body.channel,
        registered_destination=body.registered_destination,
    )
    return service.session_summary(row)


@router.post("/sessions/{session_id}/otp/verify", responses={200: {"model": OtpVerifiedOut}})
def verify_otp_api(
    session_id: str,
    body: OtpVerifyBody,
    session: DbSession,
    clock: AppClock,
    cfg: Cfg,
    user: Writer,
) -> Response:
    outcome = service.verify_otp(session, clock, cfg, session_id, body.code)
    payload = {"verified": outcome.verified, "attempts_left": outcome.attempts_left}
    if outcome.verified:
        return JSONResponse(payload)
    error = {"code": "otp_rejected", "message": outcome.reason, "field": "code"}
    return JSONResponse({**payload, "error": error}, status_code=422)


@router.post("/sessions/{session_id}/challenges", response_model=VideoSessionOut)
def challenges_api(
    session_id: str, body: ChallengesBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    row = service.record_challenges(session, clock, session_id, body.results, user.username)
    return service.session_summary(row)


@router.post("/sessions/{session_id}/id-photo", response_model=VideoSessionOut)
def photo_api(
    session_id: str, body: PhotoBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    row = service.record_id_photo(
        session, clock, session_id, result=body.result, note=body.note, actor=user.username
    )
    return service.session_summary(row)


@router.post("/sessions/{session_id}/recording", response_model=VideoSessionOut)
async def recording_api(
    session_id: str,
    session: DbSession,
    clock: AppClock,
    cfg: Cfg,
    detector: Detector,
    user: Writer,
    file: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    """Upload the recording: its SHA-256 is kept and the configured detector scores it."""
    content = await read_upload(file, cfg.max_recording_bytes)

    def attach() -> dict[str, Any]:
        """The recording and its score, in one trip to the thread pool."""
        row = service.attach_recording(session, clock, cfg, session_id, content, detector)
        return service.session_summary(row)

    return await run_unit_of_work(session, attach)


@router.post("/sessions/{session_id}/analysis", status_code=202, response_model=SessionAnalysisOut)
async def analysis_upload_api(
    session_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Writer,
    recording: Annotated[UploadFile, File()],
    id_photo: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    """Upload the recording and the ID photo for automatic analysis (A10.1).

    Both are checked by content and stored (SHA-256); the worker analyses the recording
    against the session's own challenge schedule. 202 with the upload ``pending``; follow
    it with ``GET .../analysis``. Replaces an earlier upload while the session is in
    progress; 409 once it is approved or rejected.
    """
    return await submit_upload(
        session, clock, settings, session_id, recording, id_photo, user.username
    )


async def submit_upload(
    session: Session,
    clock: Clock,
    settings: Settings,
    session_id: str,
    recording: UploadFile | None,
    id_photo: UploadFile | None,
    actor: str,
) -> dict[str, Any]:
    """Read both files (at most one byte over their limits) and queue them for analysis,
    committed in one trip to the thread pool; a refusal leaves nothing behind. Returns the
    session's analysis state as committed (read in the same trip, not on the event loop)."""
    content, photo = await read_analysis_files(settings, recording, id_photo)
    return await run_unit_of_work(
        session,
        lambda: submit_analysis_files(session, clock, settings, session_id, content, photo, actor),
    )


async def read_analysis_files(
    settings: Settings, recording: UploadFile | None, id_photo: UploadFile | None
) -> tuple[bytes, bytes]:
    """The recording and the ID photo as sent, each read to at most one byte over its
    limit (empty when not sent); the limits are checked by :func:`submit_analysis_files`."""
    content = await recording.read(settings.deepfake.max_recording_bytes + 1) if recording else b""
    photo = await id_photo.read(uploads.MAX_PHOTO_READ) if id_photo else b""
    return content, photo


def submit_analysis_files(
    session: Session,
    clock: Clock,
    settings: Settings,
    session_id: str,
    content: bytes,
    photo: bytes,
    actor: str,
) -> dict[str, Any]:
    """Queue the files for analysis (a refusal rolls back to before them) and return the
    session's analysis state; database work, for the thread pool."""
    with session.begin_nested():
        uploads.submit_recording(
            session,
            clock,
            settings,
            session_id,
            recording=content,
            id_photo=photo,
            actor=actor,
        )
    return uploads.session_analysis(session, service.get_session(session, session_id))


@router.get("/sessions/{session_id}/analysis", response_model=SessionAnalysisOut)
def analysis_get_api(
    session_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    user: CurrentStaff,
) -> dict[str, Any]:
    """The state of the latest upload (pending, running, done, failed) and the analysis."""
    row = service.get_session(session, session_id)
    data = uploads.session_analysis(session, row)
    function = "deepfake.sessions.analysis"
    record_session_read(
        sink, request, clock, row, actor=user.username, function=function, shown=data
    )
    return data


@router.post("/sessions/{session_id}/recording-digest", response_model=VideoSessionOut)
def digest_api(
    session_id: str, body: DigestBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    row = service.record_recording_digest(session, clock, session_id, body.sha256, body.size)
    return service.session_summary(row)


@router.post("/sessions/{session_id}/analysis-override", response_model=VideoSessionOut)
def override_api(
    session_id: str, body: OverrideBody, session: DbSession, clock: AppClock, user: Writer
) -> dict[str, Any]:
    """A second reviewer documents why the session may be approved without an automatic pass."""
    row = service.override_analysis(session, clock, session_id, actor=user.username, note=body.note)
    return service.session_summary(row)


@router.post("/sessions/{session_id}/review", response_model=VideoSessionOut)
def review_api(
    session_id: str,
    body: ReviewBody,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Writer,
) -> dict[str, Any]:
    """``decision`` approve or reject; the reviewer is the signed-in user, never the operator."""
    if body.decision == "approve":
        row = approve_and_keep(
            session, clock, settings, session_id, reviewer=user.username, note=body.note
        )
    elif body.decision == "reject":
        row = service.reject(session, clock, session_id, reviewer=user.username, note=body.note)
    else:
        from brokerguard.errors import ValidationError

        raise ValidationError("decision must be approve or reject", field="decision")
    return service.session_summary(row)
