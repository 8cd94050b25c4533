"""NATS JetStream plumbing shared by the audit buffer (:mod:`brokerguard.audit.buffer`)
and the login stream (:mod:`brokerguard.detect.stream`, :mod:`brokerguard.detect.publisher`).

One place for: connecting (once, or reconnecting for ever), creating a stream that
takes ``<subject>`` and ``<subject>.rejected`` with a duplicate window, publishing
events in the audit event contract with ``Nats-Msg-Id`` = ``event_id`` (so the
stream itself drops a quick re-send), pulling a batch, telling whether a durable
consumer has drained, and republishing a refused message with its reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError as StreamNotFound

from brokerguard.audit.canonical import event_to_json
from brokerguard.kernel.audit import AuditEvent

log = logging.getLogger(__name__)

DEFAULT_URL = "nats://127.0.0.1:4222"
#: a re-send with the same ``Nats-Msg-Id`` within this many seconds is dropped by the stream
DUPLICATE_WINDOW_S = 120.0


@dataclass(frozen=True)
class EventStream:
    """A JetStream stream of audit-contract events on one subject."""

    url: str
    name: str
    subject: str
    #: how long the stream keeps a message (None: the server's default, unlimited)
    max_age_s: float | None = None

    @property
    def rejected_subject(self) -> str:
        return self.subject + ".rejected"


async def _log_error(error: Exception) -> None:
    """One line per connection error (nats-py's default logs a traceback each time)."""
    log.warning("NATS: %s %s", type(error).__name__, str(error)[:200])


async def _debug_error(error: Exception) -> None:
    log.debug("NATS: %s %s", type(error).__name__, str(error)[:200])


async def connect(url: str, *, reconnect_forever: bool = False, quiet: bool = False) -> Client:
    """A connection; with ``reconnect_forever`` it keeps trying, first to connect and
    then after the server goes away (long-running consumers), else it gives up after 3
    tries (the caller decides when to try again: ``Client.is_closed``). ``quiet``:
    connection errors only at debug level (the caller reports them)."""
    attempts = -1 if reconnect_forever else 3
    return await nats.connect(
        url,
        connect_timeout=5,
        max_reconnect_attempts=attempts,
        reconnect_time_wait=2,
        error_cb=_debug_error if quiet else _log_error,
    )


async def ensure_stream(js: Any, stream: EventStream) -> None:
    """Create the stream (subject and its ``.rejected``) unless it exists."""
    try:
        await js.stream_info(stream.name)
    except StreamNotFound:
        await js.add_stream(
            StreamConfig(
                name=stream.name,
                subjects=[stream.subject, stream.rejected_subject],
                duplicate_window=DUPLICATE_WINDOW_S,
                max_age=stream.max_age_s,
            )
        )


def event_message(event: AuditEvent | dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """An event as published: its contract JSON, ``Nats-Msg-Id`` its event ID."""
    data = event_to_json(event) if isinstance(event, AuditEvent) else event
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return body, {"Nats-Msg-Id": str(data.get("event_id", ""))}


async def publish_events(stream: EventStream, events: Iterable[AuditEvent | dict[str, Any]]) -> int:
    """Publish events on a connection of their own; how many the stream acknowledged."""
    nc = await connect(stream.url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, stream)
        count = 0
        for event in events:
            body, headers = event_message(event)
            await js.publish(stream.subject, body, headers=headers)
            count += 1
        return count
    finally:
        await nc.close()


def decode(data: bytes) -> object:
    """A message body as JSON, or None when it is not JSON (the store refuses it)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


async def fetch(sub: Any, batch: int, timeout_s: float) -> list[Msg]:
    """Up to ``batch`` messages, waiting at most ``timeout_s``; none is an empty list."""
    try:
        return list(await sub.fetch(batch, timeout=timeout_s))
    except (NatsTimeout, TimeoutError):  # nats-py raises either when none came
        return []


async def drained(sub: Any) -> bool:
    """Nothing pending for the durable consumer and nothing waiting for its ack."""
    info = await sub.consumer_info()
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def publish_rejected(
    js: Any, stream: EventStream, error: dict[str, Any], data: object
) -> None:
    """Keep a refused message with the reason, for its producer to fix."""
    body = {"error": error, "data": data}
    await js.publish(
        stream.rejected_subject, json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    )
