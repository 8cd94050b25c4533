"""Video identity sessions: each strengthened step recorded; approval only when all are done."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, as_utc
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge, draw_schedule, schedule_json
from brokerguard.deepfake.detector import DeepfakeDetector
from brokerguard.deepfake.models import VideoSession
from brokerguard.deepfake.otp import (
    OtpSender,
    clean_destination,
    code_hash,
    code_matches,
    mask_destination,
    new_code,
)
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import (
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ValidationError,
)

IN_PROGRESS, APPROVED, REJECTED = "in_progress", "approved", "rejected"
PURPOSES = ("account_opening", "identity_update", "credential_reissue", "other")
PHOTO_RESULTS = ("match", "mismatch")
HEAD_DIRECTIONS = ("left", "right", "up", "down")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
REF_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NATIONAL_ID_RE = re.compile(r"^[A-Za-z][12894]\d{8}$")

STEP_LABELS = {
    "otp": ("一次性驗證碼已唸回並核對", "One-time code read back and verified"),
    "liveness": ("隨機活體挑戰均通過", "Random liveness challenges all passed"),
    "id_photo": ("與留存證件照片比對相符", "Matches the ID photo on file"),
    "recording": ("錄影檔 SHA-256 已留存", "Recording SHA-256 kept"),
    "analysis": (
        "錄影自動分析通過，或經第二位覆核人書面覆核",
        "Automatic recording analysis passed, or a second reviewer documented an override",
    ),
}
ANALYSIS_PASS, ANALYSIS_FAIL = "pass", "fail"


def _text(value: str, field: str, max_chars: int, *, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationError(f"{field} is required", field=field)
    if len(cleaned) > max_chars:
        raise ValidationError(f"{field} is longer than {max_chars} characters", field=field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned):
        raise ValidationError(f"{field} contains control characters", field=field)
    return cleaned


def make_challenges() -> list[dict[str, Any]]:
    """Server-generated, unpredictable liveness prompts (``secrets``), in random order."""
    rng = secrets.SystemRandom()
    first, second = rng.sample(HEAD_DIRECTIONS, 2)
    digits = f"{secrets.randbelow(10**6):06d}"
    challenges: list[dict[str, Any]] = [
        {
            "kind": "turn_head",
            "prompt": f"turn head {first} then {second}",
            "prompt_zh": f"請先向{_ZH_DIR[first]}再向{_ZH_DIR[second]}轉頭",
            "passed": None,
        },
        {
            "kind": "show_id",
            "prompt": "hold the ID card next to the face and tilt it",
            "prompt_zh": "請將身分證件置於臉旁並傾斜展示",
            "passed": None,
        },
        {
            "kind": "read_digits",
            "prompt": f"read the digits {digits}",
            "prompt_zh": f"請唸出數字 {digits}",
            "passed": None,
        },
    ]
    rng.shuffle(challenges)
    return challenges


_ZH_DIR = {"left": "左", "right": "右", "up": "上", "down": "下"}


def challenges_of(row: VideoSession) -> list[dict[str, Any]]:
    data = json.loads(row.challenges or "[]")
    return data if isinstance(data, list) else []


def get_session(session: Session, session_id: str) -> VideoSession:
    row = session.get(VideoSession, session_id) if 0 < len(session_id) <= 64 else None
    if row is None:
        raise NotFoundError(f"no video identity session {session_id[:64]!r}", field="session_id")
    return row


def _open(session: Session, session_id: str) -> VideoSession:
    row = get_session(session, session_id)
    if row.status != IN_PROGRESS:
        raise ConflictError(f"the session is already {row.status}", field="status")
    return row


def start_session(
    session: Session,
    clock: Clock,
    *,
    customer_ref: str,
    purpose: str,
    operator: str,
    schedule: list[ScheduledChallenge] | None = None,
) -> VideoSession:
    """Open a session with server-random prompts and a timed challenge schedule.

    ``schedule`` defaults to :func:`draw_schedule`; callers pass their own draw only to
    change its timing (the demo's shorter one).
    """
    ref = customer_ref.strip()
    if not REF_RE.match(ref):
        raise ValidationError(
            "customer_ref is the account or application number (letters, digits, - _)",
            field="customer_ref",
        )
    if NATIONAL_ID_RE.match(ref):
        raise ValidationError(
            "do not use a national ID number as the customer reference", field="customer_ref"
        )
    if purpose not in PURPOSES:
        raise ValidationError(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose")
    row = VideoSession(
        customer_ref=ref,
        purpose=purpose,
        operator=_text(operator, "operator", 128),
        started_at=clock.now(),
        status=IN_PROGRESS,
        otp_attempts=0,
        otp_sends=0,
        challenges=json.dumps(make_challenges(), ensure_ascii=False),
        schedule=schedule_json(draw_schedule() if schedule is None else schedule),
        analysis_override_note="",
        id_photo_note="",
        detector_note="",
        review_note="",
    )
    session.add(row)
    session.flush()
    return row


def send_otp(
    session: Session,
    clock: Clock,
    settings: DeepfakeSettings,
    sender: OtpSender,
    session_id: str,
    *,
    channel: str,
    registered_destination: str,
) -> VideoSession:
    """Send a fresh code to the customer's registered phone or e-mail; keep only its hash."""
    row = _open(session, session_id)
    if row.otp_verified_at is not None:
        raise ConflictError("the one-time code is already verified", field="otp")
    destination = clean_destination(channel, registered_destination)
    if row.otp_sends >= settings.otp_max_sends:
        raise ConflictError(
            f"{settings.otp_max_sends} codes were already sent; start a new session",
            field="otp",
        )
    code = new_code(settings.otp_digits)
    salt = secrets.token_hex(16)
    sender.send(channel, destination, code)
    row.otp_channel = channel
    row.otp_destination = mask_destination(channel, destination)
    row.otp_salt = salt
    row.otp_hash = code_hash(salt, code)
    row.otp_expires_at = clock.now() + timedelta(seconds=settings.otp_ttl_s)
    row.otp_attempts = 0
    row.otp_sends += 1
    session.flush()
    return row


@dataclass(frozen=True)
class OtpOutcome:
    verified: bool
    reason: str
    attempts_left: int


def verify_otp(
    session: Session, clock: Clock, settings: DeepfakeSettings, session_id: str, code: str
) -> OtpOutcome:
    """Compare the code the customer read back; every try counts, expired codes never match.

    Returns the outcome instead of raising so the attempt count is kept.
    """
    row = _open(session, session_id)
    if row.otp_verified_at is not None:
        return OtpOutcome(True, "already verified", 0)
    if row.otp_hash is None or row.otp_salt is None or row.otp_expires_at is None:
        raise ConflictError("no code has been sent for this session", field="otp")
    supplied = code.strip()
    if len(supplied) > 32:
        raise ValidationError("the code is too long", field="code")
    if row.otp_attempts >= settings.otp_max_attempts:
        return OtpOutcome(False, "too many attempts: send a new code", 0)
    row.otp_attempts += 1
    left = settings.otp_max_attempts - row.otp_attempts
    if clock.now() >= as_utc(row.otp_expires_at):
        session.flush()
        return OtpOutcome(False, "the code has expired: send a new code", left)
    if not code_matches(row.otp_salt, row.otp_hash, supplied):
        session.flush()
        return OtpOutcome(False, "wrong code", left)
    row.otp_verified_at = clock.now()
    session.flush()
    return OtpOutcome(True, "verified", left)


def record_challenges(
    session: Session, clock: Clock, session_id: str, results: list[bool], actor: str
) -> VideoSession:
    """The operator records whether the customer did each prompt, in the prompts' order."""
    row = _open(session, session_id)
    challenges = challenges_of(row)
    if len(results) != len(challenges):
        raise ValidationError(f"give one result per challenge ({len(challenges)})", field="results")
    for challenge, passed in zip(challenges, results, strict=True):
        challenge["passed"] = bool(passed)
    row.challenges = json.dumps(challenges, ensure_ascii=False)
    row.challenges_recorded_by = _text(actor, "actor", 128)
    session.flush()
    return row


def record_id_photo(
    session: Session, clock: Clock, session_id: str, *, result: str, note: str, actor: str
) -> VideoSession:
    row = _open(session, session_id)
    if result not in PHOTO_RESULTS:
        raise ValidationError("result must be match or mismatch", field="result")
    row.id_photo_result = result
    row.id_photo_note = _text(note, "note", 2000, required=False)
    row.id_photo_checked_by = _text(actor, "actor", 128)
    session.flush()
    return row


def attach_recording(
    session: Session,
    clock: Clock,
    settings: DeepfakeSettings,
    session_id: str,
    content: bytes,
    detector: DeepfakeDetector,
) -> VideoSession:
    """Hash the recording (kept as evidence) and ask the configured detector for a score."""
    row = _open(session, session_id)
    if not content:
        raise ValidationError("the recording is empty", field="recording")
    if len(content) > settings.max_recording_bytes:
        raise PayloadTooLargeError(
            f"the recording is larger than {settings.max_recording_bytes:,} bytes",
            field="recording",
        )
    set_recording(row, hashlib.sha256(content).hexdigest(), len(content))
    result = detector.assess(content)
    row.detector_name = detector.name[:64]
    row.detector_score = result.score
    row.detector_note = result.note[:2000]
    session.flush()
    return row


def set_recording(row: VideoSession, sha256: str, size: int | None) -> None:
    """Record the recording's digest; an analysis of another recording no longer counts."""
    if row.recording_sha256 != sha256:
        row.analysis_verdict = None
        row.analysis_id = None
    row.recording_sha256 = sha256
    row.recording_bytes = size


def record_recording_digest(
    session: Session, clock: Clock, session_id: str, sha256: str, size: int | None = None
) -> VideoSession:
    """For recordings kept in the video platform: record their SHA-256 only (no detection)."""
    row = _open(session, session_id)
    digest = sha256.strip().lower()
    if not SHA256_RE.match(digest):
        raise ValidationError("sha256 must be 64 hexadecimal characters", field="sha256")
    if size is not None and size <= 0:
        raise ValidationError("size must be positive", field="size")
    set_recording(row, digest, size)
    row.detector_name = None
    row.detector_score = None
    row.detector_note = "no score: the recording was not supplied to brokerguard"
    session.flush()
    return row


def missing_steps(row: VideoSession) -> list[str]:
    """The strengthened steps not yet done, by key (see ``STEP_LABELS``)."""
    missing = []
    if row.otp_verified_at is None:
        missing.append("otp")
    challenges = challenges_of(row)
    if not challenges or not all(c.get("passed") is True for c in challenges):
        missing.append("liveness")
    if row.id_photo_result != "match":
        missing.append("id_photo")
    if not row.recording_sha256 or not SHA256_RE.match(row.recording_sha256):
        missing.append("recording")
    if row.analysis_verdict != ANALYSIS_PASS and not row.analysis_override_by:
        missing.append("analysis")
    return missing


def in_progress(session: Session, session_id: str) -> VideoSession:
    """The session, refused when it is already approved or rejected."""
    return _open(session, session_id)


def override_analysis(
    session: Session, clock: Clock, session_id: str, *, actor: str, note: str
) -> VideoSession:
    """A second reviewer documents why the session may be approved without an automatic pass.

    The override never changes the analysis: both stay on the record. It may not come from
    the operator, and the reviewer who approves must be yet another person.
    """
    row = _open(session, session_id)
    who = _text(actor, "actor", 128)
    if who == row.operator:
        raise PermissionDeniedError(
            "the operator cannot override the automatic analysis", field="actor"
        )
    if row.analysis_verdict == ANALYSIS_PASS:
        raise ConflictError("the automatic analysis passed; there is nothing to override")
    text = _text(note, "note", 2000)
    if len(text) < 10:
        raise ValidationError(
            "explain the override (at least 10 characters): what was checked instead",
            field="note",
        )
    row.analysis_override_by = who
    row.analysis_override_at = clock.now()
    row.analysis_override_note = text
    session.flush()
    return row


def _open_for_review(session: Session, session_id: str, reviewer: str) -> tuple[VideoSession, str]:
    """The open session and its reviewer, who may not be the operator."""
    row = _open(session, session_id)
    who = _text(reviewer, "reviewer", 128)
    if who == row.operator:
        raise PermissionDeniedError(
            "the reviewer must be a different person from the operator", field="reviewer"
        )
    return row, who


def _sign_off(
    session: Session,
    clock: Clock,
    row: VideoSession,
    status: str,
    who: str,
    note: str,
    *,
    note_required: bool,
) -> VideoSession:
    row.status = status
    row.reviewer = who
    row.reviewed_at = clock.now()
    row.review_note = _text(note, "note", 2000, required=note_required)
    session.flush()
    return row


def approve(
    session: Session, clock: Clock, session_id: str, *, reviewer: str, note: str = ""
) -> VideoSession:
    """Reviewer sign-off: only a different person than the operator, only with every step done."""
    row, who = _open_for_review(session, session_id, reviewer)
    missing = missing_steps(row)
    if missing:
        raise ValidationError(
            "the session cannot be approved; missing: "
            + ", ".join(STEP_LABELS[m][1] for m in missing),
            field=missing[0],
        )
    if row.analysis_verdict != ANALYSIS_PASS and who == row.analysis_override_by:
        raise PermissionDeniedError(
            "the reviewer who approves must be a different person from the one who "
            "overrode the automatic analysis",
            field="reviewer",
        )
    return _sign_off(session, clock, row, APPROVED, who, note, note_required=False)


def reject(
    session: Session, clock: Clock, session_id: str, *, reviewer: str, note: str
) -> VideoSession:
    row, who = _open_for_review(session, session_id, reviewer)
    return _sign_off(session, clock, row, REJECTED, who, note, note_required=True)


def list_sessions(session: Session, *, limit: int = 500) -> list[VideoSession]:
    return list(
        session.scalars(select(VideoSession).order_by(VideoSession.started_at.desc()).limit(limit))
    )


def session_summary(row: VideoSession) -> dict[str, Any]:
    """What the API and exports show: never the code, its hash or the full destination."""
    return {
        "id": row.id,
        "customer_ref": row.customer_ref,
        "purpose": row.purpose,
        "operator": row.operator,
        "started_at": as_utc(row.started_at).isoformat(),
        "status": row.status,
        "otp_channel": row.otp_channel,
        "otp_destination": row.otp_destination,
        "otp_attempts": row.otp_attempts,
        "otp_verified": row.otp_verified_at is not None,
        "challenges": challenges_of(row),
        "id_photo_result": row.id_photo_result,
        "id_photo_checked_by": row.id_photo_checked_by,
        "recording_sha256": row.recording_sha256,
        "detector_name": row.detector_name,
        "detector_score": row.detector_score,
        "detector_note": row.detector_note,
        "reviewer": row.reviewer,
        "reviewed_at": as_utc(row.reviewed_at).isoformat() if row.reviewed_at else None,
        "review_note": row.review_note,
        "evidence_ref": row.evidence_ref,
        "schedule": json.loads(row.schedule or "[]"),
        "analysis_verdict": row.analysis_verdict,
        "analysis_id": row.analysis_id,
        "analysis_override_by": row.analysis_override_by,
        "analysis_override_at": (
            as_utc(row.analysis_override_at).isoformat() if row.analysis_override_at else None
        ),
        "analysis_override_note": row.analysis_override_note,
        "missing_steps": missing_steps(row),
    }
