"""The audit trail's scheduled jobs (A9.9): seal every minute, verify every hour."""

from __future__ import annotations

from brokerguard.audit import service
from brokerguard.errors import BrokerguardError
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink


class AuditTamperError(BrokerguardError):
    code = "audit_tamper"


def seal(ctx: JobContext) -> JobOutcome:
    """Close the open batch and sign its tree head (nothing new: nothing sealed)."""
    with ctx.unit_of_work() as session:
        created = service.seal_pending(session, ctx.clock, ctx.settings)
    service.publish_witness(ctx.settings, created)
    if not created:
        return JobOutcome("nothing to seal", skipped=True)
    return JobOutcome(
        f"sealed {len(created)} batch(es), tree size {created[-1].tree_size}",
        {"heads": len(created), "tree_size": created[-1].tree_size},
    )


def verify(ctx: JobContext) -> JobOutcome:
    """Verify every record and tree head. A failure queues a critical ``audit_tamper``
    notice (once per finding) and fails the run."""
    with ctx.unit_of_work() as session:
        report = service.verify(session, ctx.settings)
        if not report.ok:
            notice_sink(session, ctx.clock).notify(
                Notice(
                    kind=NoticeKind.audit_tamper,
                    severity=Severity.critical,
                    title_zh="稽核軌跡驗證失敗:紀錄可能遭竄改",
                    title_en="Audit trail verification failed: records may have been altered",
                    summary=report.message,
                    occurred_at=ctx.clock.now(),
                    dedupe_key=f"audit_tamper:{report.first_bad_seq}:{report.problem}",
                    url="/audit",
                    requirement_ids=("A9.9",),
                    details={
                        "first_bad_seq": report.first_bad_seq or 0,
                        "problem": report.problem or "",
                    },
                )
            )
    if not report.ok:
        raise AuditTamperError(f"audit trail verification failed: {report.message}")
    return JobOutcome(
        f"{report.events_checked} records and {report.heads_checked} tree heads verify",
        {"events": report.events_checked, "heads": report.heads_checked},
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="audit.seal",
        schedule="* * * * *",
        run=seal,
        title_zh="稽核軌跡封存簽章",
        title_en="Seal the audit trail",
        timeout_s=120,
        requirement_ids=("A9.9",),
    ),
    JobSpec(
        name="audit.verify",
        schedule="17 * * * *",
        run=verify,
        title_zh="稽核軌跡完整性驗證",
        title_en="Verify the audit trail",
        timeout_s=1800,
        retries=0,
        requirement_ids=("A9.9",),
    ),
)
