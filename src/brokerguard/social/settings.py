"""Social-media settings (``BROKERGUARD_SOCIAL_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SocialSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_SOCIAL_", extra="forbid")

    #: each active account needs a monitoring entry at least this often (A5.4.1)
    monitoring_max_gap_days: int = Field(default=30, ge=1, le=366)
    #: incidents and complaints still open after this many days fail A5.4.1
    open_item_max_days: int = Field(default=14, ge=1, le=366)
    #: privacy-policy reviews older than this fail A5.3.1
    privacy_review_max_days: int = Field(default=365, ge=1, le=1100)
    #: platform risk ratings older than this fail A5.2
    platform_review_max_days: int = Field(default=365, ge=1, le=1100)
    #: a disclosure check must have run within this many days (A5.3.2, A5.4.2)
    disclosure_max_age_days: int = Field(default=31, ge=1, le=366)
    fetch_timeout_s: float = Field(default=5.0, gt=0, le=60)
    fetch_max_bytes: int = Field(default=2_000_000, ge=10_000, le=50_000_000)
