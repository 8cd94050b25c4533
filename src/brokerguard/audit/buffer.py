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
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import NotFoundError as StreamNotFound
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.audit import service
from brokerguard.audit.canonical import event_to_json
from brokerguard.clock import Clock
from brokerguard.config import Settings, get_settings
from brokerguard.db.engine import session_scope
from brokerguard.kernel.audit import AuditEvent

DEFAULT_STREAM = "BROKERGUARD_AUDIT"
DEFAULT_SUBJECT = "brokerguard.audit.events"
DEFAULT_DURABLE = "audit-sealer"


@dataclass(frozen=True)
class BufferConfig:
    url: str = "nats://127.0.0.1:4222"
    stream: str = DEFAULT_STREAM
    subject: str = DEFAULT_SUBJECT
    durable: str = DEFAULT_DURABLE
    batch: int = 1000
    ack_wait_s: float = 30.0
    fetch_timeout_s: float = 1.0


async def _ensure_stream(js: Any, config: BufferConfig) -> None:
    try:
        await js.stream_info(config.stream)
    except StreamNotFound:
        await js.add_stream(
            StreamConfig(
                name=config.stream,
                subjects=[config.subject, config.subject + ".rejected"],
                duplicate_window=120.0,
            )
        )


async def publish(config: BufferConfig, events: Iterable[AuditEvent | dict[str, Any]]) -> int:
    """Publish events to the stream; returns how many the stream acknowledged."""
    nc = await nats.connect(config.url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await _ensure_stream(js, config)
        count = 0
        for item in events:
            data = event_to_json(item) if isinstance(item, AuditEvent) else item
            await js.publish(
                config.subject,
                json.dumps(data, ensure_ascii=False).encode("utf-8"),
                headers={"Nats-Msg-Id": str(data.get("event_id", ""))},
            )
            count += 1
        return count
    finally:
        await nc.close()


@dataclass
class WorkerStats:
    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


def _decode(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


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
    nc = await nats.connect(config.url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await _ensure_stream(js, config)
        sub = await js.pull_subscribe(
            config.subject,
            durable=config.durable,
            config=ConsumerConfig(ack_wait=config.ack_wait_s, max_ack_pending=100_000),
        )
        while max_batches is None or stats.batches < max_batches:
            try:
                messages = await sub.fetch(config.batch, timeout=config.fetch_timeout_s)
            except (NatsTimeout, TimeoutError):  # nats-py raises either under load
                messages = []
            if not messages:
                if until_drained:
                    info = await sub.consumer_info()
                    if info.num_pending == 0 and info.num_ack_pending == 0:
                        break
                continue
            items = [_decode(m.data) for m in messages]
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
                await js.publish(
                    config.subject + ".rejected",
                    json.dumps(
                        {"error": rejection.to_dict(), "data": items[rejection.index]},
                        ensure_ascii=False,
                        default=str,
                    ).encode("utf-8"),
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
