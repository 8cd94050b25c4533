from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.deepfake import service
from brokerguard.deepfake.checks import video_sessions_strengthened
from brokerguard.deepfake.detector import DetectorResult, NoDetector
from brokerguard.deepfake.models import VideoSession
from brokerguard.deepfake.otp import code_hash, mask_destination
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import (
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ServiceUnavailableError,
    ValidationError,
)

CFG = DeepfakeSettings(otp_ttl_s=300, otp_max_attempts=3, max_recording_bytes=10_000)


class CapturingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, channel: str, destination: str, code: str) -> None:
        self.sent.append((channel, destination, code))


class FixedDetector:
    name = "vendor-x"

    def assess(self, recording: bytes) -> DetectorResult:
        return DetectorResult(0.12, "vendor-x model 3.1")


def start(session: Session, clock: FixedClock, operator: str = "op-amy") -> VideoSession:
    return service.start_session(
        session, clock, customer_ref="9801-123456", purpose="account_opening", operator=operator
    )


def manual_steps(session: Session, clock: FixedClock, row: VideoSession) -> None:
    """The code, the operator's challenge results and the photo check: all but the recording."""
    sender = CapturingSender()
    service.send_otp(
        session, clock, CFG, sender, row.id, channel="sms", registered_destination="0912-345-678"
    )
    code = sender.sent[-1][2]
    assert service.verify_otp(session, clock, CFG, row.id, code).verified
    service.record_challenges(session, clock, row.id, [True, True, True], "op-amy")
    service.record_id_photo(session, clock, row.id, result="match", note="", actor="op-amy")


def complete_steps(session: Session, clock: FixedClock, row: VideoSession) -> None:
    manual_steps(session, clock, row)
    service.attach_recording(session, clock, CFG, row.id, b"\x00video-bytes", NoDetector())
    service.override_analysis(
        session, clock, row.id, actor="sec-carol", note="錄影由資安專責單位人工逐段檢視，確認為本人"
    )


def test_challenges_are_server_random(session: Session, clock: FixedClock) -> None:
    first, second = start(session, clock), start(session, clock)
    kinds = sorted(c["kind"] for c in service.challenges_of(first))
    assert kinds == ["read_digits", "show_id", "turn_head"]
    prompts = [
        tuple(c["prompt"] for c in service.challenges_of(r))
        for r in (first, second, start(session, clock))
    ]
    assert len(set(prompts)) > 1  # three identical random draws: about 1 in 10^12


def test_otp_is_hashed_and_verified(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    sender = CapturingSender()
    service.send_otp(
        session, clock, CFG, sender, row.id, channel="sms", registered_destination="+886912345678"
    )
    channel, destination, code = sender.sent[0]
    assert (channel, destination, len(code), code.isdigit()) == ("sms", "0912345678", 6, True)
    assert row.otp_destination == "0912***678"
    assert code not in (row.otp_hash or "") and row.otp_hash == code_hash(row.otp_salt or "", code)
    assert code not in str(service.session_summary(row))
    wrong = "000000" if code != "000000" else "111111"
    outcome = service.verify_otp(session, clock, CFG, row.id, wrong)
    assert (outcome.verified, outcome.attempts_left) == (False, 2)
    assert service.verify_otp(session, clock, CFG, row.id, code).verified
    assert row.otp_verified_at is not None
    with pytest.raises(ConflictError):
        service.send_otp(
            session, clock, CFG, sender, row.id, channel="sms", registered_destination="0912345678"
        )


def test_otp_attempt_limit_and_expiry(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    sender = CapturingSender()
    service.send_otp(
        session,
        clock,
        CFG,
        sender,
        row.id,
        channel="email",
        registered_destination="chen@example.com.tw",
    )
    code = sender.sent[0][2]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert not service.verify_otp(session, clock, CFG, row.id, wrong).verified
    locked = service.verify_otp(session, clock, CFG, row.id, code)
    assert not locked.verified and "too many" in locked.reason
    service.send_otp(
        session,
        clock,
        CFG,
        sender,
        row.id,
        channel="email",
        registered_destination="chen@example.com.tw",
    )
    fresh = sender.sent[-1][2]
    clock.advance(timedelta(seconds=301))
    expired = service.verify_otp(session, clock, CFG, row.id, fresh)
    assert not expired.verified and "expired" in expired.reason
    service.send_otp(
        session,
        clock,
        CFG,
        sender,
        row.id,
        channel="email",
        registered_destination="chen@example.com.tw",
    )
    with pytest.raises(ConflictError):  # a fourth code for the same session
        service.send_otp(
            session,
            clock,
            CFG,
            sender,
            row.id,
            channel="email",
            registered_destination="chen@example.com.tw",
        )
    assert len(sender.sent) == 3


def test_verify_without_code_sent(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    with pytest.raises(ConflictError):
        service.verify_otp(session, clock, CFG, row.id, "123456")


@pytest.mark.parametrize(
    ("channel", "destination"),
    [
        ("sms", "12345"),
        ("sms", "0212345678"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("fax", "0912345678"),
        ("email", "a b@example.com"),
    ],
)
def test_bad_destinations(
    session: Session, clock: FixedClock, channel: str, destination: str
) -> None:
    row = start(session, clock)
    sender = CapturingSender()
    with pytest.raises(ValidationError):
        service.send_otp(
            session, clock, CFG, sender, row.id, channel=channel, registered_destination=destination
        )
    assert sender.sent == []


def test_cannot_approve_with_missing_steps(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    with pytest.raises(ValidationError) as caught:
        service.approve(session, clock, row.id, reviewer="rev-ben")
    assert "code" in caught.value.message and "Recording" in caught.value.message
    complete_steps(session, clock, row)
    service.record_id_photo(
        session, clock, row.id, result="mismatch", note="髮型不同，需人工複核", actor="op-amy"
    )
    with pytest.raises(ValidationError) as caught:
        service.approve(session, clock, row.id, reviewer="rev-ben")
    assert caught.value.field == "id_photo"
    service.record_id_photo(session, clock, row.id, result="match", note="", actor="op-amy")
    service.record_challenges(session, clock, row.id, [True, False, True], "op-amy")
    with pytest.raises(ValidationError) as caught:
        service.approve(session, clock, row.id, reviewer="rev-ben")
    assert caught.value.field == "liveness"


def test_operator_cannot_sign_off(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    complete_steps(session, clock, row)
    with pytest.raises(PermissionDeniedError):
        service.approve(session, clock, row.id, reviewer="op-amy")
    approved = service.approve(session, clock, row.id, reviewer="rev-ben", note="OK")
    assert approved.status == "approved"
    assert approved.recording_sha256 == hashlib.sha256(b"\x00video-bytes").hexdigest()
    with pytest.raises(ConflictError):
        service.reject(session, clock, row.id, reviewer="rev-ben", note="late")


def test_detector_default_gives_no_score(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    service.attach_recording(session, clock, CFG, row.id, b"abc", NoDetector())
    summary = service.session_summary(row)
    assert summary["detector_score"] is None
    assert summary["detector_note"] == "no score: no detector configured"
    service.attach_recording(session, clock, CFG, row.id, b"abc", FixedDetector())
    summary = service.session_summary(row)
    assert (summary["detector_name"], summary["detector_score"]) == ("vendor-x", 0.12)
    with pytest.raises(ValueError):
        DetectorResult(1.5, "bad")


def test_recording_limits(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    with pytest.raises(ValidationError):
        service.attach_recording(session, clock, CFG, row.id, b"", NoDetector())
    with pytest.raises(PayloadTooLargeError):
        service.attach_recording(session, clock, CFG, row.id, b"x" * 10_001, NoDetector())
    for bad in ("abc", "g" * 64, "A" * 63):
        with pytest.raises(ValidationError):
            service.record_recording_digest(session, clock, row.id, bad)
    service.record_recording_digest(session, clock, row.id, "AB" * 32, 1024)
    assert row.recording_sha256 == "ab" * 32
    assert row.detector_score is None


@pytest.mark.parametrize(
    ("ref", "purpose"),
    [
        ("A123456789", "account_opening"),
        ("", "account_opening"),
        ("x" * 65, "account_opening"),
        ("98-1", "wire"),
        ("98 1;--", "other"),
    ],
)
def test_bad_session_start(session: Session, clock: FixedClock, ref: str, purpose: str) -> None:
    with pytest.raises(ValidationError):
        service.start_session(session, clock, customer_ref=ref, purpose=purpose, operator="op")


def test_unknown_session(session: Session, clock: FixedClock) -> None:
    with pytest.raises(NotFoundError):
        service.get_session(session, "nope")
    with pytest.raises(NotFoundError):
        service.get_session(session, "")


def test_unconfigured_sender_says_so() -> None:
    from brokerguard.deepfake.otp import SmtpEmailSender, UnconfiguredSender

    with pytest.raises(ServiceUnavailableError):
        UnconfiguredSender().send("sms", "0912345678", "123456")
    with pytest.raises(ServiceUnavailableError):
        SmtpEmailSender("127.0.0.1", 25, "x@example.com").send("sms", "0912345678", "1")


def test_mask_destination() -> None:
    assert mask_destination("email", "chen@example.com") == "c***@example.com"


def test_check(session: Session, clock: FixedClock) -> None:
    context = CheckContext(session=session, settings=Settings(), clock=clock)
    assert video_sessions_strengthened(context).status is Status.manual
    row = start(session, clock)
    complete_steps(session, clock, row)
    service.approve(session, clock, row.id, reviewer="rev-ben")
    assert video_sessions_strengthened(context).status is Status.passed
    start(session, clock)
    clock.advance(timedelta(hours=30))
    assert video_sessions_strengthened(context).status is Status.failed
    # an approved row altered behind the service's back (no reviewer) fails the check
    session.query(VideoSession).filter(VideoSession.status == "in_progress").delete()
    row.reviewer = row.operator
    session.flush()
    assert video_sessions_strengthened(context).status is Status.failed


def test_approval_record_is_kept_as_evidence(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    from brokerguard.deepfake.evidence import approval_record, approve_and_keep
    from brokerguard.evidence.service import evidence_content, evidence_for

    settings = Settings(data_dir=tmp_path / "var")
    row = start(session, clock)
    complete_steps(session, clock, row)
    approved = approve_and_keep(session, clock, settings, row.id, reviewer="rev-ben")
    record = approval_record(approved)
    assert b'"recording_sha256"' in record and b"otp_hash" not in record
    assert approved.evidence_ref is not None
    (kept,) = evidence_for(session, "A10.1")
    assert approved.evidence_ref == kept.reference
    _, content = evidence_content(session, settings, kept.id)
    assert content == record
