"""The IoT register's scheduled job (A7.2): devices whose reassessment is due."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import today
from brokerguard.iot import service
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink

#: reassessments due within this many days are announced
AHEAD = timedelta(days=14)


def reassessments_due(ctx: JobContext) -> JobOutcome:
    """One notice per device and due date: ``medium`` ahead of it, ``high`` once past."""
    day = today(ctx.clock)
    with ctx.unit_of_work() as session:
        latest = service.latest_assessments(session)
        sink = notice_sink(session, ctx.clock)
        due = 0
        for asset_id, assessment in sorted(latest.items()):
            if assessment.next_due > day + AHEAD:
                continue
            asset = service.get_asset(session, asset_id)
            late = assessment.next_due < day
            due += 1
            sink.notify(
                Notice(
                    kind=NoticeKind.iot_reassessment_due,
                    severity=Severity.high if late else Severity.medium,
                    title_zh=f"物聯網設備{'已逾' if late else '將屆'}重新評估期限:{asset.name}",
                    title_en=f"IoT device reassessment {'overdue' if late else 'due'}: "
                    f"{asset.name}",
                    summary=f"{asset.asset_tag} {asset.name}: next assessment due "
                    f"{assessment.next_due} (last {assessment.assessed_on})",
                    occurred_at=ctx.clock.now(),
                    dedupe_key=f"iot_reassessment_due:{asset_id}:{assessment.next_due}:"
                    f"{'late' if late else 'ahead'}",
                    url=f"/iot/assets/{asset_id}",
                    requirement_ids=("A7.2",),
                    details={"asset": asset.asset_tag, "due": assessment.next_due.isoformat()},
                )
            )
    if not due:
        return JobOutcome("no IoT reassessment due within 14 days", skipped=True)
    return JobOutcome(f"{due} IoT device(s) due for reassessment", {"due": due})


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="iot.reassessments",
        schedule="10 8 * * *",
        run=reassessments_due,
        title_zh="物聯網設備重新評估到期",
        title_en="IoT reassessments due",
        timeout_s=300,
        requirement_ids=("A7.2",),
    ),
)
