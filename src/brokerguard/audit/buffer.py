"""Scale-out: NATS JetStream as a durable buffer in front of the audit store.

Producers publish each event (the interface-contract JSON) to a JetStream subject,
with ``Nats-Msg-Id`` = ``event_id`` so the stream itself drops quick re-sends. Sealer
workers pull batches from a durable consumer, append them to the database in one
transaction (duplicates by ``event_id`` are refused there, so a redelivered batch
writes nothing twice), **commit, then acknowledge**, and seal. A worker killed at any
point loses nothing (unacknowledged messages are redelivered after ``ack_wait``) and
duplicates nothing (the idempotency index). Events the store refuses as malformed
are acknowledged and republished to ``<subject>.rejected`` with the reason.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nats.js.api import ConsumerConfig
from sqlalchemy.orm import Session, sessionmaker

from brokerguard import natsio
from brokerguard.audit import service
from brokerguard.clock import Clock
from brokerguard.config import Settings, get_settings
from brokerguard.db.engine import session_scope
from brokerguard.kernel.audit import AuditEvent

DEFAULT_STREAM = "BROKERGUARD_AUDIT"
DEFAULT_SUBJECT = "brokerguard.audit.events"
DEFAULT_DURABLE = "audit-sealer"


@dataclass(frozen=True)
class BufferConfig:
    url: str = natsio.DEFAULT_URL
    stream: str = DEFAULT_STREAM
    subject: str = DEFAULT_SUBJECT
    durable: str = DEFAULT_DURABLE
    batch: int = 1000
    ack_wait_s: float = 30.0
    fetch_timeout_s: float = 1.0

    @property
    def events(self) -> natsio.EventStream:
        return natsio.EventStream(self.url, self.stream, self.subject)


async def publish(config: BufferConfig, events: Iterable[AuditEvent | dict[str, Any]]) -> int:
    """Publish events to the stream; returns how many the stream acknowledged."""
    return await natsio.publish_events(config.events, events)


@dataclass
class WorkerStats:
    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


async def run_worker(
    config: BufferConfig,
    factory: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    *,
    until_drained: bool = False,
    max_batches: int | None = None,
    crash_after_commit: int | None = None,
) -> WorkerStats:
    """Consume batches until stopped (or, with ``until_drained``, until nothing is pending).

    ``crash_after_commit`` exits the process right after the n-th commit, before the
    acknowledgement: the worst moment to die, used by the tests.
    """
    audit_settings = get_settings().audit
    stats = WorkerStats()
    nc = await natsio.connect(config.url)
    try:
        js = nc.jetstream()
        await natsio.ensure_stream(js, config.events)
        sub = await js.pull_subscribe(
            config.subject,
            durable=config.durable,
            config=ConsumerConfig(ack_wait=config.ack_wait_s, max_ack_pending=100_000),
        )
        while max_batches is None or stats.batches < max_batches:
            messages = await natsio.fetch(sub, config.batch, config.fetch_timeout_s)
            if not messages:
                if until_drained and await natsio.drained(sub):
                    break
                continue
            items = [natsio.decode(m.data) for m in messages]
            with session_scope(factory) as session:
                result = service.ingest_batch(
                    session,
                    clock,
                    items,
                    settings=audit_settings.model_copy(update={"batch_policy": "partial"}),
                )
            stats.batches += 1
            if crash_after_commit is not None and stats.batches >= crash_after_commit:
                os._exit(137)  # simulate a killed worker: committed, never acknowledged
            for rejection in result.rejected:
                if rejection.reason == "duplicate":
                    stats.duplicates += 1
                    continue
                stats.rejected += 1
                await natsio.publish_rejected(
                    js, config.events, rejection.to_dict(), items[rejection.index]
                )
            stats.accepted += result.accepted
            for message in messages:
                await message.ack()
            service.seal_and_commit(factory, clock, settings)
        return stats
    finally:
        await nc.close()


def run_worker_sync(*args: Any, **kwargs: Any) -> WorkerStats:
    return asyncio.run(run_worker(*args, **kwargs))
