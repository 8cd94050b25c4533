"""The outbox: notices commit or roll back with the caller's change, once per key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.errors import ValidationError
from brokerguard.kernel.notices import NoticeKind, Severity
from brokerguard.notify.models import NotifyDelivery, NotifyNotice
from brokerguard.notify.outbox import notice_sink
from tests.notify.helpers import a_notice, add_channel


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_notice_commits_with_the_callers_transaction(engine: Engine, clock: FixedClock) -> None:
    factory = session_factory(engine)
    with factory() as session:
        add_channel(session, "soc")
        session.commit()
        notice_sink(session, clock).notify(a_notice())
        session.rollback()
    with factory() as session:
        assert _count(session, NotifyNotice) == 0
        assert _count(session, NotifyDelivery) == 0
        notice_sink(session, clock).notify(a_notice())
        session.commit()
    with factory() as session:
        stored = session.scalars(select(NotifyNotice)).one()
        assert stored.kind == "login_alert"
        delivery = session.scalars(select(NotifyDelivery)).one()
        assert (delivery.status, delivery.attempts, delivery.notice_id) == (
            "pending",
            0,
            stored.id,
        )


def test_the_same_dedupe_key_is_one_notice(engine: Engine, clock: FixedClock) -> None:
    factory = session_factory(engine)
    with factory() as session:
        add_channel(session, "soc")
        sink = notice_sink(session, clock)
        sink.notify(a_notice("k1"))
        sink.notify(a_notice("k1", summary="a different text"))
        session.commit()
    with factory() as session:
        notice_sink(session, clock).notify(a_notice("k1"))
        session.commit()
        assert _count(session, NotifyNotice) == 1
        assert _count(session, NotifyDelivery) == 1


def test_routes_choose_channels_by_kind_and_minimum_severity(
    engine: Engine, clock: FixedClock
) -> None:
    factory = session_factory(engine)
    with factory() as session:
        logins = add_channel(session, "logins", kinds=("login_alert",), min_severity="high")
        everything = add_channel(session, "siem", kinds=("*",))
        critical = add_channel(session, "ciso", kinds=("*",), min_severity="critical")
        sink = notice_sink(session, clock)
        sink.notify(a_notice("a", severity=Severity.high))
        sink.notify(a_notice("b", severity=Severity.medium))
        sink.notify(a_notice("c", kind=NoticeKind.audit_tamper, severity=Severity.critical))
        session.commit()
        routed: dict[str, set[str]] = {}
        for key, channel in session.execute(
            select(NotifyNotice.dedupe_key, NotifyDelivery.channel_id).join(
                NotifyDelivery, NotifyDelivery.notice_id == NotifyNotice.id
            )
        ):
            routed.setdefault(key, set()).add(channel)
    assert routed == {
        "a": {logins.id, everything.id},
        "b": {everything.id},
        "c": {everything.id, critical.id},
    }


def test_a_notice_without_a_route_is_kept(engine: Engine, clock: FixedClock) -> None:
    with session_factory(engine)() as session:
        notice_sink(session, clock).notify(a_notice())
        session.commit()
        assert _count(session, NotifyNotice) == 1
        assert _count(session, NotifyDelivery) == 0


def test_id_numbers_are_masked_everywhere(engine: Engine, clock: FixedClock) -> None:
    with session_factory(engine)() as session:
        notice_sink(session, clock).notify(a_notice(title_en="Account A123456789 locked"))
        session.commit()
        stored = session.scalars(select(NotifyNotice)).one()
    assert "A123456789" not in stored.summary + stored.title_en + stored.details
    assert "A123***789" in stored.summary
    assert json.loads(stored.details)["account"] == "A123***789"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"details": {"password": "hunter2"}}, "details"),
        ({"details": {"otp_code": "123456"}}, "details"),
        ({"dedupe_key": ""}, "dedupe_key"),
        ({"dedupe_key": "x" * 256}, "dedupe_key"),
        ({"summary": "   "}, "summary"),
        ({"title_zh": ""}, "title_zh"),
        ({"url": "https://evil.example/phish"}, "url"),
    ],
)
def test_a_notice_that_breaks_a_rule_is_refused_naming_the_field(
    engine: Engine, clock: FixedClock, overrides: dict[str, Any], field: str
) -> None:
    with session_factory(engine)() as session:
        notice = a_notice(**overrides)
        with pytest.raises(ValidationError) as refused:
            notice_sink(session, clock).notify(notice)
        assert refused.value.field == field
        session.rollback()
        assert _count(session, NotifyNotice) == 0


def test_a_naive_occurrence_time_is_refused(engine: Engine, clock: FixedClock) -> None:
    with session_factory(engine)() as session, pytest.raises(ValidationError) as refused:
        notice_sink(session, clock).notify(a_notice(occurred_at=clock.now().replace(tzinfo=None)))
    assert refused.value.field == "occurred_at"


def test_an_unknown_kind_is_refused(engine: Engine, clock: FixedClock) -> None:
    with session_factory(engine)() as session, pytest.raises(ValueError, match="no_such_kind"):
        notice_sink(session, clock).notify(a_notice(kind="no_such_kind"))  # type: ignore[arg-type]
