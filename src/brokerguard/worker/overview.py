"""Each job with its last and next run: ``jobs list`` and the 排程作業 page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from brokerguard.worker import runs
from brokerguard.worker.registry import ScheduledJob


@dataclass(frozen=True)
class JobRow:
    job: str
    title_zh: str
    title_en: str
    schedule: str
    requirement_ids: tuple[str, ...]
    last_run: datetime | None
    last_status: str | None
    last_duration_s: float | None
    last_summary: str
    last_error: str
    failures_in_a_row: int
    next_run: datetime | None
    running: bool

    def as_json(self) -> dict[str, object]:
        return {
            "job": self.job,
            "schedule": self.schedule,
            "last_run": self.last_run.isoformat() if self.last_run else None,
            "last_status": self.last_status,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "failures_in_a_row": self.failures_in_a_row,
            "last_duration_s": self.last_duration_s,
            "last_summary": self.last_summary,
            "last_error": self.last_error,
        }


def job_overview(session: Session, jobs: Mapping[str, ScheduledJob], now: datetime) -> list[JobRow]:
    """One row per job, failing jobs first, then by name."""
    histories = runs.histories(session, list(jobs))
    rows = []
    for name, job in jobs.items():
        history = histories[name]
        done = history.last_finished
        duration = None
        if done is not None and done.started_at and done.finished_at:
            duration = (done.finished_at - done.started_at).total_seconds()
        rows.append(
            JobRow(
                job=name,
                title_zh=job.spec.title_zh,
                title_en=job.spec.title_en,
                schedule=job.schedule.expression,
                requirement_ids=job.spec.requirement_ids,
                last_run=done.started_at if done else None,
                last_status=done.status if done else None,
                last_duration_s=duration,
                last_summary=done.summary if done else "",
                last_error=done.error if done else "",
                failures_in_a_row=history.failures_in_a_row,
                next_run=job.schedule.next(now),
                running=history.last is not None and history.last.status in runs.UNFINISHED,
            )
        )
    rows.sort(key=lambda r: (r.last_status != "failed", r.job))
    return rows
