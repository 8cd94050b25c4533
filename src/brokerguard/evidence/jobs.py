"""Evidence's scheduled job: evidence about to expire, told 30, 7 and 1 days ahead."""

from __future__ import annotations

from brokerguard.clock import today
from brokerguard.evidence import service
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink

#: days ahead of expiry a notice goes out, with its severity
WARN_DAYS = ((1, Severity.high), (7, Severity.medium), (30, Severity.low))


def evidence_expiring(ctx: JobContext) -> JobOutcome:
    """One notice per item and threshold reached (the nearest one only), whatever the
    number of runs: the notice's key is the item, its expiry date and the threshold."""
    day = today(ctx.clock)
    told = 0
    with ctx.unit_of_work() as session:
        sink = notice_sink(session, ctx.clock)
        for item in service.list_evidence(session, limit=100_000):
            if item.valid_until is None or item.valid_until < day:
                continue
            left = (item.valid_until - day).days
            reached = next(((d, s) for d, s in WARN_DAYS if left <= d), None)
            if reached is None:
                continue
            days, severity = reached
            sink.notify(
                Notice(
                    kind=NoticeKind.evidence_expiring,
                    severity=severity,
                    title_zh=f"佐證資料將於 {left} 天後到期:{item.title}",
                    title_en=f"Evidence expires in {left} day(s): {item.title}",
                    summary=(
                        f"{item.title} ({item.filename}) is valid until {item.valid_until}; "
                        f"requirements {', '.join(item.requirement_ids) or '-'}"
                    ),
                    occurred_at=ctx.clock.now(),
                    dedupe_key=f"evidence_expiring:{item.id}:{item.valid_until}:{days}",
                    url=f"/evidence/{item.id}",
                    requirement_ids=tuple(item.requirement_ids),
                    details={"evidence_id": item.id, "days_left": left},
                )
            )
            told += 1
    if not told:
        return JobOutcome("no evidence expires within 30 days", skipped=True)
    return JobOutcome(f"{told} evidence item(s) expire within 30 days", {"expiring": told})


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="evidence.expiring",
        schedule="0 8 * * *",
        run=evidence_expiring,
        title_zh="佐證資料到期提醒",
        title_en="Evidence about to expire",
        timeout_s=300,
    ),
)
