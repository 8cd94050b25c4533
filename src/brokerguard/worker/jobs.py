"""The worker's own job: keeping the ``job_runs`` record to its retention."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.worker import runs


def prune_runs(ctx: JobContext) -> JobOutcome:
    """Delete finished runs older than ``worker.keep_runs_days`` (each job's latest run
    stays). Running it again deletes nothing more."""
    days = ctx.settings.worker.keep_runs_days
    with ctx.unit_of_work() as session:
        removed = runs.prune(session, ctx.clock.now() - timedelta(days=days))
    if not removed:
        return JobOutcome(f"no run older than {days} days", skipped=True)
    return JobOutcome(f"{removed} runs older than {days} days pruned", {"pruned": removed})


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="worker.prune_runs",
        schedule="40 3 * * *",
        run=prune_runs,
        title_zh="排程作業紀錄保存期限清理",
        title_en="Prune old job runs",
        timeout_s=300,
    ),
)
