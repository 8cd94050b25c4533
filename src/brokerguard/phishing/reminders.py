"""Customer anti-phishing reminders (A8.1): templates, channels, schedule, send log.

Templates are kept in zh-TW and English. Channels: e-mail over SMTP, a web
banner (JSON the firm's web site shows) and an in-app message feed (JSON the
trading app reads). Reminders go out periodically (every
``reminder_every_days``) and when a phishing case is confirmed. Each send is a
row of ``phishing_reminder_sends`` and a JSON send-log stored as A8.1 evidence.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import smtplib
import string
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, to_taipei
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.phishing.models import NoticeTemplate, PhishingCase, ReminderSend
from brokerguard.phishing.settings import PhishingSettings

LANGUAGES = ("zh-TW", "en")
MAX_RECIPIENTS = 10_000
FEED_LENGTH = 50
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")

#: template key -> language -> (subject, body); placeholders: firm, domains, target, hotline
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "periodic": {
        "zh-TW": (
            "【{firm}】防範釣魚網站與假冒 App 提醒",
            "親愛的客戶您好：\n"
            "詐騙集團常以仿冒網站、簡訊或 LINE 連結及假冒 App 騙取帳號密碼。請注意：\n"
            "一、本公司官方網域僅有：{domains}，請勿點擊其他連結登入。\n"
            "二、請僅從官方應用程式商店下載本公司 App。\n"
            "三、本公司不會以簡訊或 LINE 要求您提供密碼或驗證碼。\n"
            "如有疑問請撥打 165 反詐騙專線或本公司客服。\n{firm}",
        ),
        "en": (
            "[{firm}] Beware of phishing sites and fake apps",
            "Dear customer,\n"
            "Fraudsters use fake web sites, SMS or LINE links and fake apps to steal passwords.\n"
            "1. Our only official domains are: {domains}. Do not sign in through other links.\n"
            "2. Download our app only from the official app stores.\n"
            "3. We never ask for your password or one-time code by SMS or LINE.\n"
            "Questions: call the 165 anti-fraud hotline or our customer service.\n{firm}",
        ),
    },
    "case_confirmed": {
        "zh-TW": (
            "【{firm}】警示：發現仿冒本公司之{what}",
            "親愛的客戶您好：\n"
            "本公司發現仿冒{what}「{target}」，該{what}並非本公司所有，請勿登入、下載或輸入任何資料。\n"
            "本公司官方網域：{domains}。如已輸入帳號密碼，請立即變更密碼並聯絡本公司客服，"
            "或撥打 165 反詐騙專線。\n{firm}",
        ),
        "en": (
            "[{firm}] Warning: a fake {what_en} imitates us",
            "Dear customer,\n"
            "We found a fake {what_en}, {target}. It is not ours: do not sign in, install it or "
            "enter any data.\nOur official domains: {domains}. If you entered your password, "
            "change it now and call our customer service or the 165 anti-fraud hotline.\n{firm}",
        ),
    },
}


@dataclass(frozen=True)
class ReminderMessage:
    template: str
    language: str
    subject: str
    body: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.subject}\n{self.body}".encode()).hexdigest()


PLACEHOLDERS = frozenset({"firm", "domains", "target", "what", "what_en"})
MAX_SUBJECT = 200
MAX_BODY = 4000


def check_template_text(subject: str, body: str) -> tuple[str, str]:
    """An edited notice: bounded, and only the known placeholders (``{firm}`` …)."""
    subject, body = subject.strip(), body.strip()
    if not subject or len(subject) > MAX_SUBJECT or "\n" in subject or "\r" in subject:
        raise ValidationError(
            f"the subject must be one line of 1-{MAX_SUBJECT} characters", field="subject"
        )
    if not body or len(body) > MAX_BODY:
        raise ValidationError(f"the body must be 1-{MAX_BODY} characters", field="body")
    for name, text in (("subject", subject), ("body", body)):
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            raise ValidationError(f"unbalanced braces in the {name}: {exc}", field=name) from None
        unknown = sorted(f for f in fields if f not in PLACEHOLDERS)
        if unknown:
            raise ValidationError(
                f"unknown placeholder {{{unknown[0]}}} in the {name}; use "
                + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS)),
                field=name,
            )
    return subject, body


def template_texts(session: Session) -> dict[tuple[str, str], tuple[str, str]]:
    """The effective (subject, body) of every template and language: edits over built-ins."""
    texts = {(k, lang): text for k, langs in TEMPLATES.items() for lang, text in langs.items()}
    for row in session.scalars(select(NoticeTemplate)):
        if (row.key, row.language) in texts:
            texts[(row.key, row.language)] = (row.subject, row.body)
    return texts


def save_template(
    session: Session,
    clock: Clock,
    *,
    key: str,
    language: str,
    subject: str,
    body: str,
    actor: str,
) -> NoticeTemplate:
    if key not in TEMPLATES:
        raise ValidationError(f"unknown template {key!r}", field="template")
    if language not in LANGUAGES:
        raise ValidationError(f"language must be one of {LANGUAGES}", field="language")
    subject, body = check_template_text(subject, body)
    row = session.scalar(
        select(NoticeTemplate).where(NoticeTemplate.key == key, NoticeTemplate.language == language)
    )
    if row is None:
        row = NoticeTemplate(key=key, language=language)
        session.add(row)
    row.subject, row.body, row.updated_by, row.updated_at = subject, body, actor, clock.now()
    session.flush()
    return row


def render_reminder(
    template: str,
    language: str,
    *,
    firm: str,
    domains: Sequence[str],
    case: PhishingCase | None = None,
    texts: dict[tuple[str, str], tuple[str, str]] | None = None,
) -> ReminderMessage:
    if template not in TEMPLATES:
        raise ValidationError(
            f"unknown template {template!r}; known: {', '.join(TEMPLATES)}", field="template"
        )
    if language not in LANGUAGES:
        raise ValidationError(f"language must be one of {LANGUAGES}", field="language")
    if template == "case_confirmed" and case is None:
        raise ValidationError("the case_confirmed reminder needs a case", field="case_id")
    subject, body = (texts or {}).get((template, language), TEMPLATES[template][language])
    values = {
        "firm": firm,
        "domains": "、".join(domains) if language == "zh-TW" else ", ".join(domains),
        "target": case.target if case is not None else "",
        "what": "App" if case is not None and case.kind == "app" else "網站",
        "what_en": "app" if case is not None and case.kind == "app" else "web site",
    }
    return ReminderMessage(template, language, subject.format(**values), body.format(**values))


class Channel(Protocol):
    name: str

    def send(self, message: ReminderMessage, recipients: Sequence[str]) -> tuple[int, int]:
        """Deliver; returns (delivered, failed)."""
        ...


class EmailChannel:
    """E-mail over SMTP, one message per recipient (no recipient sees another)."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        if not _EMAIL.match(sender):
            raise ValidationError("the sender is not an e-mail address", field="smtp_sender")
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.timeout = starttls, timeout

    def send(self, message: ReminderMessage, recipients: Sequence[str]) -> tuple[int, int]:
        delivered = failed = 0
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            for recipient in recipients:
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = self.sender, recipient, message.subject
                mail["Content-Language"] = message.language
                mail.set_content(message.body)
                try:
                    smtp.send_message(mail)
                    delivered += 1
                except smtplib.SMTPRecipientsRefused:
                    failed += 1
        return delivered, failed


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
    Path(tmp).replace(path)


class BannerChannel:
    """The web banner: one JSON document per language the web site shows."""

    name = "banner"

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path, self.clock = path, clock

    def send(self, message: ReminderMessage, recipients: Sequence[str]) -> tuple[int, int]:
        current = read_json(self.path, {})
        current = current if isinstance(current, dict) else {}
        current[message.language] = {
            "title": message.subject,
            "body": message.body,
            "template": message.template,
            "published_at": self.clock.now().isoformat(),
        }
        _write_json(self.path, current)
        return 1, 0


class InAppChannel:
    """The in-app message feed: newest first, the last 50 messages."""

    name = "inapp"

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path, self.clock = path, clock

    def send(self, message: ReminderMessage, recipients: Sequence[str]) -> tuple[int, int]:
        feed = read_json(self.path, [])
        feed = feed if isinstance(feed, list) else []
        feed.insert(
            0,
            {
                "id": message.sha256[:16] + self.clock.now().strftime("%Y%m%d%H%M%S"),
                "language": message.language,
                "title": message.subject,
                "body": message.body,
                "template": message.template,
                "published_at": self.clock.now().isoformat(),
            },
        )
        _write_json(self.path, feed[:FEED_LENGTH])
        return 1, 0


def read_json(path: Path, default: object) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def feed_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "phishing"


def default_channels(
    settings: Settings, clock: Clock, phishing: PhishingSettings, *, email: bool = True
) -> list[Channel]:
    channels: list[Channel] = [
        BannerChannel(feed_dir(settings) / "banner.json", clock),
        InAppChannel(feed_dir(settings) / "inapp-feed.json", clock),
    ]
    if email:
        channels.insert(
            0,
            EmailChannel(
                phishing.smtp_host,
                phishing.smtp_port,
                phishing.smtp_sender,
                starttls=phishing.smtp_starttls,
                timeout=phishing.smtp_timeout_s,
            ),
        )
    return channels


def check_recipients(recipients: Sequence[str]) -> list[str]:
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(f"more than {MAX_RECIPIENTS} recipients", field="recipients")
    cleaned = []
    for index, item in enumerate(recipients):
        address = item.strip()
        if not _EMAIL.match(address):
            raise ValidationError(
                f"recipient #{index + 1} is not an e-mail address", field="recipients"
            )
        cleaned.append(address)
    return list(dict.fromkeys(cleaned))


def send_reminder(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    template: str,
    channels: Sequence[Channel],
    recipients: Sequence[str],
    domains: Sequence[str],
    trigger: str,
    actor: str,
    case: PhishingCase | None = None,
    languages: Sequence[str] = LANGUAGES,
) -> list[ReminderSend]:
    """Send through every channel in every language; log each send; file the log as evidence."""
    from brokerguard.evidence.service import store_evidence

    if trigger not in ("periodic", "case"):
        raise ValidationError("trigger must be periodic or case", field="trigger")
    emails = check_recipients(recipients)
    texts = template_texts(session)
    sends: list[ReminderSend] = []
    log: list[dict[str, object]] = []
    for language in languages:
        message = render_reminder(
            template,
            language,
            firm=settings.firm_name_zh if language == "zh-TW" else settings.firm_name_en,
            domains=domains,
            case=case,
            texts=texts,
        )
        for channel in channels:
            targets = emails if channel.name == "email" else []
            if channel.name == "email" and not targets:
                continue
            try:
                delivered, failed = channel.send(message, targets)
            except (OSError, smtplib.SMTPException) as exc:
                delivered, failed = 0, max(1, len(targets))
                log.append({"channel": channel.name, "error": type(exc).__name__})
            send = ReminderSend(
                template=template,
                channel=channel.name,
                language=language,
                trigger=trigger,
                case_id=case.id if case is not None else None,
                recipients=delivered,
                failures=failed,
                subject=message.subject[:256],
                body_sha256=message.sha256,
                sent_at=clock.now(),
            )
            session.add(send)
            sends.append(send)
            entry: dict[str, object] = {"channel": channel.name, "language": language}
            entry.update(delivered=delivered, failed=failed, subject=message.subject)
            entry["sha256"] = message.sha256
            log.append(entry)
    session.flush()
    if sends:
        stamp = to_taipei(clock.now()).strftime("%Y%m%d-%H%M%S")
        store_evidence(
            session,
            clock,
            settings,
            content=json.dumps(
                {
                    "template": template,
                    "trigger": trigger,
                    "actor": actor,
                    "case": case.number if case is not None else None,
                    "sent_at": clock.now().isoformat(),
                    "sends": log,
                },
                ensure_ascii=False,
                indent=1,
            ).encode("utf-8"),
            filename=f"reminder-{template}-{stamp}.json",
            title=f"防詐提醒發送紀錄 {template} {stamp}",
            requirement_ids=["A8.1"],
            kind="customer_notice",
            uploaded_by=actor,
            unit="資安專責單位",
        )
    return sends


def recent_sends(session: Session, limit: int = 50) -> list[ReminderSend]:
    return list(
        session.scalars(select(ReminderSend).order_by(ReminderSend.sent_at.desc()).limit(limit))
    )


DELIVERING_CHANNELS = ("email",)
"""Channels that reach a customer; the banner and in-app feed only publish a file."""


def last_periodic(session: Session, *, delivered: bool = False) -> ReminderSend | None:
    """The newest periodic send; ``delivered``: only one that reached customers."""
    query = select(ReminderSend).where(
        ReminderSend.trigger == "periodic", ReminderSend.recipients > 0
    )
    if delivered:
        query = query.where(ReminderSend.channel.in_(DELIVERING_CHANNELS))
    return session.scalar(query.order_by(ReminderSend.sent_at.desc()).limit(1))


def periodic_due(session: Session, clock: Clock, every_days: int) -> bool:
    last = last_periodic(session)
    return last is None or last.sent_at <= clock.now() - timedelta(days=every_days)


def reminded_for(session: Session, case: PhishingCase) -> bool:
    """A reminder about ``case`` reached customers (a published file is not a delivery)."""
    return (
        session.scalar(
            select(ReminderSend.id).where(
                ReminderSend.case_id == case.id,
                ReminderSend.recipients > 0,
                ReminderSend.channel.in_(DELIVERING_CHANNELS),
            )
        )
        is not None
    )
