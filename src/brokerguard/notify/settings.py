"""Notification settings (``[notify]`` in the TOML file, ``BROKERGUARD_NOTIFY__*``
or ``BROKERGUARD_NOTIFY_*``; see :mod:`brokerguard.config`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_NOTIFY_", extra="forbid")

    public_url: str = "http://127.0.0.1:8000"
    """The web app's address as people reach it: a notice's link is this plus its path."""
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    """Upgrade with STARTTLS before anything is sent (refused if the server cannot)."""
    smtp_ca_file: Path | None = None
    """Trust this CA bundle for the SMTP server instead of the system's."""
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "brokerguard@localhost"
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """How long one send may take before it counts as failed."""
    first_retry_s: float = Field(default=15.0, gt=0, le=30)
    """The first retry comes this long after a failure; each later one waits twice as long."""
    max_retry_s: float = Field(default=3600.0, gt=0, le=86_400)
    max_attempts: int = Field(default=20, ge=1, le=100)
    """After this many failed tries a delivery is given up (``dead``), and shown as such."""
    lease_s: float = Field(default=120.0, ge=10, le=3600)
    """A worker sending a delivery holds it this long; a worker killed meanwhile frees it then."""
    batch: int = Field(default=200, ge=1, le=5000)
    concurrency: int = Field(default=16, ge=1, le=128)
    syslog_facility: int = Field(default=13, ge=0, le=23)
    """RFC 5424 facility of syslog messages (13: log audit)."""

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("public_url must start with http:// or https://")
        return value.rstrip("/")
