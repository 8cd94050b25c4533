"""Settings of the video identity check (``BROKERGUARD_DEEPFAKE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: the ID photo compared with the recording: largest file and most pixels accepted
MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000


class DeepfakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_DEEPFAKE_", extra="forbid")

    otp_ttl_s: int = Field(default=300, ge=30, le=3600)
    otp_max_attempts: int = Field(default=5, ge=1, le=10)
    otp_digits: int = Field(default=6, ge=6, le=10)
    #: codes sent per session at most (each send replaces the previous code)
    otp_max_sends: int = Field(default=3, ge=1, le=10)
    #: e-mail one-time codes go out through this SMTP relay (empty = not configured)
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "noreply@example.com"
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=60)
    #: largest recording accepted for hashing and detection
    max_recording_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    #: sessions left in progress longer than this fail the A10.1 check
    stale_after_hours: int = Field(default=24, ge=1)

    # automatic analysis of the recording (brokerguard.deepfake.analysis); every threshold
    # here is a setting so a firm can set it from its own calibration run
    #: longest recording analysed (seconds); longer ones are refused, never cut short
    max_recording_seconds: float = Field(default=900.0, gt=0, le=4 * 3600)
    #: largest frame accepted (width x height); 8K (33 Mpx) is refused by default
    max_frame_pixels: int = Field(default=4096 * 2160, ge=64 * 64)
    #: frames are scaled down to this width before analysis
    analysis_width: int = Field(default=640, ge=160, le=1920)
    #: frames analysed per second of recording at most (others are decoded and skipped)
    analysis_fps: float = Field(default=15.0, gt=1.0, le=60.0)
    #: share of analysed frames that must show exactly one face
    min_face_ratio: float = Field(default=0.6, ge=0.0, le=1.0)
    #: head turn: the yaw must change by at least this much (degrees) inside the window
    turn_min_yaw_deg: float = Field(default=10.0, gt=0, le=80)
    #: head turn: landmark motion a flat plane cannot explain, as a share of the eye distance
    turn_min_parallax: float = Field(default=0.035, gt=0, le=1)
    #: blink: eye aspect ratio below this share of the open-eye level counts as closed
    blink_closed_ratio: float = Field(default=0.6, gt=0, lt=1)
    #: screen replay: spectral peak-to-background ratio of the face area (moiré)
    moire_max_peak_ratio: float = Field(default=20.0, gt=1)
    #: face match: 128-D embedding distance at most this is the same person
    face_match_max_distance: float = Field(default=0.6, gt=0, le=2)
    #: frames (most frontal, sharpest faces) compared with the ID photo
    face_match_frames: int = Field(default=5, ge=1, le=50)
