"""Settings of the mobile domain (``BROKERGUARD_MOBILE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MobileSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_MOBILE_", extra="forbid")

    #: the firm's published app list (A6.3.1.2), HTML or JSON; empty: the check is manual
    listing_url: str = ""
    listing_timeout_s: float = Field(default=10.0, gt=0, le=120)
    listing_max_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    #: hosts that count as trusted stores or the firm's own download site (A6.3.1.1)
    trusted_store_hosts: tuple[str, ...] = (
        "play.google.com",
        "apps.apple.com",
        "itunes.apple.com",
        "appgallery.huawei.com",
    )
    #: days a TAF lab test stays valid (A6.3.3.1: yearly)
    lab_test_valid_days: int = Field(default=365, gt=0)
