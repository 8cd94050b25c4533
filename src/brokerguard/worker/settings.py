"""Worker settings (``[worker]`` in the TOML file, ``BROKERGUARD_WORKER__*`` or
``BROKERGUARD_WORKER_*``; see :mod:`brokerguard.config`).

``schedules`` overrides a job's cron schedule by job name, e.g.
``BROKERGUARD_WORKER_SCHEDULES='{"audit.seal": "*/5 * * * *"}'`` or, in TOML::

    [worker.schedules]
    "audit.seal" = "*/5 * * * *"
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_WORKER_", extra="forbid")

    schedules: dict[str, str] = Field(default_factory=dict)
    """Cron schedule (Asia/Taipei) by job name, replacing the job's own (checked, with
    the job names, when the jobs are loaded)."""
    failures_before_alert: int = Field(default=3, ge=1, le=100)
    """A job that fails this many times in a row queues a ``job_failed`` notice."""
    retry_delay_s: float = Field(default=5.0, ge=0, le=600)
    """Wait before a failed job's next attempt (doubling each time)."""
    threads: int = Field(default=2, ge=1, le=32)
    """Jobs one worker process runs at once."""
    outbox_poll_s: float = Field(default=2.0, gt=0, le=60)
    """How often a running worker sends the outbox's due deliveries."""
    queue_name: str = Field(default="brokerguard", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """The Huey queue's name (its Redis keys' prefix): workers of one installation share
    it; two installations on one Redis need two names."""
    keep_runs_days: int = Field(default=400, ge=7, le=3650)
    """Finished job runs older than this are pruned by ``worker.prune_runs`` (each job's
    latest run is always kept, so the page still shows it)."""
    lease_margin_s: float = Field(default=120.0, ge=1, le=3600)
    """A claimed run not finished this long after its worst case (timeout x attempts)
    is taken over by another worker."""
