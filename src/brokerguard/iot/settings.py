"""IoT register settings (``BROKERGUARD_IOT_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_IOT_", extra="forbid")

    #: A7.2: days from one assessment to the next when the assessor names no date
    reassess_days: int = Field(default=365, gt=0, le=3 * 366)
    #: A7.1.6: the longest an exception may run before it is decided again
    max_exception_days: int = Field(default=366, gt=0, le=3 * 366)
    #: A7.1.1: the newest network scan must be at most this old to prove the register complete
    scan_max_age_days: int = Field(default=92, gt=0, le=366)
    #: largest nmap XML accepted
    nmap_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
