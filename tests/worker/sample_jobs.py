"""Jobs for the worker's tests (module-level, so a child process can run them)."""

from __future__ import annotations

import time

from sqlalchemy import select

from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.phishing.appstore import StoreUnavailableError
from brokerguard.worker.models import JobRun

MARK_JOB = "tests.mark"


def count_runs(ctx: JobContext) -> JobOutcome:
    with ctx.unit_of_work() as session:
        runs = len(list(session.scalars(select(JobRun.id))))
    return JobOutcome(f"{runs} runs recorded", {"runs": runs})


def hang_after_writing(ctx: JobContext) -> JobOutcome:
    """Writes a run row in its transaction, then hangs: stopped, nothing stays."""
    with ctx.unit_of_work() as session:
        session.add(
            JobRun(
                job=MARK_JOB,
                slot="written-by-a-hung-job",
                trigger="manual",
                status="ok",
                queued_at=ctx.clock.now(),
            )
        )
        session.flush()
        time.sleep(120)
    return JobOutcome("never")


def crash(ctx: JobContext) -> JobOutcome:
    raise RuntimeError("receiver said no")


COUNT = JobSpec("tests.count", "* * * * *", count_runs, "計數", "Count", timeout_s=60)
HANG = JobSpec(
    "tests.hang", "* * * * *", hang_after_writing, "卡住", "Hang", timeout_s=2, retries=0
)
CRASH = JobSpec("tests.crash", "* * * * *", crash, "失敗", "Crash", timeout_s=60, retries=1)


def store_away(ctx: JobContext) -> JobOutcome:
    """Fails as a job with no network does: an error it words itself."""
    raise StoreUnavailableError("App Store search: ConnectError")


OFFLINE = JobSpec("tests.offline", "* * * * *", store_away, "離線", "Offline", timeout_s=60)
