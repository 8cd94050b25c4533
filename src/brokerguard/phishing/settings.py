"""Settings of the phishing domain (``BROKERGUARD_PHISHING_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PhishingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_PHISHING_", extra="forbid")

    #: brand YAML used when the database holds no brands
    brands_file: Path | None = None
    #: a scan of each kind must have run within this many days (A8.1, A6.3.1.3)
    scan_max_age_days: int = Field(default=7, ge=1, le=366)
    #: a confirmed case must have a takedown request within this many days
    takedown_within_days: int = Field(default=3, ge=0, le=90)
    #: periodic customer reminders: at least one every this many days (A8.1)
    reminder_every_days: int = Field(default=30, ge=1, le=366)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "security@example.com.tw"
    smtp_starttls: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120)
    fetch_timeout_s: float = Field(default=5.0, gt=0, le=60)
    fetch_max_bytes: int = Field(default=2 * 1024 * 1024, gt=0, le=20 * 1024 * 1024)
    #: the iTunes Search API (A6.3.1.3 App Store scan) and the store's country
    app_store_url: str = "https://itunes.apple.com/"
    app_store_country: str = Field(default="tw", pattern=r"^[a-z]{2}$")
    contact_unit: str = "資安專責單位"
    contact_phone: str = "02-0000-0000"
    contact_email: str = "security@example.com.tw"
