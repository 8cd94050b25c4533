"""Login monitoring's scheduled job and continuous consumer (A9.3): the rules run every
minute over the events recorded since the last run, and, with NATS JetStream
configured, on each login event as it arrives (:mod:`brokerguard.detect.stream`)."""

from __future__ import annotations

from brokerguard.detect import stream
from brokerguard.detect.notices import detect_and_notify
from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec, StreamConsumer


def detect_logins(ctx: JobContext) -> JobOutcome:
    """Evaluate the login events recorded since the last run (the run's cursor makes a
    second run find nothing new) and notify every alert still ``new``, once each."""
    with ctx.unit_of_work() as session:
        summary = detect_and_notify(session, ctx.clock, ctx.settings.detect)
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

CONSUMERS: tuple[StreamConsumer, ...] = (
    StreamConsumer(
        name="detect.login_stream",
        enabled=stream.stream_enabled,
        run=stream.consume_until_stopped,
        title_zh="登入事件即時偵測(NATS JetStream)",
        title_en="Login detection as events arrive (NATS JetStream)",
        requirement_ids=("A9.3",),
    ),
)
