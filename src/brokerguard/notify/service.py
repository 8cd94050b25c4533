"""Channels and routes: who is told what, and the notices with their deliveries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from brokerguard.auth.secretbox import SecretBox
from brokerguard.clock import Clock
from brokerguard.db.base import new_uuid
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.kernel.notices import NoticeKind, Severity
from brokerguard.notify.channels import (
    CHANNEL_TYPES,
    SYSLOG_TRANSPORTS,
    WEBHOOK_SHAPES,
    check_syslog_address,
    check_webhook_url,
)
from brokerguard.notify.models import (
    NotifyAttempt,
    NotifyChannel,
    NotifyDelivery,
    NotifyNotice,
    NotifyRoute,
)
from brokerguard.notify.outbox import ANY_KIND
from brokerguard.notify.secrets import seal

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_EMAIL = re.compile(r"[^@\s<>,;\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z0-9-]{1,63}")
MAX_SECRET = 1024


def check_channel_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(
            "a channel name is 1-64 characters: a-z, 0-9, '-' and '_', starting with a letter "
            "or digit",
            field="name",
        )
    return name


def check_kind(kind: str) -> str:
    if kind != ANY_KIND and kind not in {k.value for k in NoticeKind}:
        raise ValidationError(
            f"unknown kind {kind!r}; use one of {', '.join(k.value for k in NoticeKind)} or '*'",
            field="kind",
        )
    return kind


def check_severity(severity: str) -> Severity:
    try:
        return Severity(severity)
    except ValueError:
        raise ValidationError(
            f"unknown severity {severity!r}; use low, medium, high or critical",
            field="min_severity",
        ) from None


def check_target(type_: str, target: str, format_: str) -> tuple[str, str]:
    """The channel's target and format, validated for its type."""
    if type_ not in CHANNEL_TYPES:
        raise ValidationError(f"channel type must be one of {CHANNEL_TYPES}", field="type")
    if type_ == "webhook":
        if format_ not in WEBHOOK_SHAPES:
            raise ValidationError(f"webhook format must be one of {WEBHOOK_SHAPES}", field="format")
        return check_webhook_url(target), format_
    if type_ == "email":
        address = target.strip()
        if len(address) > 254 or not _EMAIL.fullmatch(address):
            raise ValidationError(f"not an e-mail address: {target[:80]!r}", field="email")
        return address, "plain"
    if format_ not in SYSLOG_TRANSPORTS:
        raise ValidationError(
            f"syslog transport must be one of {SYSLOG_TRANSPORTS}", field="format"
        )
    host, port = check_syslog_address(target)
    return (f"[{host}]:{port}" if ":" in host else f"{host}:{port}"), format_


def add_channel(
    session: Session,
    clock: Clock,
    box: SecretBox,
    *,
    name: str,
    type_: str,
    target: str,
    format_: str,
    secret: str = "",
    by: str = "",
) -> NotifyChannel:
    check_channel_name(name)
    target, format_ = check_target(type_, target, format_)
    if secret and type_ != "webhook":
        raise ValidationError("only a webhook channel takes a signing secret", field="secret")
    if len(secret) > MAX_SECRET:
        raise ValidationError(f"the secret is longer than {MAX_SECRET} characters", field="secret")
    if session.scalar(select(NotifyChannel.id).where(NotifyChannel.name == name)) is not None:
        raise ConflictError(f"a channel named {name!r} exists", field="name")
    channel_id = new_uuid()
    channel = NotifyChannel(
        id=channel_id,
        name=name,
        type=type_,
        target=target,
        format=format_,
        secret_sealed=seal(box, channel_id, secret.encode()),
        enabled=True,
        created_at=clock.now(),
        created_by=by[:128],
    )
    session.add(channel)
    session.flush()
    return channel


def channel_by_name(session: Session, name: str) -> NotifyChannel:
    channel = session.scalar(select(NotifyChannel).where(NotifyChannel.name == name[:64]))
    if channel is None:
        raise NotFoundError(f"no channel named {name[:64]!r}", field="channel")
    return channel


def remove_channel(session: Session, name: str) -> None:
    channel = channel_by_name(session, name)
    session.execute(delete(NotifyRoute).where(NotifyRoute.channel_id == channel.id))
    channel.enabled = False
    session.flush()


def add_route(
    session: Session, clock: Clock, *, channel: str, kind: str, min_severity: str = "low"
) -> NotifyRoute:
    target = channel_by_name(session, channel)
    check_kind(kind)
    severity = check_severity(min_severity)
    if not target.enabled:
        raise ValidationError(f"channel {channel!r} is removed", field="channel")
    existing = session.scalar(
        select(NotifyRoute).where(NotifyRoute.channel_id == target.id, NotifyRoute.kind == kind)
    )
    if existing is not None:
        existing.min_severity = severity.value
        session.flush()
        return existing
    route = NotifyRoute(
        channel_id=target.id, kind=kind, min_severity=severity.value, created_at=clock.now()
    )
    session.add(route)
    session.flush()
    return route


@dataclass(frozen=True)
class ChannelRow:
    name: str
    type: str
    target: str
    format: str
    signed: bool
    routes: str
    pending: int
    delivered: int
    dead: int


def list_channels(session: Session) -> list[ChannelRow]:
    counts: dict[tuple[str, str], int] = {
        (channel_id, status): int(n)
        for channel_id, status, n in session.execute(
            select(NotifyDelivery.channel_id, NotifyDelivery.status, func.count()).group_by(
                NotifyDelivery.channel_id, NotifyDelivery.status
            )
        )
    }
    routes: dict[str, list[str]] = {}
    for route in session.scalars(select(NotifyRoute).order_by(NotifyRoute.kind)):
        routes.setdefault(route.channel_id, []).append(f"{route.kind}≥{route.min_severity}")
    rows = []
    for channel in session.scalars(
        select(NotifyChannel).where(NotifyChannel.enabled.is_(True)).order_by(NotifyChannel.name)
    ):
        rows.append(
            ChannelRow(
                channel.name,
                channel.type,
                channel.target,
                channel.format,
                bool(channel.secret_sealed),
                ", ".join(routes.get(channel.id, [])),
                counts.get((channel.id, "pending"), 0),
                counts.get((channel.id, "delivered"), 0),
                counts.get((channel.id, "dead"), 0),
            )
        )
    return rows


def queue_test(session: Session, clock: Clock, name: str) -> str:
    """A test notice to channel ``name`` only; returns its delivery's ID."""
    channel = channel_by_name(session, name)
    now = clock.now()
    notice = NotifyNotice(
        dedupe_key=f"test:{channel.name}:{new_uuid()}",
        kind="test",
        severity="low",
        title_zh="brokerguard 通知測試",
        title_en="brokerguard notification test",
        summary=f"通道 {channel.name} 的測試訊息 / A test message to channel {channel.name}.",
        url="/notify",
        requirement_ids="",
        details="{}",
        occurred_at=now,
        queued_at=now,
    )
    session.add(notice)
    session.flush()
    delivery = NotifyDelivery(
        notice_id=notice.id,
        channel_id=channel.id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery.id


@dataclass(frozen=True)
class DeliveryView:
    channel: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    tries: list[NotifyAttempt]


@dataclass(frozen=True)
class NoticeView:
    notice: NotifyNotice
    deliveries: list[DeliveryView]

    @property
    def status(self) -> str:
        states = {d.status for d in self.deliveries}
        if not states:
            return "unrouted"
        for state in ("dead", "pending"):
            if state in states:
                return state
        return "delivered"


def recent_notices(session: Session, limit: int = 100) -> list[NoticeView]:
    notices = list(
        session.scalars(select(NotifyNotice).order_by(NotifyNotice.queued_at.desc()).limit(limit))
    )
    ids = [n.id for n in notices]
    deliveries = session.execute(
        select(NotifyDelivery, NotifyChannel.name)
        .join(NotifyChannel, NotifyChannel.id == NotifyDelivery.channel_id)
        .where(NotifyDelivery.notice_id.in_(ids))
    ).all()
    attempts: dict[str, list[NotifyAttempt]] = {}
    delivery_ids = [d.id for d, _ in deliveries]
    for attempt in session.scalars(
        select(NotifyAttempt)
        .where(NotifyAttempt.delivery_id.in_(delivery_ids))
        .order_by(NotifyAttempt.number)
    ):
        attempts.setdefault(attempt.delivery_id, []).append(attempt)
    by_notice: dict[str, list[DeliveryView]] = {}
    for delivery, channel_name in deliveries:
        by_notice.setdefault(delivery.notice_id, []).append(
            DeliveryView(
                channel_name,
                delivery.status,
                delivery.attempts,
                delivery.last_error,
                delivery.next_attempt_at if delivery.status == "pending" else None,
                delivery.delivered_at,
                attempts.get(delivery.id, []),
            )
        )
    return [
        NoticeView(n, sorted(by_notice.get(n.id, []), key=lambda d: d.channel)) for n in notices
    ]
