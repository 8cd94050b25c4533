"""Building the worker's parts from settings (CLI, web page, tests)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.worker.registry import ScheduledJob, declared_jobs, job_table
from brokerguard.worker.runner import JobRunner
from brokerguard.worker.settings import WorkerSettings


def scheduled_jobs(worker_settings: WorkerSettings) -> dict[str, ScheduledJob]:
    return job_table(declared_jobs(), worker_settings.schedules)


def build_runner(settings: Settings, factory: sessionmaker[Session], clock: Clock) -> JobRunner:
    return JobRunner(settings, settings.worker, factory, clock, scheduled_jobs(settings.worker))
