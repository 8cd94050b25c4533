"""Findings' scheduled job: open findings past their due date."""

from __future__ import annotations

from brokerguard.clock import to_taipei
from brokerguard.findings import service
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink


def findings_overdue(ctx: JobContext) -> JobOutcome:
    """One notice per overdue finding and due date (a new due date, a new notice)."""
    today = to_taipei(ctx.clock.now()).date()
    with ctx.unit_of_work() as session:
        late = service.overdue(session, today)
        sink = notice_sink(session, ctx.clock)
        for finding in late:
            days = (today - finding.due_date).days if finding.due_date else 0
            sink.notify(
                Notice(
                    kind=NoticeKind.finding_overdue,
                    severity=Severity(finding.severity.value),
                    title_zh=f"缺失改善逾期 {days} 天:{finding.title}",
                    title_en=f"Finding overdue by {days} day(s): {finding.title}",
                    summary=(
                        f"{finding.requirement_id}: {finding.title}; due {finding.due_date}, "
                        f"owner {finding.owner or '-'}, status {finding.status.value}"
                    ),
                    occurred_at=ctx.clock.now(),
                    dedupe_key=f"finding_overdue:{finding.id}:{finding.due_date}",
                    url=f"/findings/{finding.id}",
                    requirement_ids=(finding.requirement_id,),
                    details={"finding_id": finding.id, "days_overdue": days},
                )
            )
    if not late:
        return JobOutcome("no finding is overdue", skipped=True)
    return JobOutcome(f"{len(late)} finding(s) overdue", {"overdue": len(late)})


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="findings.overdue",
        schedule="5 8 * * *",
        run=findings_overdue,
        title_zh="缺失改善逾期提醒",
        title_en="Findings overdue",
        timeout_s=300,
    ),
)
