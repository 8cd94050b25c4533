"""Recordings uploaded for automatic analysis: checked and stored in the request, analysed
by the worker.

The request does only what is cheap (see :mod:`brokerguard.deepfake.analysis.probe`):
the recording and the ID photo are checked by content, stored in the evidence store's
content-addressed files (SHA-256) and queued as a ``pending`` upload; the session's
recording digest becomes the upload's and its earlier verdict no longer counts. The
analysis (a few minutes for a long recording on two cores) runs in the worker job
``deepfake.analyse_recordings`` (every minute): ``pending`` → ``running`` → ``done`` (the
analysis is kept as A10.1 evidence, :func:`brokerguard.deepfake.automatic.record_analysis`)
or ``failed`` (a typed reason, e.g. no face on the ID photo). A worker that dies leaves
its upload ``running`` until the lease passes; it is then taken again, at most
:data:`MAX_ATTEMPTS` times.

A second upload replaces the first only while the session is in progress (the first is
then ``superseded``, its files and row kept); after approval or rejection it is refused
(409). A recording whose SHA-256 was recorded otherwise (the video platform's digest)
cannot be replaced by an upload of another file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, as_utc
from brokerguard.config import Settings
from brokerguard.deepfake import automatic, service
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.models import RecordingUpload, VideoAnalysis, VideoSession
from brokerguard.deepfake.settings import MAX_PHOTO_BYTES, DeepfakeSettings
from brokerguard.errors import BrokerguardError, ConflictError, ValidationError
from brokerguard.evidence.service import file_store

if TYPE_CHECKING:
    from brokerguard.deepfake.analysis.pipeline import AnalysisReport
    from brokerguard.deepfake.analysis.probe import RecordingProbe

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED, SUPERSEDED = "pending", "running", "done", "failed", "superseded"
STATE_LABELS = {
    PENDING: ("等待分析", "waiting for analysis"),
    RUNNING: ("分析中", "being analysed"),
    DONE: ("分析完成", "analysed"),
    FAILED: ("無法分析", "could not be analysed"),
    SUPERSEDED: ("已由新上傳取代", "replaced by a newer upload"),
}
#: bytes of the ID photo read from an upload: one more than the limit, so it is refused
MAX_PHOTO_READ = MAX_PHOTO_BYTES + 1
#: a running upload is taken again this many times at most (its worker died or timed out)
MAX_ATTEMPTS = 3


def _probe(content: bytes, cfg: DeepfakeSettings, end_s: float) -> RecordingProbe:
    try:
        from brokerguard.deepfake.analysis.probe import probe_recording
    except ImportError as error:
        raise automatic.video_extra_missing(error) from None
    return probe_recording(content, cfg, schedule_end_s=end_s)


def _check_photo(content: bytes) -> str:
    from brokerguard.deepfake.analysis.probe import check_photo

    return check_photo(content)


def uploads_of(session: Session, session_id: str) -> list[RecordingUpload]:
    """The session's uploads, newest first."""
    return list(
        session.scalars(
            select(RecordingUpload)
            .where(RecordingUpload.session_id == session_id)
            .order_by(RecordingUpload.uploaded_at.desc(), RecordingUpload.id)
        )
    )


def _check_replaceable(row: VideoSession, earlier: list[RecordingUpload]) -> None:
    if row.recording_sha256 and row.recording_sha256 not in {u.recording_sha256 for u in earlier}:
        raise ConflictError(
            "the session already recorded another recording's SHA-256 (from the video "
            "platform or the detector upload); an upload cannot replace it",
            field="recording",
        )


def submit_recording(
    session: Session,
    clock: Clock,
    settings: Settings,
    session_id: str,
    *,
    recording: bytes,
    id_photo: bytes,
    actor: str,
) -> RecordingUpload:
    """Check both files, store them and queue the analysis; nothing is stored on a refusal."""
    row = service.in_progress(session, session_id)
    who = actor.strip()
    if not who or len(who) > 128:
        raise ValidationError("actor is required (at most 128 characters)", field="actor")
    schedule = automatic.session_schedule(row)
    if not id_photo:
        raise ValidationError("the ID photo is empty", field="id_photo")
    probe = _probe(recording, settings.deepfake, max(c.end for c in schedule))
    _check_photo(id_photo)
    earlier = uploads_of(session, row.id)
    _check_replaceable(row, earlier)
    store = file_store(settings)
    recording_sha256 = store.put(recording)
    photo_sha256 = store.put(id_photo)
    for old in earlier:
        if old.state in (PENDING, RUNNING, DONE):
            old.state = SUPERSEDED
            old.lease_until = None
    service.set_recording(row, recording_sha256, len(recording))
    row.analysis_verdict = None
    row.analysis_id = None
    upload = RecordingUpload(
        session_id=row.id,
        uploaded_at=clock.now(),
        uploaded_by=who,
        recording_sha256=recording_sha256,
        recording_bytes=len(recording),
        recording_format=probe.container,
        recording_duration_s=round(probe.duration_s, 3),
        id_photo_sha256=photo_sha256,
        state=PENDING,
        attempts=0,
        error_message="",
    )
    session.add(upload)
    session.flush()
    return upload


def upload_summary(upload: RecordingUpload | None) -> dict[str, Any] | None:
    if upload is None:
        return None

    def when(value: Any) -> str | None:
        return as_utc(value).isoformat() if value is not None else None

    return {
        "id": upload.id,
        "session_id": upload.session_id,
        "state": upload.state,
        "uploaded_at": when(upload.uploaded_at),
        "uploaded_by": upload.uploaded_by,
        "recording_sha256": upload.recording_sha256,
        "recording_bytes": upload.recording_bytes,
        "recording_format": upload.recording_format,
        "recording_duration_s": upload.recording_duration_s,
        "id_photo_sha256": upload.id_photo_sha256,
        "attempts": upload.attempts,
        "started_at": when(upload.started_at),
        "finished_at": when(upload.finished_at),
        "error": (
            {"code": upload.error_code, "message": upload.error_message}
            if upload.error_code
            else None
        ),
        "analysis_id": upload.analysis_id,
    }


# --- the worker's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What the analysis needs, read while the upload was claimed."""

    upload_id: str
    attempt: int
    recording_sha256: str
    id_photo_sha256: str
    recording_bytes: int
    schedule: tuple[ScheduledChallenge, ...]


def claim_next(session: Session, clock: Clock, lease_s: float) -> Claim | None:
    """Take the oldest pending upload (or a running one whose lease has passed)."""
    now = clock.now()
    candidates = session.scalars(
        select(RecordingUpload)
        .where(
            or_(
                RecordingUpload.state == PENDING,
                (RecordingUpload.state == RUNNING) & (RecordingUpload.lease_until < now),
            )
        )
        .order_by(RecordingUpload.uploaded_at, RecordingUpload.id)
        .limit(20)
    ).all()
    for upload in candidates:
        if upload.attempts >= MAX_ATTEMPTS:
            upload.state = FAILED
            upload.error_code = "analysis_unfinished"
            upload.error_message = (
                f"the analysis did not finish in {MAX_ATTEMPTS} attempts "
                "(the worker stopped or timed out)"
            )
            upload.finished_at = now
            upload.lease_until = None
            session.flush()
            continue
        taken = session.execute(
            update(RecordingUpload)
            .where(
                RecordingUpload.id == upload.id,
                RecordingUpload.state == upload.state,
                RecordingUpload.attempts == upload.attempts,
            )
            .values(
                state=RUNNING,
                attempts=upload.attempts + 1,
                started_at=now,
                lease_until=now + timedelta(seconds=lease_s),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            schedule = automatic.session_schedule(service.get_session(session, upload.session_id))
            return Claim(
                upload.id,
                upload.attempts + 1,
                upload.recording_sha256,
                upload.id_photo_sha256,
                upload.recording_bytes,
                tuple(schedule),
            )
    return None


Analyser = automatic.Analyser


def _analyse(
    settings: Settings, claim: Claim, analyser: Analyser | None
) -> AnalysisReport | BrokerguardError:
    """Run the analysis on the stored files (read in place; no copy is made), outside any
    database transaction."""
    store = file_store(settings)
    if not store.verify(claim.id_photo_sha256):
        return ValidationError("the stored ID photo is missing or was altered", field="id_photo")
    try:
        report = (analyser or automatic.default_analyser())(
            store.path_for(claim.recording_sha256),
            claim.schedule,
            store.path_for(claim.id_photo_sha256),
            settings.deepfake,
        )
    except BrokerguardError as error:
        return error
    if report.recording_sha256 != claim.recording_sha256:
        return ValidationError("the stored recording was altered", field="recording")
    return report


def _finish(
    session: Session,
    clock: Clock,
    settings: Settings,
    claim: Claim,
    result: AnalysisReport | BrokerguardError,
) -> str:
    """Keep the outcome, unless the upload was replaced or taken over meanwhile."""
    upload = session.get(
        RecordingUpload, claim.upload_id, with_for_update=True, populate_existing=True
    )
    if upload is None or upload.state != RUNNING or upload.attempts != claim.attempt:
        return SUPERSEDED
    row = service.get_session(session, upload.session_id)
    upload.finished_at = clock.now()
    upload.lease_until = None
    if row.recording_sha256 != upload.recording_sha256:
        upload.state = SUPERSEDED
        return SUPERSEDED
    if row.status != service.IN_PROGRESS:
        result = ConflictError(
            f"the session was {row.status} before the analysis finished; the result is not kept"
        )
    if isinstance(result, BrokerguardError):
        upload.state = FAILED
        upload.error_code = result.code[:32]
        upload.error_message = result.message[:2000]
        return FAILED
    analysis = automatic.record_analysis(
        session,
        clock,
        settings,
        row,
        result,
        recording_bytes=claim.recording_bytes,
        actor=upload.uploaded_by,
    )
    upload.state = DONE
    upload.analysis_id = analysis.id
    return DONE


@dataclass
class Processed:
    done: int = 0
    failed: int = 0
    superseded: int = 0

    @property
    def total(self) -> int:
        return self.done + self.failed + self.superseded


def analyse_pending(
    unit_of_work: Callable[[], AbstractContextManager[Session]],
    clock: Clock,
    settings: Settings,
    *,
    lease_s: float,
    budget_s: float,
    analyser: Analyser | None = None,
) -> Processed:
    """Analyse queued uploads one by one (each claim and each result its own commit) until
    none is left or ``budget_s`` has passed."""
    started = time.monotonic()
    processed = Processed()
    while time.monotonic() - started < budget_s:
        with unit_of_work() as session:
            claim = claim_next(session, clock, lease_s)
        if claim is None:
            break
        result = _analyse(settings, claim, analyser)
        with unit_of_work() as session:
            state = _finish(session, clock, settings, claim, result)
        log.info("recording upload %s: %s", claim.upload_id, state)
        setattr(processed, state, getattr(processed, state) + 1)
    return processed


def session_analysis(session: Session, row: VideoSession) -> dict[str, Any]:
    """The session's latest upload and the analysis its verdict follows (API and page)."""
    uploads = uploads_of(session, row.id)
    analysis = session.get(VideoAnalysis, row.analysis_id) if row.analysis_id else None
    return {
        "session_id": row.id,
        "analysis_verdict": row.analysis_verdict,
        "upload": upload_summary(uploads[0]) if uploads else None,
        "analysis": automatic.analysis_summary(analysis) if analysis is not None else None,
    }


#: what the page says for each refusal of an upload (the detail follows, in English)
REFUSALS = {
    "unsupported_type": (
        "檔案內容不是可接受的影片或照片格式",
        "The file's content is not an accepted video or photo format",
    ),
    "too_large": ("檔案超過大小或長度上限", "The file is over the size or length limit"),
    "unreadable_media": (
        "檔案無法讀取（損毀、截斷或沒有影像）",
        "The file cannot be read (corrupt, cut off or without video)",
    ),
    "no_frames": ("錄影沒有任何影格", "The recording holds no frames"),
    "recording_too_short": (
        "錄影短於本次核驗的挑戰時程",
        "The recording is shorter than the session's challenge schedule",
    ),
    "conflict": (
        "此核驗已結案或錄影不可取代",
        "The session is closed or its recording cannot be replaced",
    ),
    "configuration": (
        "伺服器未安裝錄影分析元件（video extra）",
        "The server does not have the video analyser installed (video extra)",
    ),
    "invalid_input": ("上傳內容不完整或無效", "The upload is incomplete or not valid"),
    "forbidden": (
        "您的角色不得上傳錄影進行分析（限資安專責單位或法遵單位）",
        "Your role may not upload recordings for analysis (the security unit or compliance may)",
    ),
}
