"""The nightly full assessment; a check that passed and now fails queues ``check_failed``."""

from __future__ import annotations

from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.registry import Status
from brokerguard.assessment.service import latest_snapshot
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink


def nightly_assessment(ctx: JobContext) -> JobOutcome:
    """Run every check (stored as one assessment run, with its notices, in one
    transaction: a run killed half-way leaves neither)."""
    with ctx.unit_of_work() as session:
        before = latest_snapshot(session)
        was = {c.check_id: c.status for c in before.checks} if before else {}
        snapshot = run_assessment(session, ctx.settings, ctx.clock, triggered_by="worker")
        sink = notice_sink(session, ctx.clock)
        turned = [
            c
            for c in snapshot.checks
            if c.status is Status.failed and was.get(c.check_id) is Status.passed
        ]
        for check in turned:
            sink.notify(
                Notice(
                    kind=NoticeKind.check_failed,
                    severity=Severity.high,
                    title_zh=f"控制檢查由通過轉為未通過:{check.title_zh}",
                    title_en=f"Check turned from pass to fail: {check.title_en}",
                    summary=f"{check.check_id} ({', '.join(check.requirement_ids)}): "
                    f"{check.reason_en or check.reason_zh}",
                    occurred_at=snapshot.finished_at,
                    dedupe_key=f"check_failed:{check.check_id}:{snapshot.run_id}",
                    url=f"/requirements/{check.requirement_ids[0]}"
                    if check.requirement_ids
                    else "",
                    requirement_ids=check.requirement_ids,
                    details={"check": check.check_id, "run": snapshot.run_id},
                )
            )
        counts = snapshot.counts()
    return JobOutcome(
        f"{len(snapshot.checks)} checks: {counts[Status.passed]} requirements pass, "
        f"{counts[Status.failed]} fail, {counts[Status.error]} error; "
        f"{len(turned)} check(s) turned to fail",
        {
            "checks": len(snapshot.checks),
            "pass": counts[Status.passed],
            "fail": counts[Status.failed],
            "turned_to_fail": len(turned),
        },
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="assessment.nightly",
        schedule="30 2 * * *",
        run=nightly_assessment,
        title_zh="每日完整評估",
        title_en="Nightly full assessment",
        timeout_s=1800,
        retries=1,
    ),
)
