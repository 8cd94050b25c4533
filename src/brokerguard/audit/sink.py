"""How the web app and the CLI get their :class:`AuditSink`: the durable database sink.

:class:`DatabaseAuditSink` writes each event **in its own transaction** (its own
session from the factory, committed before ``record`` returns). So an audit record
survives even when the request that caused it later rolls back, and a failed write
raises :class:`~brokerguard.errors.ServiceUnavailableError`, which callers turn into
a refusal (fail closed). The producer's clock is trusted for ``time`` (no future
check: tests move their clocks); ``recorded_at`` is the sink's own clock. It is safe
to call from request handlers and threads.

SQLite has one writer. When the caller's own session already holds SQLite's write
lock (it wrote something earlier in the same request), waiting for it would wait
for ourselves; so on SQLite the sink waits only briefly and then hands the event to
a background writer that stores it as soon as the caller's transaction ends
(``record`` returns; :meth:`DatabaseAuditSink.drain` waits for the hand-offs).
PostgreSQL always writes synchronously.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.audit import service
from brokerguard.audit.schemas import AuditEvent, AuditSink, MemoryAuditSink
from brokerguard.audit.settings import AuditSettings
from brokerguard.clock import Clock, SystemClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_scope
from brokerguard.errors import ServiceUnavailableError, ValidationError

log = logging.getLogger(__name__)
SQLITE_QUICK_WAIT_MS = 250
RECENT_EVENTS = 10_000
SQLITE_BUSY_MS = 30_000  # as brokerguard.db.engine sets it


class DatabaseAuditSink(MemoryAuditSink):
    """Durable sink. Like :class:`MemoryAuditSink` it also keeps ``events``: the most
    recent events this process wrote (at most ``RECENT_EVENTS``), for inspection."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock | None = None,
        settings: AuditSettings | None = None,
    ) -> None:
        super().__init__()
        self.factory = factory
        self.clock = clock or SystemClock()
        self.settings = settings or AuditSettings()
        self._queue: queue.Queue[AuditEvent] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    def _write(self, event: AuditEvent, quick: bool = False) -> None:
        with session_scope(self.factory) as session:
            if quick:  # wait briefly for SQLite's write lock, then restore the pool's setting
                connection = session.connection()
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_QUICK_WAIT_MS}")
                try:
                    result = service.append(
                        session, self.clock, [event], self.settings, trust_time=True
                    )
                finally:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
            else:
                result = service.append(
                    session, self.clock, [event], self.settings, trust_time=True
                )
        for rejection in result.rejected:
            if rejection.reason == "duplicate":
                continue  # already stored: a retry is harmless
            raise ValidationError(f"audit event refused: {rejection.reason}", field=rejection.field)

    def record(self, event: AuditEvent) -> None:
        sqlite = self.factory.kw["bind"].dialect.name == "sqlite"
        if sqlite and self._queue.unfinished_tasks:
            # earlier events still wait for the caller's lock: queue behind them (keeps order)
            self._hand_off(event)
            self._remember(event)
            return
        try:
            self._write(event, quick=sqlite)
        except OperationalError as error:
            if sqlite and "locked" in str(error.orig):
                self._hand_off(event)
                self._remember(event)
                return
            log.error("audit event %s not written: %s", event.event_id, type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None
        except SQLAlchemyError as error:
            log.error("audit event %s not written: %s", event.event_id, type(error).__name__)
            raise ServiceUnavailableError("the audit trail cannot be written") from None
        self._remember(event)

    def _remember(self, event: AuditEvent) -> None:
        with self._lock:
            self.events.append(event)
            if len(self.events) > RECENT_EVENTS:
                del self.events[: RECENT_EVENTS // 2]

    def _hand_off(self, event: AuditEvent) -> None:
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._drain_forever, name="audit-sink-writer", daemon=True
                )
                self._writer.start()
                atexit.register(self.drain)
        self._queue.put(event)

    def _drain_forever(self) -> None:
        while True:
            event = self._queue.get()
            try:
                for _attempt in range(20):
                    try:
                        self._write(event)
                        break
                    except OperationalError:
                        continue  # still locked after the 30 s busy timeout: try again
                else:
                    log.error("audit event %s not written after retries", event.event_id)
            except (SQLAlchemyError, ValidationError) as error:
                log.error("audit event %s not written: %s", event.event_id, error)
            finally:
                self._queue.task_done()

    def drain(self) -> None:
        """Wait until every handed-off event is written (or given up)."""
        if self._writer is not None:
            self._queue.join()


def default_audit_sink(settings: Settings, factory: sessionmaker[Session]) -> AuditSink:
    """The durable, database-backed sink (own transaction per event)."""
    del settings
    return DatabaseAuditSink(factory)
