"""Response bodies of the video identity-verification API (deepfake countermeasures).

A session never shows the OTP, its hash or the full destination (masked)."""

from __future__ import annotations

from brokerguard.outputs import ResponseModel


class ChallengeOut(ResponseModel):
    """A server-random liveness prompt and whether the customer did it (``null``: not yet)."""

    kind: str
    prompt: str
    prompt_zh: str
    passed: bool | None


class ScheduledChallengeOut(ResponseModel):
    """When in the recording (seconds) a prompt is due, and for how long."""

    kind: str
    at: float
    window: float


class VideoSessionOut(ResponseModel):
    """A video identity session: each strengthened step and what is still missing."""

    id: str
    customer_ref: str
    purpose: str
    operator: str
    started_at: str
    status: str
    otp_channel: str | None
    otp_destination: str | None
    otp_attempts: int
    otp_verified: bool
    challenges: list[ChallengeOut]
    id_photo_result: str | None
    id_photo_checked_by: str | None
    recording_sha256: str | None
    detector_name: str | None
    detector_score: float | None
    detector_note: str
    reviewer: str | None
    reviewed_at: str | None
    review_note: str
    evidence_ref: str | None
    schedule: list[ScheduledChallengeOut]
    analysis_verdict: str | None
    analysis_id: str | None
    analysis_override_by: str | None
    analysis_override_at: str | None
    analysis_override_note: str
    missing_steps: list[str]


class VideoSessionListOut(ResponseModel):
    items: list[VideoSessionOut]


class OtpVerifiedOut(ResponseModel):
    """The OTP was accepted (a refusal is a 422 with the attempts left)."""

    verified: bool
    attempts_left: int
