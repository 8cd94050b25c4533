"""The ``job_runs`` record: claiming a slot, starting, finishing, reading history.

A run is claimed by inserting ``(job, slot)``, unique, so of two workers (or two
schedulers) only one gets a slot. A claimed run carries a lease; a run whose
worker died (lease passed, still ``queued`` or ``running``) is queued again by the
next claim, and the job, being idempotent, runs again without doubling anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from brokerguard.db.base import new_uuid
from brokerguard.db.upsert import insert_if_absent
from brokerguard.worker.models import JobRun

FINISHED = ("ok", "failed", "skipped")
UNFINISHED = ("queued", "running")


def slot_key(when: datetime) -> str:
    """A scheduled slot: its minute, UTC, e.g. ``2026-12-03T02:00Z``."""
    return when.strftime("%Y-%m-%dT%H:%MZ")


def claim(
    session: Session,
    job: str,
    slot: str,
    *,
    trigger: str,
    now: datetime,
    lease_until: datetime,
    requested_by: str = "",
) -> str | None:
    """Claim ``(job, slot)``: the new run's ID, or None when it was claimed already."""
    run_id = new_uuid()
    inserted = insert_if_absent(
        session,
        JobRun.__table__,  # type: ignore[arg-type]
        {
            "id": run_id,
            "job": job,
            "slot": slot,
            "trigger": trigger,
            "status": "queued",
            "queued_at": now,
            "attempts": 0,
            "lease_until": lease_until,
            "worker": "",
            "requested_by": requested_by[:128],
            "summary": "",
            "error": "",
            "figures": "{}",
        },
        conflict_on=["job", "slot"],
    )
    return run_id if inserted else None


def has_runs(session: Session, job: str) -> bool:
    return session.scalar(select(func.count()).where(JobRun.job == job)) != 0


def take_over_stale(
    session: Session, now: datetime, lease_for: Mapping[str, timedelta]
) -> list[str]:
    """Queue again every unfinished run whose lease has passed; their IDs."""
    stale = list(
        session.scalars(
            select(JobRun)
            .where(JobRun.status.in_(UNFINISHED), JobRun.lease_until < now)
            .order_by(JobRun.queued_at)
        )
    )
    taken: list[str] = []
    for run in stale:
        lease = lease_for.get(run.job)
        if lease is None:
            continue  # a job no longer declared: left as it is, shown on the page
        result = session.execute(
            update(JobRun)
            .where(JobRun.id == run.id, JobRun.status.in_(UNFINISHED), JobRun.lease_until < now)
            .values(status="queued", lease_until=now + lease, worker="")
        )
        if result.rowcount:  # type: ignore[attr-defined]
            taken.append(run.id)
    return taken


def start(session: Session, run_id: str, owner: str, now: datetime, lease_until: datetime) -> bool:
    """Move a queued run to ``running`` for ``owner``; False when another worker has it."""
    result = session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == "queued")
        .values(status="running", started_at=now, worker=owner[:64], lease_until=lease_until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def count_attempt(session: Session, run_id: str, attempts: int, lease_until: datetime) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == "running")
        .values(attempts=attempts, lease_until=lease_until)
    )


def finish(
    session: Session,
    run_id: str,
    *,
    status: str,
    finished: datetime,
    summary: str,
    error: str,
    figures: Mapping[str, object],
) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(
            status=status,
            finished_at=finished,
            lease_until=None,
            summary=summary[:4000],
            error=error[:4000],
            figures=json.dumps(dict(figures), ensure_ascii=False, default=str),
        )
    )


def failure_streak(session: Session, job: str) -> list[JobRun]:
    """The job's failed runs since its last successful (or skipped) one, oldest first."""
    last_good = session.scalar(
        select(func.max(JobRun.finished_at)).where(
            JobRun.job == job, JobRun.status.in_(("ok", "skipped"))
        )
    )
    query = select(JobRun).where(JobRun.job == job, JobRun.status == "failed")
    if last_good is not None:
        query = query.where(JobRun.finished_at > last_good)
    return list(session.scalars(query.order_by(JobRun.finished_at, JobRun.id)))


@dataclass(frozen=True)
class JobHistory:
    """What the page and ``jobs list`` show of one job."""

    last: JobRun | None
    last_finished: JobRun | None
    failures_in_a_row: int


def histories(session: Session, jobs: Sequence[str]) -> dict[str, JobHistory]:
    found: dict[str, JobHistory] = {}
    for job in jobs:
        last = session.scalar(
            select(JobRun).where(JobRun.job == job).order_by(JobRun.queued_at.desc()).limit(1)
        )
        last_finished = session.scalar(
            select(JobRun)
            .where(JobRun.job == job, JobRun.status.in_(FINISHED))
            .order_by(JobRun.finished_at.desc())
            .limit(1)
        )
        found[job] = JobHistory(last, last_finished, len(failure_streak(session, job)))
    return found


def recent_runs(session: Session, limit: int, job: str | None = None) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.queued_at.desc()).limit(limit)
    if job is not None:
        query = query.where(JobRun.job == job)
    return list(session.scalars(query))


def prune(session: Session, older_than: datetime) -> int:
    """Delete finished runs that finished before ``older_than``, keeping each job's
    latest finished run (the page's "last run") and every unfinished one; how many."""
    latest = (
        select(func.max(JobRun.finished_at).label("finished"), JobRun.job)
        .where(JobRun.status.in_(FINISHED))
        .group_by(JobRun.job)
        .subquery()
    )
    kept = select(JobRun.id).join(
        latest, (JobRun.job == latest.c.job) & (JobRun.finished_at == latest.c.finished)
    )
    result = session.execute(
        delete(JobRun)
        .where(
            JobRun.status.in_(FINISHED),
            JobRun.finished_at < older_than,
            JobRun.id.not_in(kept.scalar_subquery()),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
