"""Sending the outbox to loopback receivers: contract body, signature, retries,
timeouts, unreachable and TLS-failing receivers, e-mail with STARTTLS, syslog/CEF."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.kernel.notices import Severity
from brokerguard.notify import service
from brokerguard.notify.delivery import Outbox, outbox_for
from brokerguard.notify.models import NotifyAttempt, NotifyDelivery
from brokerguard.notify.outbox import notice_sink
from brokerguard.notify.secrets import secret_box
from brokerguard.notify.settings import NotifySettings
from tests.notify.helpers import a_notice
from tests.notify.receivers import smtp_server, syslog_collector, webhook_receiver


def _outbox(engine: Engine, settings: Settings, clock: FixedClock, **changes: object) -> Outbox:
    notify = NotifySettings(**{"timeout_s": 2.0, **changes})  # type: ignore[arg-type]
    return outbox_for(settings, session_factory(engine), clock, notify_settings=notify)


def _channel(
    engine: Engine,
    settings: Settings,
    clock: FixedClock,
    name: str,
    type_: str,
    target: str,
    format_: str = "json",
    secret: str = "",
) -> None:
    with session_factory(engine).begin() as session:
        service.add_channel(
            session,
            clock,
            secret_box(settings.data_dir),
            name=name,
            type_=type_,
            target=target,
            format_=format_,
            secret=secret,
        )
        service.add_route(session, clock, channel=name, kind="*", min_severity="low")


def _queue(engine: Engine, clock: FixedClock, *keys: str) -> list[str]:
    with session_factory(engine).begin() as session:
        sink = notice_sink(session, clock)
        for key in keys:
            sink.notify(a_notice(key, severity=Severity.high))
    with session_factory(engine)() as session:
        return [d.id for d in session.scalars(select(NotifyDelivery))]


def _attempts(session: Session) -> list[NotifyAttempt]:
    return list(session.scalars(select(NotifyAttempt).order_by(NotifyAttempt.number)))


def test_a_webhook_gets_the_contract_body_signed_once(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with webhook_receiver() as hook:
        _channel(engine, settings, clock, "soc", "webhook", hook.url, secret="s3cret-key")
        _queue(engine, clock, "alert-1")
        outbox = _outbox(engine, settings, clock)
        first = outbox.deliver_due()
        again = outbox.deliver_due()
    assert (first.sent, first.failed, again.total) == (1, 0, 0)
    (got,) = hook.received
    body = json.loads(got.body)
    assert set(body) >= {
        "id",
        "kind",
        "severity",
        "title_zh",
        "title_en",
        "summary",
        "url",
        "occurred_at",
    }
    assert body["kind"] == "login_alert"
    assert body["title_zh"] == "登入失敗次數過多"
    assert body["url"] == "http://127.0.0.1:8000/detect/alerts"
    assert "A123456789" not in got.body.decode()
    stamp, mac = (
        part.split("=", 1)[1] for part in got.headers["X-Brokerguard-Signature"].split(",")
    )
    expected = hmac.new(b"s3cret-key", stamp.encode() + b"." + got.body, hashlib.sha256)
    assert hmac.compare_digest(mac, expected.hexdigest())
    with session_factory(engine)() as session:
        (delivery,) = session.scalars(select(NotifyDelivery))
        assert (delivery.status, delivery.attempts) == ("delivered", 1)
        assert [(a.ok, a.status_code) for a in _attempts(session)] == [(True, 200)]


def test_a_5xx_is_retried_after_backoff_with_the_same_id(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with webhook_receiver(statuses=[503, 500]) as hook:
        _channel(engine, settings, clock, "soc", "webhook", hook.url)
        _queue(engine, clock, "alert-1")
        outbox = _outbox(engine, settings, clock)
        assert outbox.deliver_due().failed == 1
        with session_factory(engine)() as session:
            (delivery,) = session.scalars(select(NotifyDelivery))
            first_retry = delivery.next_attempt_at - clock.now()
        assert timedelta(0) < first_retry <= timedelta(seconds=30)
        assert outbox.deliver_due().total == 0  # not before its time
        clock.advance(first_retry)
        assert outbox.deliver_due().failed == 1
        clock.advance(timedelta(seconds=29))
        assert outbox.deliver_due().total == 0  # the second wait is twice the first
        clock.advance(timedelta(seconds=1))
        assert outbox.deliver_due().sent == 1
    ids = {json.loads(r.body)["id"] for r in hook.received}
    assert len(hook.received) == 3 and len(ids) == 1
    with session_factory(engine)() as session:
        attempts = _attempts(session)
    assert [(a.number, a.ok, a.status_code) for a in attempts] == [
        (1, False, 503),
        (2, False, 500),
        (3, True, 200),
    ]
    assert "HTTP 503" in attempts[0].error


def test_a_slow_receiver_times_out_without_holding_up_another_channel(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with webhook_receiver(delay_s=2.0) as slow, webhook_receiver() as fast:
        _channel(engine, settings, clock, "slow", "webhook", slow.url)
        _channel(engine, settings, clock, "fast", "webhook", fast.url)
        _queue(engine, clock, "a", "b", "c")
        report = _outbox(engine, settings, clock, timeout_s=0.3).deliver_due()
    assert len(fast.received) == 3
    assert report.sent == 3
    with session_factory(engine)() as session:
        errors = [a.error for a in _attempts(session) if not a.ok]
        pending = session.scalars(
            select(NotifyDelivery).where(NotifyDelivery.status == "pending")
        ).all()
    assert errors and all("Timeout" in e for e in errors)
    # the first timeout marks the channel down: the rest of its batch waits without an attempt
    assert len(pending) == 3
    assert sum(d.attempts for d in pending) == len(errors) < 3 + 1


def test_an_unreachable_receiver_and_a_tls_failure_are_recorded(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with webhook_receiver() as plain_http:
        tls_to_plain = plain_http.url.replace("http://", "https://")
        _channel(engine, settings, clock, "tls", "webhook", tls_to_plain)
        _channel(engine, settings, clock, "closed", "webhook", "http://127.0.0.1:9/hook")
        _queue(engine, clock, "a")
        report = _outbox(engine, settings, clock).deliver_due()
    assert (report.sent, report.failed) == (0, 2)
    with session_factory(engine)() as session:
        errors = sorted(a.error for a in _attempts(session))
    assert any("ConnectError" in e for e in errors)
    assert any("SSL" in e or "ssl" in e for e in errors)


def test_a_delivery_is_given_up_after_max_attempts(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with webhook_receiver(statuses=[500] * 5) as hook:
        _channel(engine, settings, clock, "soc", "webhook", hook.url)
        _queue(engine, clock, "a")
        outbox = _outbox(engine, settings, clock, max_attempts=3)
        for _ in range(5):
            outbox.deliver_due()
            clock.advance(timedelta(hours=2))
    assert len(hook.received) == 3
    with session_factory(engine)() as session:
        (delivery,) = session.scalars(select(NotifyDelivery))
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert "HTTP 500" in delivery.last_error


def test_teams_and_slack_shapes(engine: Engine, settings: Settings, clock: FixedClock) -> None:
    with webhook_receiver() as hook:
        _channel(engine, settings, clock, "teams", "webhook", hook.url, format_="teams")
        _channel(engine, settings, clock, "slack", "webhook", hook.url, format_="slack")
        _queue(engine, clock, "a")
        assert _outbox(engine, settings, clock).deliver_due().sent == 2
    bodies = [json.loads(r.body) for r in hook.received]
    teams = next(b for b in bodies if b.get("type") == "message")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "登入失敗次數過多" in json.dumps(card, ensure_ascii=False)
    slack = next(b for b in bodies if "blocks" in b)
    assert "Too many failed logins" in slack["text"]


def test_email_goes_over_starttls_in_both_languages(
    engine: Engine, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    with smtp_server(tmp_path) as mailbox:
        _channel(engine, settings, clock, "ciso", "email", "ciso@firm.example")
        _queue(engine, clock, "a")
        report = _outbox(
            engine,
            settings,
            clock,
            smtp_host="127.0.0.1",
            smtp_port=mailbox.port,
            smtp_ca_file=tmp_path / "smtp.crt",
        ).deliver_due()
    assert report.sent == 1
    (mail,) = mailbox.messages
    assert mailbox.tls_sessions == 1
    assert mail.rcpt_tos == ["ciso@firm.example"]
    content = mail.content or b""
    text = content.decode() if isinstance(content, bytes) else content
    assert "Too many failed logins" in text
    assert "A123456789" not in text


def test_email_is_not_sent_in_clear_when_starttls_is_unavailable(
    engine: Engine, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    with smtp_server(tmp_path, starttls=False) as mailbox:
        _channel(engine, settings, clock, "ciso", "email", "ciso@firm.example")
        _queue(engine, clock, "a")
        report = _outbox(
            engine, settings, clock, smtp_host="127.0.0.1", smtp_port=mailbox.port
        ).deliver_due()
    assert (report.sent, report.failed, mailbox.messages) == (0, 1, [])
    with session_factory(engine)() as session:
        (attempt,) = _attempts(session)
    assert "STARTTLS" in attempt.error


def test_syslog_tcp_and_udp_carry_rfc5424_with_cef(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with syslog_collector("tcp") as tcp, syslog_collector("udp") as udp:
        _channel(engine, settings, clock, "siem-tcp", "syslog", f"127.0.0.1:{tcp.port}", "tcp")
        _channel(engine, settings, clock, "siem-udp", "syslog", f"127.0.0.1:{udp.port}", "udp")
        _queue(engine, clock, "a")
        assert _outbox(engine, settings, clock).deliver_due().sent == 2
        for collector in (tcp, udp):
            for _ in range(100):
                if collector.lines:
                    break
                time.sleep(0.02)
    for collector in (tcp, udp):
        (line,) = collector.lines
        text = line.decode()
        # <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG; facility 13, severity err (high)
        assert text.startswith(f"<{13 * 8 + 3}>1 2026-11-26T02:00:00.000Z ")
        header, cef = text.split(" - ", 1)
        assert header.split()[3:6][0] == "brokerguard" and header.split()[5] == "login_alert"
        assert cef.startswith("CEF:0|brokerguard|brokerguard|")
        assert "|login_alert|Too many failed logins|8|" in cef
        assert "cs1=A9.3" in cef and "A123456789" not in cef
