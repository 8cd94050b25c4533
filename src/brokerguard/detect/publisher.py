"""brokerguard's own login service publishes its committed login events to the NATS
login stream (A9.3), so a brute force on it reaches an alert in seconds.

The web app installs a :class:`LoginPublisher` when the stream is on
(``BROKERGUARD_NATS_URL`` set, ``detect.stream`` and ``detect.publish_logins`` true).
It watches the audit sink's commits (:func:`brokerguard.audit.sink.observe_commits`):

* only events of a transaction that **committed** are handed over (a rolled-back
  login, a failed commit or a savepoint that rolled back publishes nothing), and only
  those of ``detect.login_system`` whose function starts with ``detect.function_prefix``;
* the hand-over never blocks the request: the events go into a bounded queue
  (``detect.publish_queue``) that one background thread empties on a NATS connection
  of its own, which reconnects; each message carries ``Nats-Msg-Id`` = ``event_id``;
* when the queue is full or NATS is away, the event is counted (``stats``) and logged,
  and nothing else happens: it is in the audit trail already (it committed first), and
  the one-minute job ``detect.logins`` finds it. Detection never depends on NATS.

Nothing is counted twice: the stream's consumer stores an event the trail holds
already as a duplicate (the event ID is the idempotency key), and the rules run over
the events stored since the detection cursor, shared with the one-minute job under one
lock; whichever runs first sees the event, the other finds nothing new.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nats.aio.client import Client
from sqlalchemy import Engine

from brokerguard import natsio
from brokerguard.audit.ingest import PreparedEvent
from brokerguard.audit.sink import observe_commits
from brokerguard.config import Settings
from brokerguard.detect.stream import LoginStream, stream_enabled
from brokerguard.kernel.context import AppContext

log = logging.getLogger(__name__)

#: a failure or drop is logged the first time and then once every this many
LOG_EVERY = 1000
#: how long the publisher waits before connecting again after a failed connect
RECONNECT_DELAY_S = 2.0

_Message = tuple[bytes, dict[str, str]]


@dataclass
class PublisherStats:
    """What became of the login events handed over after their commit."""

    offered: int = 0
    published: int = 0
    #: the queue was full (the one-minute job finds them)
    dropped: int = 0
    #: NATS away or the publish not acknowledged (the one-minute job finds them)
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, count: int = 1) -> int:
        with self.lock:
            value = int(getattr(self, name)) + count
            setattr(self, name, value)
            return value


class LoginPublisher:
    """Publishes committed login events from a bounded queue, in a thread of its own."""

    def __init__(
        self,
        config: LoginStream,
        *,
        system: str,
        function_prefix: str,
        capacity: int,
        publish_timeout_s: float = 2.0,
    ) -> None:
        self.config = config
        self.system = system
        self.function_prefix = function_prefix
        self.publish_timeout_s = publish_timeout_s
        self.stats = PublisherStats()
        self._queue: queue.Queue[_Message] = queue.Queue(capacity)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closing = threading.Event()
        self._reachable: bool | None = None
        self._stop_observing: Callable[[], None] = lambda: None

    def observe(self, engine: Engine) -> LoginPublisher:
        """Take the login events of every commit on ``engine``'s sessions."""
        self._stop_observing = observe_commits(engine, self.offer)
        return self

    def offer(self, events: Sequence[PreparedEvent]) -> None:
        """Queue the login events among ``events`` (already committed); never blocks."""
        offered = 0
        for event in events:
            if event.system != self.system or not event.function.startswith(self.function_prefix):
                continue
            offered += 1
            try:
                self._queue.put_nowait(natsio.event_message(event.contract_json()))
            except queue.Full:
                self._lost("dropped", "the publish queue is full")
        if offered:
            self.stats.add("offered", offered)
            self._start()

    def _start(self) -> None:
        """The thread starts with the first login (not at import or fork time)."""
        with self._start_lock:
            if self._thread is None and not self._closing.is_set():
                self._thread = threading.Thread(
                    target=lambda: asyncio.run(self._run()), name="login-publisher", daemon=True
                )
                self._thread.start()

    def _lost(self, counter: str, why: str) -> None:
        count = self.stats.add(counter)
        if count == 1 or count % LOG_EVERY == 0:
            log.warning(
                "login stream: %d login event(s) %s so far (%s); they are in the audit "
                "trail and the one-minute job detect.logins finds them",
                count,
                counter,
                why,
            )

    def _take(self) -> _Message | None:  # None: nothing came within half a second
        try:
            return self._queue.get(timeout=0.5)
        except queue.Empty:
            return None

    async def _run(self) -> None:
        nc: Client | None = None
        try:
            while not self._closing.is_set():
                if nc is None or nc.is_closed:  # first, or given up reconnecting
                    nc = await self._connect()
                    if nc is None:
                        await asyncio.to_thread(self._closing.wait, RECONNECT_DELAY_S)
                        continue
                message = await asyncio.to_thread(self._take)
                if message is not None:
                    await self._publish(nc, message)
        finally:
            if nc is not None and not nc.is_closed:
                await nc.close()

    async def _connect(self) -> Client | None:
        """A connection with the stream in place, or None (logged when NATS is first
        found away, and again when it is back, not on every try)."""
        nc: Client | None = None
        try:
            nc = await natsio.connect(self.config.url, quiet=True)
            await natsio.ensure_stream(nc.jetstream(), self.config.events)
        except Exception as error:  # NATS away: the queue waits, then overflows
            if nc is not None:
                await nc.close()
            if self._reachable is not False:  # at first, or after it was reachable
                log.warning("login stream: cannot reach NATS (%s)", type(error).__name__)
            self._reachable = False
            return None
        log.info("login stream: publishing login events to %s", self.config.url)
        self._reachable = True
        return nc

    async def _publish(self, nc: Client, message: _Message) -> None:
        if not nc.is_connected:  # reconnecting: fail at once, do not wait for an ack
            self._lost("failed", "NATS is reconnecting")
            return
        body, headers = message
        try:
            await nc.jetstream().publish(
                self.config.subject, body, headers=headers, timeout=self.publish_timeout_s
            )
        except Exception as error:
            self._lost("failed", type(error).__name__)
            return
        self.stats.add("published")

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop taking events and end the thread (what is still queued is left to the
        one-minute job)."""
        self._stop_observing()
        self._closing.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def wait_idle(self, timeout_s: float) -> bool:
        """True once every offered event was published, dropped or failed (tests, bench)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            s = self.stats
            if s.published + s.dropped + s.failed >= s.offered:
                return True
            time.sleep(0.05)
        return False


def login_publisher(settings: Settings, engine: Engine) -> LoginPublisher | None:
    """The web app's publisher, observing ``engine``; None when the stream is off."""
    detect = settings.detect
    if not (stream_enabled(settings) and detect.publish_logins):
        return None
    publisher = LoginPublisher(
        LoginStream.from_settings(settings),
        system=detect.login_system,
        function_prefix=detect.function_prefix,
        capacity=detect.publish_queue,
    )
    return publisher.observe(engine)


def start_for_app(context: AppContext) -> LoginPublisher | None:
    """The detect domain's web service (see its manifest)."""
    return login_publisher(context.settings, context.engine)
