from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class VideoSession(Base):
    """One video identity check (視訊身分核驗) with every strengthened step recorded."""

    __tablename__ = "deepfake_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    #: the customer's account or application number; never a full national ID
    customer_ref: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # in_progress, approved, rejected

    otp_channel: Mapped[str | None] = mapped_column(String(8), nullable=True)  # sms, email
    otp_destination: Mapped[str | None] = mapped_column(String(128), nullable=True)  # masked
    otp_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    otp_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    otp_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    otp_attempts: Mapped[int] = mapped_column(Integer, default=0)
    otp_sends: Mapped[int] = mapped_column(Integer, default=0)
    otp_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    #: JSON list of {"kind", "prompt", "passed"}
    challenges: Mapped[str] = mapped_column(Text, default="[]")
    challenges_recorded_by: Mapped[str | None] = mapped_column(String(128), nullable=True)

    id_photo_result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    id_photo_checked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    id_photo_note: Mapped[str] = mapped_column(Text, default="")

    recording_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recording_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detector_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detector_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    detector_note: Mapped[str] = mapped_column(Text, default="")

    reviewer: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    #: the approval record in the evidence store (``evidence:sha256:<hex>``)
    evidence_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)

    #: JSON list of {"kind", "at", "window"}: the timed challenges the analyser checks
    schedule: Mapped[str] = mapped_column(Text, default="[]")
    #: the latest automatic analysis: "pass" or "fail" (None: never analysed)
    analysis_verdict: Mapped[str | None] = mapped_column(String(8), nullable=True)
    analysis_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    #: a second reviewer's documented decision to approve despite the analysis
    analysis_override_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    analysis_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    analysis_override_note: Mapped[str] = mapped_column(Text, default="")


class VideoAnalysis(Base):
    """One automatic analysis of a session's recording, kept as A10.1 evidence."""

    __tablename__ = "deepfake_analyses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("deepfake_sessions.id", ondelete="RESTRICT"), index=True
    )
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    analysed_by: Mapped[str] = mapped_column(String(128))
    recording_sha256: Mapped[str] = mapped_column(String(64))
    recording_bytes: Mapped[int] = mapped_column(Integer)
    liveness: Mapped[str] = mapped_column(String(8))
    replay_suspected: Mapped[bool] = mapped_column(Boolean)
    face_match_distance: Mapped[float | None] = mapped_column(Float, nullable=True)
    same_person: Mapped[bool] = mapped_column(Boolean)
    automatic_pass: Mapped[bool] = mapped_column(Boolean)
    #: JSON object: analyser, landmark model, face embedding, decoder versions
    model_versions: Mapped[str] = mapped_column(Text)
    #: the full report as JSON (challenges with their measures, reasons, thresholds)
    report: Mapped[str] = mapped_column(Text)
    evidence_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)


class RecordingUpload(Base):
    """A recording (and the ID photo to compare it with) uploaded for automatic analysis.

    Both files are kept in the evidence store's content-addressed files by SHA-256; the
    worker job ``deepfake.analyse_recordings`` analyses the pending ones. ``state``:
    pending, running, done, failed, or superseded (a newer upload replaced it before
    approval).
    """

    __tablename__ = "deepfake_recording_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("deepfake_sessions.id", ondelete="RESTRICT"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(128))
    recording_sha256: Mapped[str] = mapped_column(String(64))
    recording_bytes: Mapped[int] = mapped_column(Integer)
    #: the container the content was sniffed as (mp4, webm), never the file name's
    recording_format: Mapped[str] = mapped_column(String(16))
    recording_duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    id_photo_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: a running analysis whose lease has passed (its worker died) is taken again
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_message: Mapped[str] = mapped_column(Text, default="")
    analysis_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
