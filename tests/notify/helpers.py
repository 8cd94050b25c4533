"""Notices and channels for the notify tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.models import NotifyChannel, NotifyRoute
from tests.conftest import T0


def a_notice(
    key: str = "detect.alert:1",
    kind: NoticeKind = NoticeKind.login_alert,
    severity: Severity = Severity.high,
    occurred_at: datetime = T0,
    **overrides: object,
) -> Notice:
    fields: dict[str, object] = {
        "kind": kind,
        "severity": severity,
        "title_zh": "登入失敗次數過多",
        "title_en": "Too many failed logins",
        "summary": "account A123456789: 12 failed logins in 5 minutes",
        "occurred_at": occurred_at,
        "dedupe_key": key,
        "url": "/detect/alerts",
        "requirement_ids": ("A9.3",),
        "details": {"account": "A123456789", "failures": 12},
    }
    fields.update(overrides)
    return Notice(**fields)  # type: ignore[arg-type]


def add_channel(
    session: Session,
    name: str,
    *,
    type_: str = "webhook",
    target: str = "http://127.0.0.1:9/hook",
    format_: str = "json",
    kinds: tuple[str, ...] = ("*",),
    min_severity: str = "low",
) -> NotifyChannel:
    channel = NotifyChannel(
        name=name, type=type_, target=target, format=format_, created_at=T0, secret_sealed=""
    )
    session.add(channel)
    session.flush()
    for kind in kinds:
        session.add(
            NotifyRoute(channel_id=channel.id, kind=kind, min_severity=min_severity, created_at=T0)
        )
    session.flush()
    return channel
