"""Sending the outbox: at least once, never again after a recorded success.

A worker **claims** a batch of due deliveries by setting a lease (committed before
anything is sent), sends them concurrently, and **records** each result (an attempt
row, and the delivery ``delivered`` or rescheduled with exponential backoff) in small
transactions as results come in. A worker killed before it records a result loses
nothing: the lease expires and another pass sends the delivery again (the receiver
sees the same ``id``). Once ``delivered`` is committed, the claim query never picks
the delivery again. Two workers never hold the same lease: on PostgreSQL the claim
skips rows another worker has locked, on SQLite the claim takes the write lock first.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.auth.secretbox import SecretBox
from brokerguard.clock import Clock
from brokerguard.config import Settings, get_settings
from brokerguard.db.base import new_uuid
from brokerguard.notify.channels import ChannelTarget, Sender, SendResult, default_senders
from brokerguard.notify.messages import Outgoing
from brokerguard.notify.models import NotifyAttempt, NotifyChannel, NotifyDelivery, NotifyNotice
from brokerguard.notify.secrets import secret_box, unseal
from brokerguard.notify.settings import NotifySettings

log = logging.getLogger(__name__)

#: results recorded per transaction while a batch is being sent
RECORD_EVERY = 25


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    given_up: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent, self.failed + other.failed, self.given_up + other.given_up
        )

    @property
    def total(self) -> int:
        return self.sent + self.failed


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def retry_delay(settings: NotifySettings, attempts: int) -> timedelta:
    """After the ``attempts``-th failure: first_retry_s, then doubling, capped."""
    seconds = settings.first_retry_s * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.max_retry_s))


@dataclass(frozen=True)
class Claimed:
    item: Outgoing
    channel: ChannelTarget
    attempts: int


#: a sent delivery: the claim, its result (None: its channel was down, not tried), and
#: when the try started and finished
Result = tuple[Claimed, SendResult | None, datetime, datetime]


@dataclass
class Outbox:
    """Sends the outbox's due deliveries with ``senders`` (by channel type)."""

    factory: sessionmaker[Session]
    clock: Clock
    settings: NotifySettings
    box: SecretBox
    senders: Mapping[str, Sender]
    owner: str = ""

    def __post_init__(self) -> None:
        self.owner = self.owner or worker_id()

    def deliver_due(self, max_batches: int = 1000) -> DeliveryReport:
        """Send every delivery due now, batch after batch, until none is left. The next
        batch is claimed and queued while the current one is being sent, so the
        senders never stand idle while the database commits a claim."""
        report = DeliveryReport()
        down: set[str] = set()
        with self._pool() as pool:
            in_flight = self._submit(pool, self.claim(self.settings.batch), down)
            batches = 1
            while in_flight:
                following: list[Future[Result]] = []
                if batches < max_batches:
                    try:
                        following = self._submit(pool, self.claim(self.settings.batch), down)
                    except Exception:  # record what is in flight before giving up the pass
                        report += self._collect(in_flight)
                        raise
                    batches += 1
                report += self._collect(in_flight)
                in_flight = following
        return report

    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(
            max_workers=self.settings.concurrency, thread_name_prefix="notify"
        )

    def claim(self, limit: int, only: Collection[str] = ()) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries (``only`` these, when given), committed
        before this returns."""
        now = self.clock.now()
        with self.factory.begin() as session:  # SQLite: BEGIN IMMEDIATE (db/engine.py)
            due = (
                select(NotifyDelivery.id)
                .where(
                    NotifyDelivery.status == "pending",
                    NotifyDelivery.next_attempt_at <= now,
                    or_(NotifyDelivery.lease_until.is_(None), NotifyDelivery.lease_until < now),
                )
                .order_by(NotifyDelivery.next_attempt_at)
                .limit(limit)
            )
            if only:
                due = due.where(NotifyDelivery.id.in_(list(only)))
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(session.scalars(due))
            if not ids:
                return []
            session.execute(
                update(NotifyDelivery)
                .where(NotifyDelivery.id.in_(ids))
                .values(
                    lease_until=now + timedelta(seconds=self.settings.lease_s),
                    lease_owner=self.owner,
                )
            )
            rows = session.execute(
                select(NotifyDelivery, NotifyNotice, NotifyChannel)
                .join(NotifyNotice, NotifyNotice.id == NotifyDelivery.notice_id)
                .join(NotifyChannel, NotifyChannel.id == NotifyDelivery.channel_id)
                .where(NotifyDelivery.id.in_(ids))
                .order_by(NotifyDelivery.next_attempt_at)
            ).all()
            targets: dict[str, ChannelTarget] = {}
            claimed = []
            for delivery, notice, channel in rows:
                target = targets.get(channel.id)
                if target is None:
                    target = targets[channel.id] = ChannelTarget(
                        channel.id,
                        channel.name,
                        channel.type,
                        channel.target,
                        channel.format,
                        unseal(self.box, channel.id, channel.secret_sealed),
                    )
                claimed.append(
                    Claimed(outgoing(delivery, notice, self.settings), target, delivery.attempts)
                )
        return claimed

    def send(self, claimed: list[Claimed]) -> DeliveryReport:
        """Send ``claimed`` concurrently, recording results as they come in."""
        with self._pool() as pool:
            return self._collect(self._submit(pool, claimed, set()))

    def _submit(
        self, pool: ThreadPoolExecutor, claimed: list[Claimed], down: set[str]
    ) -> list[Future[Result]]:
        """Queue ``claimed`` on ``pool``. When a channel cannot be reached, its other
        deliveries of this pass wait for the next one (no attempt counted), so one dead
        receiver does not hold up the rest."""

        def one(entry: Claimed) -> Result:
            started = self.clock.now()
            if entry.channel.id in down:
                return entry, None, started, started
            sender = self.senders.get(entry.channel.type)
            if sender is None:
                result = SendResult(False, error=f"no sender for channel type {entry.channel.type}")
            else:
                try:
                    result = sender.send(entry.item, entry.channel)
                except Exception as error:  # a sender bug must not stop the others
                    log.exception("sender %s failed", entry.channel.type)
                    result = SendResult(False, error=f"{type(error).__name__}: {error}"[:500])
            if result.unreachable:
                down.add(entry.channel.id)
            return entry, result, started, self.clock.now()

        return [pool.submit(one, entry) for entry in _interleaved(claimed)]

    def _collect(self, futures: list[Future[Result]]) -> DeliveryReport:
        """Record the results as they come in, ``RECORD_EVERY`` per transaction."""
        report = DeliveryReport()
        pending: list[Result] = []
        for future in as_completed(futures):
            pending.append(future.result())
            if len(pending) >= RECORD_EVERY:
                report += self.record(pending)
                pending = []
        if pending:
            report += self.record(pending)
        return report

    def record(self, results: list[Result]) -> DeliveryReport:
        """Record ``results`` in one transaction: one multi-row INSERT of the attempts and
        one executemany UPDATE of the deliveries (each still ``pending``, so a delivery
        another pass recorded meanwhile is left as it is)."""
        sent = failed = given_up = 0
        now = self.clock.now()
        attempts: list[dict[str, object]] = []
        outcomes: list[dict[str, object]] = []
        waiting: list[dict[str, object]] = []
        for entry, result, started, finished in results:
            if result is None:  # its channel was unreachable: retried with the others
                waiting.append(
                    {"b_id": entry.item.delivery_id, "b_next": now + retry_delay(self.settings, 1)}
                )
                continue
            number = entry.attempts + 1
            attempts.append(
                {
                    "id": new_uuid(),
                    "delivery_id": entry.item.delivery_id,
                    "number": number,
                    "started_at": started,
                    "finished_at": finished,
                    "ok": result.ok,
                    "status_code": result.status_code,
                    "error": result.error,
                    "worker": self.owner,
                }
            )
            row: dict[str, object] = {
                "b_id": entry.item.delivery_id,
                "b_attempts": number,
                "b_status": "pending",
                "b_error": result.error,
                "b_next": finished + retry_delay(self.settings, number),
                "b_delivered": None,
            }
            if result.ok:
                row.update(b_status="delivered", b_error="", b_delivered=finished)
                sent += 1
            else:
                failed += 1
                if number >= self.settings.max_attempts:
                    row["b_status"] = "dead"
                    given_up += 1
            outcomes.append(row)
        table: Table = NotifyDelivery.__table__  # type: ignore[assignment]
        mine = (table.c.id == bindparam("b_id"), table.c.status == "pending")
        with self.factory.begin() as session:
            if attempts:
                session.execute(insert(NotifyAttempt), attempts)
            if outcomes:
                session.execute(
                    update(table)
                    .where(*mine)
                    .values(
                        attempts=bindparam("b_attempts"),
                        status=bindparam("b_status"),
                        last_error=bindparam("b_error"),
                        next_attempt_at=bindparam("b_next"),
                        delivered_at=bindparam("b_delivered"),
                        lease_until=None,
                    ),
                    outcomes,
                )
            if waiting:
                session.execute(
                    update(table)
                    .where(*mine)
                    .values(lease_until=None, next_attempt_at=bindparam("b_next")),
                    waiting,
                )
        return DeliveryReport(sent, failed, given_up)


def _interleaved(claimed: list[Claimed]) -> list[Claimed]:
    """Round-robin over channels, so one channel's backlog does not go first."""
    by_channel: dict[str, list[Claimed]] = {}
    for entry in claimed:
        by_channel.setdefault(entry.channel.id, []).append(entry)
    return [e for group in zip_longest(*by_channel.values()) for e in group if e is not None]


def outgoing(delivery: NotifyDelivery, notice: NotifyNotice, settings: NotifySettings) -> Outgoing:
    try:
        details = json.loads(notice.details)
    except ValueError:
        details = {}
    return Outgoing(
        delivery_id=delivery.id,
        notice_id=notice.id,
        kind=notice.kind,
        severity=notice.severity,
        title_zh=notice.title_zh,
        title_en=notice.title_en,
        summary=notice.summary,
        url=settings.public_url + notice.url if notice.url else "",
        occurred_at=notice.occurred_at,
        requirement_ids=tuple(r for r in notice.requirement_ids.split(",") if r),
        details=details if isinstance(details, dict) else {},
    )


def outbox_for(
    settings: Settings,
    factory: sessionmaker[Session],
    clock: Clock,
    senders: Mapping[str, Sender] | None = None,
    notify_settings: NotifySettings | None = None,
) -> Outbox:
    """The outbox of the app's database, with the default senders unless given others."""
    chosen = notify_settings or get_settings().notify
    return Outbox(
        factory,
        clock,
        chosen,
        secret_box(settings.data_dir),
        senders if senders is not None else default_senders(chosen),
    )
