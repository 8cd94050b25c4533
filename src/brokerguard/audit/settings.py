"""Audit-trail settings (``BROKERGUARD_AUDIT_*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RETENTION_FLOOR_YEARS = 5
"""A9.9: trails are kept at least five years; law or contract may demand longer."""


class AuditSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_AUDIT_", extra="forbid")

    retention_years: int = Field(default=RETENTION_FLOOR_YEARS)
    max_event_bytes: int = Field(default=64 * 1024, gt=256, le=1024 * 1024)
    max_batch_events: int = Field(default=10_000, gt=0, le=1_000_000)
    max_future_skew_s: int = Field(default=300, ge=0, le=86_400)
    query_mode: Literal["full", "digest"] = "full"
    """``digest`` stores ``sha256:<hex>`` of each query instead of its text."""
    batch_policy: Literal["partial", "atomic"] = "partial"
    """``partial`` stores the valid events of a batch; ``atomic`` stores none if one is bad."""
    backfill_window_h: int = Field(default=24, ge=1, le=24 * 365)
    """Events older than this (by their ``time``) are refused by the ingest API unless
    the batch is sent with ``backfill=true``; accepted ones are marked ``backfill``."""
    fail_closed: bool = True
    max_unsealed_s: int = Field(default=600, ge=1, le=7 * 86_400)
    """Records left unsealed longer than this fail the trail check (an insider's window)."""
    """Refuse a personal-data read (503) when its audit event cannot be written."""

    @field_validator("retention_years")
    @classmethod
    def _floor(cls, value: int) -> int:
        if value < RETENTION_FLOOR_YEARS:
            raise ValueError(
                f"retention_years must be at least {RETENTION_FLOOR_YEARS} (A9.9), got {value}"
            )
        if value > 100:
            raise ValueError("retention_years above 100 is not a retention period")
        return value
