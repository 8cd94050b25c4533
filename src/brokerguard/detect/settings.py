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
    stream: bool = True
    """With ``BROKERGUARD_NATS_URL`` set, the worker also consumes login events from NATS
    JetStream and runs the rules on each as it arrives (the one-minute job stays as the
    fallback); false: the one-minute job only."""
    stream_name: str = Field(default="BROKERGUARD_LOGINS", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    stream_subject: str = Field(
        default="brokerguard.logins", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$"
    )
    """Login events (the audit event contract) are published here; refused ones go to
    ``<subject>.rejected`` with the reason."""
    stream_durable: str = Field(default="login-detect", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    stream_batch: int = Field(default=500, ge=1, le=10_000)
    stream_ack_wait_s: float = Field(default=30.0, ge=1, le=3600)
    """A message not acknowledged this long (its worker died before its commit) is
    delivered again."""
    publish_logins: bool = True
    """With the stream on, the web app publishes its own committed login events to it
    (after their commit; the one-minute job covers whatever does not arrive)."""
    publish_queue: int = Field(default=10_000, ge=1, le=1_000_000)
    """Login events waiting for NATS; when full, more are counted and left to the
    one-minute job (a login never waits for NATS)."""
