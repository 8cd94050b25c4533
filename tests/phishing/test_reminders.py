"""Customer reminders over SMTP (aiosmtpd on loopback), web banner and in-app feed."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.evidence.service import evidence_for
from brokerguard.phishing import reminders, service
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.scoring import Scorer
from brokerguard.phishing.settings import PhishingSettings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_periodic_reminder_all_channels(
    session: Session, clock: FixedClock, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    channels: list[reminders.Channel] = [
        reminders.EmailChannel("127.0.0.1", port, "security@demo.com.tw"),
        reminders.BannerChannel(Path(settings.data_dir) / "banner.json", clock),
        reminders.InAppChannel(Path(settings.data_dir) / "feed.json", clock),
    ]
    assert reminders.periodic_due(session, clock, 30)
    sends = reminders.send_reminder(
        session, clock, settings, template="periodic", channels=channels,
        recipients=["a@example.com", "b@example.com", "a@example.com"],
        domains=["demo.com.tw"], trigger="periodic", actor="sec",
    )  # fmt: skip
    assert {(s.channel, s.language) for s in sends} == {
        (c, lang) for c in ("email", "banner", "inapp") for lang in ("zh-TW", "en")
    }
    assert len(inbox.messages) == 4  # two recipients (deduplicated) x two languages
    assert all(len(rcpts) == 1 for rcpts, _ in inbox.messages)
    subjects = {_subject(raw) for _, raw in inbox.messages}
    assert "【示範證券股份有限公司】防範釣魚網站與假冒 App 提醒" in subjects
    banner = json.loads((Path(settings.data_dir) / "banner.json").read_text(encoding="utf-8"))
    assert set(banner) == {"zh-TW", "en"} and "demo.com.tw" in banner["zh-TW"]["body"]
    feed = json.loads((Path(settings.data_dir) / "feed.json").read_text(encoding="utf-8"))
    assert [m["language"] for m in feed] == ["en", "zh-TW"]
    assert len(evidence_for(session, "A8.1")) == 1
    assert not reminders.periodic_due(session, clock, 30)
    clock.advance(timedelta(days=31))
    assert reminders.periodic_due(session, clock, 30)


def test_confirmed_case_triggers_reminder(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    brands: list[Brand],
    smtp: tuple[Inbox, int],
) -> None:
    verdict = Scorer(brands).check("yuanta-login.top")
    case = service.open_site_case(session, clock, verdict, source="sms", actor="sec")
    published = reminders.default_channels(settings, clock, PhishingSettings(), email=False)
    email = reminders.EmailChannel("127.0.0.1", smtp[1], "security@demo.com.tw")

    def send(channels: list[reminders.Channel]) -> None:
        reminders.send_reminder(session, clock, settings, template="case_confirmed",
                                channels=channels, recipients=["c@example.com.tw"],
                                domains=["yuanta.com.tw"], trigger="case", actor="sec",
                                case=case)  # fmt: skip

    send(published)  # the banner and in-app feed only publish a file: not a delivery
    assert not reminders.reminded_for(session, case)
    service.triage(
        session, clock, case, actor="sec", confirmed=True, on_confirmed=lambda _: send([email])
    )
    assert reminders.reminded_for(session, case)
    assert len(smtp[0].messages) == 2
    feed = json.loads((reminders.feed_dir(settings) / "inapp-feed.json").read_text("utf-8"))
    assert "yuanta-login.top" in feed[0]["body"]


def test_smtp_down_is_logged_as_failure(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    channel = reminders.EmailChannel("127.0.0.1", 9, "security@demo.com.tw", timeout=2)
    sends = reminders.send_reminder(
        session, clock, settings, template="periodic", channels=[channel],
        recipients=["a@example.com"], domains=["demo.com.tw"], trigger="periodic", actor="sec",
        languages=["zh-TW"],
    )  # fmt: skip
    assert [(s.recipients, s.failures) for s in sends] == [(0, 1)]
    assert reminders.periodic_due(session, clock, 30)


@pytest.mark.parametrize(
    ("recipients", "reason"),
    [(["not-an-address"], "not an e-mail"), (["a@b.com\r\nBcc: x@y.com"], "not an e-mail"),
     (["a@b.com"] * 10_001, "more than")],
)  # fmt: skip
def test_bad_recipients(recipients: list[str], reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        reminders.check_recipients(recipients)
    assert reason in info.value.message


def test_unknown_template_language_and_missing_case() -> None:
    with pytest.raises(ValidationError):
        reminders.render_reminder("nope", "zh-TW", firm="f", domains=[])
    with pytest.raises(ValidationError):
        reminders.render_reminder("periodic", "fr", firm="f", domains=[])
    with pytest.raises(ValidationError):
        reminders.render_reminder("case_confirmed", "en", firm="f", domains=[])


def test_edited_notice_is_used(session: Session, clock: FixedClock, settings: Settings) -> None:
    reminders.save_template(
        session,
        clock,
        key="periodic",
        language="en",
        subject="{firm}: stay safe",
        body="Only {domains}.",
        actor="comp",
    )
    channel = reminders.InAppChannel(Path(settings.data_dir) / "feed.json", clock)
    reminders.send_reminder(
        session,
        clock,
        settings,
        template="periodic",
        channels=[channel],
        recipients=[],
        domains=["demo.com.tw"],
        trigger="periodic",
        actor="sec",
        languages=["en"],
    )
    feed = json.loads((Path(settings.data_dir) / "feed.json").read_text(encoding="utf-8"))
    assert feed[0]["title"] == "Demo Securities Co., Ltd.: stay safe"
    assert feed[0]["body"] == "Only demo.com.tw."
    texts = reminders.template_texts(session)
    assert texts[("periodic", "en")][0] == "{firm}: stay safe"
    assert texts[("periodic", "zh-TW")] == reminders.TEMPLATES["periodic"]["zh-TW"]


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("ok", "{firm.__class__}", "body"),
        ("ok", "{0}", "body"),
        ("ok", "{unknown}", "body"),
        ("ok", "{unclosed", "body"),
        ("two\nlines", "ok", "subject"),
        ("", "ok", "subject"),
        ("ok", "x" * 4001, "body"),
    ],
)
def test_bad_notice_text(
    session: Session, clock: FixedClock, subject: str, body: str, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        reminders.save_template(
            session, clock, key="periodic", language="en", subject=subject, body=body, actor="comp"
        )
    assert info.value.field == field


def test_unknown_notice_key_or_language(session: Session, clock: FixedClock) -> None:
    for key, language in (("nope", "en"), ("periodic", "fr")):
        with pytest.raises(ValidationError):
            reminders.save_template(
                session, clock, key=key, language=language, subject="s", body="b", actor="comp"
            )
