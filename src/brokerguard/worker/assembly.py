"""Building the worker's parts from settings (CLI, web page, tests)."""

from __future__ import annotations

import pydantic
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.worker.registry import ScheduledJob, declared_jobs, job_table
from brokerguard.worker.runner import JobRunner
from brokerguard.worker.settings import WorkerSettings


def load_worker_settings() -> WorkerSettings:
    """The worker settings; an invalid value raises :class:`ValidationError` naming it."""
    try:
        return WorkerSettings()
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationError(f"worker.{where}: {first['msg']}", field=f"worker.{where}") from None


def scheduled_jobs(worker_settings: WorkerSettings) -> dict[str, ScheduledJob]:
    return job_table(declared_jobs(), worker_settings.schedules)


def build_runner(
    settings: Settings,
    factory: sessionmaker[Session],
    clock: Clock,
    worker_settings: WorkerSettings | None = None,
) -> JobRunner:
    chosen = worker_settings or load_worker_settings()
    return JobRunner(settings, chosen, factory, clock, scheduled_jobs(chosen))
