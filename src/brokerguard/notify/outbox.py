"""The transactional outbox behind :class:`~brokerguard.kernel.notices.NoticeSink`.

``notice_sink(session, clock).notify(notice)`` writes the notice, and one pending
delivery for each channel routed to its kind and severity, **in the caller's
transaction**: the notice commits, or rolls back, with the change it reports. The
same ``dedupe_key`` queued again (in the same transaction or any later one) changes
nothing. The worker sends the deliveries (:mod:`brokerguard.notify.delivery`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.db.base import new_uuid
from brokerguard.db.upsert import insert_if_absent
from brokerguard.errors import ValidationError
from brokerguard.kernel.notices import Notice, NoticeKind, NoticeSink, Severity
from brokerguard.notify.models import NotifyChannel, NotifyDelivery, NotifyNotice, NotifyRoute
from brokerguard.notify.redact import clean_details, mask_id_numbers

#: a route for every kind
ANY_KIND = "*"
MAX_SUMMARY = 4000


def _text(value: str, limit: int, field: str) -> str:
    text = mask_id_numbers(value.strip())
    if not text:
        raise ValidationError(f"a notice needs a {field}", field=field)
    return text[:limit]


@dataclass
class OutboxSink:
    """Queues notices in ``session``'s transaction (see the module's docstring)."""

    session: Session
    clock: Clock

    def notify(self, notice: Notice) -> None:
        kind = NoticeKind(notice.kind)
        severity = Severity(notice.severity)
        key = notice.dedupe_key.strip()
        if not key or len(key) > 255:
            raise ValidationError("dedupe_key must be 1 to 255 characters", field="dedupe_key")
        if notice.occurred_at.tzinfo is None:
            raise ValidationError("occurred_at must be timezone-aware", field="occurred_at")
        if notice.url and not notice.url.startswith("/"):
            raise ValidationError("url must be a path in the web app (/...)", field="url")
        notice_id = new_uuid()
        now = self.clock.now()
        inserted = insert_if_absent(
            self.session,
            NotifyNotice.__table__,  # type: ignore[arg-type]
            {
                "id": notice_id,
                "dedupe_key": key,
                "kind": kind.value,
                "severity": severity.value,
                "title_zh": _text(notice.title_zh, 255, "title_zh"),
                "title_en": _text(notice.title_en, 255, "title_en"),
                "summary": _text(notice.summary, MAX_SUMMARY, "summary"),
                "url": notice.url[:1024],
                "requirement_ids": ",".join(notice.requirement_ids)[:255],
                "details": json.dumps(clean_details(notice.details), ensure_ascii=False),
                "occurred_at": notice.occurred_at,
                "queued_at": now,
            },
            conflict_on=["dedupe_key"],
        )
        if not inserted:
            return
        for channel_id in routed_channels(self.session, kind, severity):
            self.session.add(
                NotifyDelivery(
                    notice_id=notice_id,
                    channel_id=channel_id,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        self.session.flush()


def notice_sink(session: Session, clock: Clock) -> NoticeSink:
    """The outbox, bound to ``session``'s transaction."""
    return OutboxSink(session, clock)


def routed_channels(session: Session, kind: NoticeKind, severity: Severity) -> list[str]:
    """IDs of the enabled channels with a route for ``kind`` at or below ``severity``."""
    rows = session.execute(
        select(NotifyRoute.channel_id, NotifyRoute.min_severity)
        .join(NotifyChannel, NotifyChannel.id == NotifyRoute.channel_id)
        .where(NotifyChannel.enabled.is_(True), NotifyRoute.kind.in_((kind.value, ANY_KIND)))
    ).all()
    chosen: list[str] = []
    for channel_id, minimum in rows:
        if severity.rank >= Severity(minimum).rank and channel_id not in chosen:
            chosen.append(channel_id)
    return sorted(chosen)
