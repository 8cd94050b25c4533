"""Settings of the staff sign-in (``BROKERGUARD_STAFF_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from brokerguard.auth.settings import Argon2Costs


class StaffSettings(Argon2Costs):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_STAFF_", extra="forbid")

    lock_threshold: int = Field(default=5, ge=1, le=5, description="Wrong passwords that lock.")
    lock_minutes: int = Field(
        default=30, ge=1, le=1440, description="A lock is released after this long."
    )
    rate_limit_ip: str = Field(default="30/minute", description="Sign-in attempts per IP.")
    rate_limit_account: str = Field(
        default="10/minute", description="Sign-in attempts per username."
    )
    verify_workers: int = Field(
        default=2, ge=1, le=16, description="Threads that may check passwords at once."
    )
