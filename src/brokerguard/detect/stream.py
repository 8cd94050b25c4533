"""Login detection as events arrive: a durable NATS JetStream consumer (A9.3).

With ``BROKERGUARD_NATS_URL`` set, producers (the firm's e-trading front-ends, as
with the audit buffer of ADR 0002) publish each login event, in the audit event
contract, to ``detect.stream_subject`` with ``Nats-Msg-Id`` = ``event_id``
(:func:`publish_logins`). brokerguard's own login service writes its events to the
trail in the request's transaction and, once that has committed, the web app's
:class:`~brokerguard.detect.publisher.LoginPublisher` publishes them too (what does
not arrive, the one-minute job finds). Every worker runs the durable pull consumer
``detect.stream_durable`` (the workers share its messages) and, for what has
arrived (up to ``stream_batch`` messages, waiting at most a second), in **one
transaction**:

1. stores the events the audit trail does not hold yet (the event ID is the
   idempotency key: an event the login service or the sealer stored already is not
   stored twice), so the rules never wait for another writer;
2. runs the rules over every login event stored since the last run (the detection
   cursor, shared with the one-minute job under one lock);
3. queues a ``login_alert`` notice for each new alert (keyed by the alert);

then **commits, and only then acknowledges**. A worker killed before its commit
leaves its messages unacknowledged; JetStream delivers them again after
``stream_ack_wait_s`` and they find their events stored or not, the cursor where
the last commit left it and the notices keyed by alert: nothing is lost and
nothing doubled. A message that is not a login event of ``detect.login_system``
(or not an event at all) is acknowledged and republished to
``<subject>.rejected`` with the reason. The one-minute job ``detect.logins``
stays: it finds nothing new while the stream keeps up, and covers for it when
NATS is away.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from nats.js.api import ConsumerConfig

from brokerguard import natsio
from brokerguard.audit import service as audit_service
from brokerguard.audit.ingest import Rejection
from brokerguard.config import Settings
from brokerguard.detect.notices import detect_and_notify
from brokerguard.detect.service import lock_detection
from brokerguard.kernel.audit import AuditEvent
from brokerguard.kernel.jobs import ConsumerContext, JobContext

log = logging.getLogger(__name__)

#: how long the stream keeps a login event (a buffer, not the record: the trail is)
STREAM_MAX_AGE = timedelta(days=7)
#: a batch whose database work failed is offered again after this long
RETRY_DELAY_S = 2.0


@dataclass(frozen=True)
class LoginStream:
    url: str
    stream: str
    subject: str
    durable: str
    batch: int
    ack_wait_s: float
    fetch_timeout_s: float = 1.0

    @property
    def rejected_subject(self) -> str:
        return self.events.rejected_subject

    @property
    def events(self) -> natsio.EventStream:
        return natsio.EventStream(
            self.url, self.stream, self.subject, STREAM_MAX_AGE.total_seconds()
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginStream:
        d = settings.detect
        return cls(
            url=settings.nats_url or natsio.DEFAULT_URL,
            stream=d.stream_name,
            subject=d.stream_subject,
            durable=d.stream_durable,
            batch=d.stream_batch,
            ack_wait_s=d.stream_ack_wait_s,
        )


def stream_enabled(settings: Settings) -> bool:
    """The consumer runs when NATS is configured and ``detect.stream`` is on."""
    return bool(settings.nats_url) and settings.detect.stream


async def publish_logins(config: LoginStream, events: Iterable[AuditEvent | dict[str, Any]]) -> int:
    """Publish login events (as a producer does); how many the stream acknowledged."""
    return await natsio.publish_events(config.events, events)


@dataclass(frozen=True)
class BatchOutcome:
    stored: int
    duplicates: int
    rejected: list[tuple[Rejection, object]]
    events_seen: int
    alerts_raised: int


def detect_batch(ctx: JobContext, payloads: Sequence[bytes]) -> BatchOutcome:
    """Store the batch's new login events, run the rules, queue the alerts: one
    transaction, committed when this returns."""
    settings = ctx.settings
    items = [natsio.decode(p) for p in payloads]
    audit_settings = settings.audit.model_copy(update={"batch_policy": "partial"})
    with ctx.unit_of_work() as session:
        lock_detection(session)  # before the trail's own lock, as the job takes it
        result = audit_service.ingest_batch(
            session, ctx.clock, items, system=settings.detect.login_system, settings=audit_settings
        )
        summary = detect_and_notify(session, ctx.clock, settings.detect)
    duplicates = sum(1 for r in result.rejected if r.reason == "duplicate")
    refused = [(r, items[r.index]) for r in result.rejected if r.reason != "duplicate"]
    return BatchOutcome(
        result.accepted, duplicates, refused, summary.events_seen, summary.alerts_raised
    )


@dataclass
class ConsumerStats:
    batches: int = 0
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    alerts: int = 0
    failed_batches: int = 0
    retried: list[str] = field(default_factory=list)


async def consume(
    config: LoginStream,
    ctx: ConsumerContext,
    stop: threading.Event,
    *,
    until_drained: bool = False,
    crash_after_commit: int | None = None,
) -> ConsumerStats:
    """Consume until ``stop`` is set (or, with ``until_drained``, until nothing is
    pending). ``crash_after_commit`` ends the process right after the n-th commit,
    before the acknowledgement: the worst moment to die, used by the tests."""
    stats = ConsumerStats()
    nc = await natsio.connect(config.url, reconnect_forever=True)
    try:
        js = nc.jetstream()
        await natsio.ensure_stream(js, config.events)
        sub = await js.pull_subscribe(
            config.subject,
            durable=config.durable,
            stream=config.stream,
            config=ConsumerConfig(ack_wait=config.ack_wait_s, max_ack_pending=100_000),
        )
        while not stop.is_set():
            messages = await natsio.fetch(sub, config.batch, config.fetch_timeout_s)
            if not messages:
                if until_drained and await natsio.drained(sub):
                    break
                continue
            try:
                outcome = await asyncio.to_thread(detect_batch, ctx, [m.data for m in messages])
            except Exception:  # the database may be away: offered again shortly
                log.exception("login stream: a batch of %d was not committed", len(messages))
                stats.failed_batches += 1
                for message in messages:
                    await message.nak(delay=RETRY_DELAY_S)
                continue
            stats.batches += 1
            if crash_after_commit is not None and stats.batches >= crash_after_commit:
                os._exit(137)  # committed, never acknowledged
            for rejection, item in outcome.rejected:
                await natsio.publish_rejected(js, config.events, rejection.to_dict(), item)
            for message in messages:
                await message.ack()
            if outcome.alerts_raised:
                ctx.notices_queued()
            stats.messages += len(messages)
            stats.stored += outcome.stored
            stats.duplicates += outcome.duplicates
            stats.rejected += len(outcome.rejected)
            stats.alerts += outcome.alerts_raised
            if outcome.alerts_raised or outcome.rejected:
                log.info(
                    "login stream: %d events, %d new alerts, %d refused",
                    outcome.events_seen,
                    outcome.alerts_raised,
                    len(outcome.rejected),
                )
        return stats
    finally:
        await nc.close()


def consume_until_stopped(ctx: ConsumerContext, stop: threading.Event) -> None:
    """The worker's entry point (see :class:`~brokerguard.kernel.jobs.StreamConsumer`)."""
    asyncio.run(consume(LoginStream.from_settings(ctx.settings), ctx, stop))
