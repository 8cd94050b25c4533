"""Login alerts to people (A9.3): each alert still ``new`` queued once as a
``login_alert`` notice, by the one-minute job and by the JetStream consumer alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.detect import service
from brokerguard.detect.models import DetectAlert
from brokerguard.detect.service import RunSummary
from brokerguard.detect.settings import DetectSettings
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink


def queue_login_alerts(session: Session, clock: Clock) -> int:
    """Queue a notice for every alert still ``new`` (the notice's ``dedupe_key`` is the
    alert's ID, so queuing again changes nothing); how many alerts were looked at."""
    sink = notice_sink(session, clock)
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
    return len(fresh)


def detect_and_notify(session: Session, clock: Clock, settings: DetectSettings) -> RunSummary:
    """Run the rules over the login events stored since the last run and queue the
    alerts, in ``session``'s transaction (committed, or rolled back, together)."""
    summary = service.run_detection(session, clock, settings)
    queue_login_alerts(session, clock)
    return summary
