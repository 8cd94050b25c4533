"""Settings of the staff sign-in (``BROKERGUARD_STAFF_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from brokerguard.auth.settings import ARGON2_MEMORY_KIB, ARGON2_TIME_COST


class StaffSettings(BaseSettings):
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
    argon2_time_cost: int = Field(
        default=ARGON2_TIME_COST,
        ge=1,
        le=64,
        description="argon2id passes of a new password hash (OWASP: 2); sign-ins rehash on change.",
    )
    argon2_memory_kib: int = Field(
        default=ARGON2_MEMORY_KIB,
        ge=8,
        le=4 * 1024 * 1024,
        description="argon2id memory of a new password hash in KiB (OWASP: 19456).",
    )
