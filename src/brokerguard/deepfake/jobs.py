"""The deepfake domain's job: analyse the recordings uploaded for video-ID sessions (A10.1)."""

from __future__ import annotations

from brokerguard.deepfake.uploads import analyse_pending
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec

#: the worker stops a run after this long (a 15-minute recording takes about 12 minutes
#: at 19 analysed frames/s, the rate measured on two loaded cores)
TIMEOUT_S = 1800.0
#: no new upload is started after this long, so the run ends before its timeout
BUDGET_S = 900.0
#: a running upload is taken again once this has passed (its worker died)
LEASE_S = TIMEOUT_S + 120.0


def analyse_recordings(ctx: JobContext) -> JobOutcome:
    processed = analyse_pending(
        ctx.unit_of_work, ctx.clock, ctx.settings, lease_s=LEASE_S, budget_s=BUDGET_S
    )
    if not processed.total:
        return JobOutcome("no recording waits for analysis", skipped=True)
    return JobOutcome(
        f"{processed.done} recording(s) analysed, {processed.failed} could not be analysed, "
        f"{processed.superseded} replaced meanwhile",
        {"done": processed.done, "failed": processed.failed, "superseded": processed.superseded},
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="deepfake.analyse_recordings",
        schedule="* * * * *",
        run=analyse_recordings,
        title_zh="視訊核驗錄影自動分析",
        title_en="Automatic analysis of uploaded video-ID recordings",
        timeout_s=TIMEOUT_S,
        retries=1,
        requirement_ids=("A10.1",),
    ),
)
