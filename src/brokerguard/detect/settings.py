"""Login-monitoring settings (``BROKERGUARD_DETECT_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DetectSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_DETECT_", extra="forbid")

    login_system: str = "brokerguard-etrade"
    function_prefix: str = "etrade."
    never_login_accounts: list[str] = Field(default_factory=list)
    """Staff, test and service accounts that must never log in to e-trading."""
    rules_dir: Path | None = None
    """A folder of rule YAML files replacing the packaged rules."""
    untriaged_max_hours: int = Field(default=24, ge=1, le=24 * 90)
    max_run_age_hours: int = Field(default=24, ge=1, le=24 * 31)
