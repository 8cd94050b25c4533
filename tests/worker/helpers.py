"""Building a job runner over the test database."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.kernel.jobs import JobOutcome, JobSpec
from brokerguard.notify.models import NotifyNotice
from brokerguard.worker.child import run_job_here
from brokerguard.worker.models import JobRun
from brokerguard.worker.registry import job_table
from brokerguard.worker.runner import Attempt, JobRunner
from brokerguard.worker.settings import WorkerSettings


def a_runner(
    engine: Engine,
    settings: Settings,
    clock: FixedClock,
    specs: Iterable[JobSpec],
    *,
    attempt: Attempt = run_job_here,
    owner: str = "test-worker",
    **worker: object,
) -> JobRunner:
    options: dict[str, object] = {"retry_delay_s": 0.0, **worker}
    return JobRunner(
        settings,
        WorkerSettings(**options),  # type: ignore[arg-type]
        session_factory(engine),
        clock,
        job_table(specs, {}),
        owner=owner,
        attempt=attempt,
        sleep=lambda _s: None,
    )


def all_runs(engine: Engine, job: str | None = None) -> list[JobRun]:
    with Session(engine) as session:
        query = select(JobRun).order_by(JobRun.queued_at, JobRun.slot)
        if job is not None:
            query = query.where(JobRun.job == job)
        return list(session.scalars(query))


def run_job(spec: JobSpec, settings: Settings, clock: FixedClock) -> JobOutcome:
    """Run ``spec`` here, as the worker's child would; a failure fails the test."""
    result = run_job_here(spec, settings, clock)
    assert result.outcome is not None, result.error
    return result.outcome


def notices(engine: Engine, kind: str) -> list[NotifyNotice]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(NotifyNotice)
                .where(NotifyNotice.kind == kind)
                .order_by(NotifyNotice.queued_at, NotifyNotice.dedupe_key)
            )
        )
