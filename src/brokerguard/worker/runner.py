"""Claiming, running and recording jobs; queuing ``job_failed`` after N failures.

The same :class:`JobRunner` serves ``brokerguard worker --once`` (claim what is
due, run it here, exit), the Huey consumer (the scheduler claims, any worker
runs), ``brokerguard jobs run`` and the web page's "run now".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.db.base import new_uuid
from brokerguard.db.engine import session_scope
from brokerguard.errors import ConflictError, NotFoundError
from brokerguard.kernel.jobs import JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.delivery import worker_id
from brokerguard.notify.outbox import notice_sink
from brokerguard.worker import runs
from brokerguard.worker.child import AttemptResult, run_in_child
from brokerguard.worker.models import JobRun
from brokerguard.worker.registry import ScheduledJob
from brokerguard.worker.settings import WorkerSettings

log = logging.getLogger(__name__)

Attempt = Callable[[JobSpec, Settings, Clock], AttemptResult]


@dataclass(frozen=True)
class RunReport:
    """One finished run, as ``worker --json`` prints it."""

    run_id: str
    job: str
    slot: str
    status: str
    started: datetime
    finished: datetime
    summary: str
    error: str
    attempts: int

    def as_json(self) -> dict[str, object]:
        return {
            "job": self.job,
            "status": self.status,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "summary": self.summary,
            "error": self.error,
            "slot": self.slot,
            "attempts": self.attempts,
            "run_id": self.run_id,
        }


@dataclass
class JobRunner:
    settings: Settings
    worker_settings: WorkerSettings
    factory: sessionmaker[Session]
    clock: Clock
    jobs: Mapping[str, ScheduledJob]
    owner: str = ""
    attempt: Attempt = run_in_child
    sleep: Callable[[float], None] = field(default=time.sleep)

    def __post_init__(self) -> None:
        self.owner = self.owner or worker_id()

    def lease(self, spec: JobSpec) -> timedelta:
        """How long a claim on ``spec`` holds before another worker may take it over."""
        worst = spec.timeout_s * (spec.retries + 1) + self._retry_wait(spec.retries)
        return timedelta(seconds=worst + self.worker_settings.lease_margin_s)

    def _retry_wait(self, retries: int) -> float:
        delay = self.worker_settings.retry_delay_s
        return float(sum(delay * 2**i for i in range(retries)))

    def due(self, session: Session, now: datetime) -> list[tuple[ScheduledJob, str]]:
        """Each job's latest slot at or before ``now`` (a job never run is due now)."""
        found: list[tuple[ScheduledJob, str]] = []
        for job in self.jobs.values():
            fired = job.schedule.previous(now)
            if fired is None:
                if runs.has_runs(session, job.name):
                    continue
                fired = now.replace(second=0, microsecond=0)
            found.append((job, runs.slot_key(fired)))
        return found

    def claim_due(self) -> list[str]:
        """Claim every due slot not claimed yet, and take over runs of dead workers; the
        run IDs this call claimed (another worker's claims are not among them)."""
        now = self.clock.now()
        claimed: list[str] = []
        with session_scope(self.factory) as session:
            for job, slot in self.due(session, now):
                run_id = runs.claim(
                    session,
                    job.name,
                    slot,
                    trigger="schedule",
                    now=now,
                    lease_until=now + self.lease(job.spec),
                )
                if run_id is not None:
                    claimed.append(run_id)
            leases = {name: self.lease(job.spec) for name, job in self.jobs.items()}
            claimed.extend(runs.take_over_stale(session, now, leases))
        return claimed

    def claim_now(self, name: str, requested_by: str) -> str:
        """Claim a run of ``name`` now, whatever its schedule, to run here (``jobs run``)."""
        job = self.job(name)
        with session_scope(self.factory) as session:
            return self.request_run(session, job, requested_by, self.lease(job.spec))

    def request_run(
        self, session: Session, job: ScheduledJob, requested_by: str, lease: timedelta
    ) -> str:
        """Claim a manual run of ``job`` in ``session``. With a zero ``lease`` it is left
        to the workers: the next claim of any of them takes it over (the web page's
        "run now", which holds no worker)."""
        now = self.clock.now()
        run_id = runs.claim(
            session,
            job.name,
            f"manual:{now.isoformat()}:{new_uuid()[:8]}",
            trigger="manual",
            now=now,
            lease_until=now + lease,
            requested_by=requested_by,
        )
        if run_id is None:  # a fresh slot name cannot collide; refuse rather than guess
            raise ConflictError(f"job {job.name}: manual slot already claimed", field="job")
        return run_id

    def job(self, name: str) -> ScheduledJob:
        job = self.jobs.get(name)
        if job is None:
            raise NotFoundError(f"unknown job {name!r}; known: {', '.join(self.jobs)}", field="job")
        return job

    def execute(self, run_id: str) -> RunReport | None:
        """Run a claimed run here: attempts up to its retries, each stopped at its
        timeout; recorded. None when the run is no longer queued (another worker)."""
        with session_scope(self.factory) as session:
            run = session.get(JobRun, run_id)
            if run is None or run.job not in self.jobs:
                return None
            job = self.jobs[run.job]
            started = self.clock.now()
            if not runs.start(session, run_id, self.owner, started, started + self.lease(job.spec)):
                return None
            slot = run.slot
        spec = job.spec
        result = AttemptResult(None, "not run")
        attempts = 0
        for attempts in range(1, spec.retries + 2):
            with session_scope(self.factory) as session:
                runs.count_attempt(session, run_id, attempts, self.clock.now() + self.lease(spec))
            result = self.attempt(spec, self.settings, self.clock)
            if result.ok:
                break
            if attempts <= spec.retries:
                log.debug("job %s attempt %d failed: %s", spec.name, attempts, result.error)
                self.sleep(self.worker_settings.retry_delay_s * 2 ** (attempts - 1))
            else:  # one line per failed run, however many attempts it took
                log.warning(
                    "job %s failed after %d attempt(s): %s", spec.name, attempts, result.error
                )
        outcome = result.outcome
        status = "failed" if outcome is None else ("skipped" if outcome.skipped else "ok")
        finished = self.clock.now()
        with session_scope(self.factory) as session:
            runs.finish(
                session,
                run_id,
                status=status,
                finished=finished,
                summary=outcome.summary if outcome else "",
                error=result.error,
                figures=outcome.figures if outcome else {},
            )
            if status == "failed":
                self._alert_failures(session, spec, finished)
        return RunReport(
            run_id,
            spec.name,
            slot,
            status,
            started,
            finished,
            outcome.summary if outcome else "",
            result.error,
            attempts,
        )

    def _alert_failures(self, session: Session, spec: JobSpec, now: datetime) -> None:
        streak = runs.failure_streak(session, spec.name)
        threshold = self.worker_settings.failures_before_alert
        if len(streak) < threshold:
            return
        last_error = streak[-1].error
        notice_sink(session, self.clock).notify(
            Notice(
                kind=NoticeKind.job_failed,
                severity=Severity.high,
                title_zh=f"排程作業連續失敗:{spec.title_zh}",
                title_en=f"Scheduled job failing: {spec.title_en}",
                summary=(
                    f"{spec.name} failed {len(streak)} times in a row; last error: {last_error}"
                ),
                occurred_at=now,
                # one notice per run of failures: the streak's first failed run
                dedupe_key=f"job_failed:{spec.name}:{streak[0].id}",
                url="/jobs",
                requirement_ids=spec.requirement_ids,
                details={"job": spec.name, "failures": len(streak)},
            )
        )

    def run_due(self) -> list[RunReport]:
        """Claim what is due and run it here, one after another (``worker --once``)."""
        reports = []
        for run_id in self.claim_due():
            report = self.execute(run_id)
            if report is not None:
                reports.append(report)
        return reports

    def run_now(self, name: str, requested_by: str) -> RunReport:
        report = self.execute(self.claim_now(name, requested_by))
        if report is None:  # pragma: no cover - a fresh manual claim is ours
            raise NotFoundError(f"job {name} was taken by another worker", field="job")
        return report
