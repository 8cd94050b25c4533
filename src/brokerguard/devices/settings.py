"""Mobile-device settings (``BROKERGUARD_DEVICES_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DevicesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_DEVICES_", extra="forbid")

    #: lowest OS version accepted per platform (a device below it is non-compliant)
    min_os_versions: dict[str, str] = Field(
        default_factory=lambda: {
            "ios": "17.0",
            "ipados": "17.0",
            "android": "13",
            "windows": "10.0.19045",
            "macos": "14.0",
        }
    )
    #: a device that has not checked in with the MDM for more days is non-compliant
    checkin_max_days: int = Field(default=14, gt=0, le=365)
