"""Login monitoring's scheduled job (A9.3): evaluate the rules every minute and queue a
``login_alert`` notice for each new alert."""

from __future__ import annotations

from sqlalchemy import select

from brokerguard.detect import service
from brokerguard.detect.models import DetectAlert
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink


def detect_logins(ctx: JobContext) -> JobOutcome:
    """Evaluate the login events recorded since the last run (the run's cursor makes a
    second run find nothing new) and notify every alert still ``new``, once each."""
    with ctx.unit_of_work() as session:
        summary = service.run_detection(session, ctx.clock, ctx.settings.detect)
        sink = notice_sink(session, ctx.clock)
        fresh = list(session.scalars(select(DetectAlert).where(DetectAlert.status == "new")))
        for alert in fresh:
            sink.notify(
                Notice(
                    kind=NoticeKind.login_alert,
                    severity=Severity(alert.severity),
                    title_zh=f"登入監控告警:{alert.title}",
                    title_en=f"Login monitoring alert: {alert.title}",
                    summary=(
                        f"{alert.event_count} event(s) for {alert.group_key}, "
                        f"{alert.first_seen.isoformat()} to {alert.last_seen.isoformat()} "
                        f"(rule {alert.rule_id})"
                    ),
                    occurred_at=alert.first_seen,
                    dedupe_key=f"login_alert:{alert.id}",
                    url="/detect",
                    requirement_ids=("A9.3",),
                    details={"rule": alert.rule_id, "events": alert.event_count},
                )
            )
    if not summary.events_seen:
        return JobOutcome("no new login events", skipped=True)
    return JobOutcome(
        f"{summary.events_seen} login events: {summary.alerts_raised} new alerts, "
        f"{summary.alerts_updated} updated",
        {"events": summary.events_seen, "alerts": summary.alerts_raised},
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="detect.logins",
        schedule="* * * * *",
        run=detect_logins,
        title_zh="登入異常偵測",
        title_en="Login anomaly detection",
        timeout_s=50,
        requirement_ids=("A9.3",),
    ),
)
