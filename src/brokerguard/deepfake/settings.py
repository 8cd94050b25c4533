"""Settings of the video identity check (``BROKERGUARD_DEEPFAKE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
