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


class ReasonOut(ResponseModel):
    """Why, in zh-TW and English, with a stable code."""

    code: str
    zh: str
    en: str


class JudgedChallengeOut(ResponseModel):
    """A timed challenge as the analyser judged it inside its own window."""

    kind: str
    at: float
    window: float
    passed: bool
    #: the measure used (``measure`` names it: yaw change and parallax, eye aspect ratio)
    measure: dict[str, float | int | str | bool | None]
    reason: ReasonOut


class FaceMatchOut(ResponseModel):
    distance: float | None
    same_person: bool
    frames_compared: int


class AnalysisReportOut(ResponseModel):
    """The analyser's full report, as stored in the A10.1 evidence."""

    frames: int
    duration_s: float
    face_found_ratio: float
    challenges: list[JudgedChallengeOut]
    liveness: str
    replay_suspected: bool
    moire_peak_ratio: float
    reasons: list[ReasonOut]
    face_match: FaceMatchOut
    automatic_pass: bool
    recording_sha256: str
    model_versions: dict[str, str]
    thresholds: dict[str, float]


class VideoAnalysisOut(ResponseModel):
    id: str
    analysed_at: str
    analysed_by: str
    recording_sha256: str
    automatic_pass: bool
    model_versions: dict[str, str]
    report: AnalysisReportOut
    evidence_ref: str | None


class UploadErrorOut(ResponseModel):
    code: str
    message: str


class RecordingUploadOut(ResponseModel):
    """A recording uploaded for analysis: ``state`` pending, running, done, failed or
    superseded; ``error`` says why it could not be analysed."""

    id: str
    session_id: str
    state: str
    uploaded_at: str | None
    uploaded_by: str
    recording_sha256: str
    recording_bytes: int
    recording_format: str
    recording_duration_s: float | None
    id_photo_sha256: str
    attempts: int
    started_at: str | None
    finished_at: str | None
    error: UploadErrorOut | None
    analysis_id: str | None


class SessionAnalysisOut(ResponseModel):
    """The session's latest upload and the analysis its verdict follows."""

    session_id: str
    analysis_verdict: str | None
    upload: RecordingUploadOut | None
    analysis: VideoAnalysisOut | None
