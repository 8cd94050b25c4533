"""What is sent: a notice as a webhook body (JSON, Teams, Slack), an e-mail, a CEF line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from brokerguard import __version__
from brokerguard.clock import to_taipei

SEVERITY_ZH = {"low": "低", "medium": "中", "high": "高", "critical": "嚴重"}
#: CEF severity (0-10)
CEF_SEVERITY = {"low": 3, "medium": 5, "high": 8, "critical": 10}
#: RFC 5424 severity: notice, warning, error, critical
SYSLOG_SEVERITY = {"low": 5, "medium": 4, "high": 3, "critical": 2}


@dataclass(frozen=True)
class Outgoing:
    """One delivery of one notice, as the channel senders see it."""

    delivery_id: str
    notice_id: str
    kind: str
    severity: str
    title_zh: str
    title_en: str
    summary: str
    #: the absolute link, or ""
    url: str
    occurred_at: datetime
    requirement_ids: tuple[str, ...] = ()
    details: dict[str, str | int] = field(default_factory=dict)

    def contract_body(self) -> dict[str, str]:
        """The webhook body of the interface contract; ``id`` is the same on every retry."""
        return {
            "id": self.notice_id,
            "kind": self.kind,
            "severity": self.severity,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "summary": self.summary,
            "url": self.url,
            "occurred_at": self.occurred_at.isoformat(),
        }

    def headline(self) -> str:
        sev = f"{SEVERITY_ZH[self.severity]}/{self.severity}"
        return f"[{sev}] {self.title_zh} / {self.title_en}"

    def text(self) -> str:
        """zh-TW first, English second."""
        when = to_taipei(self.occurred_at).strftime("%Y-%m-%d %H:%M:%S")
        lines = [
            f"{self.title_zh}（嚴重度：{SEVERITY_ZH[self.severity]}）",
            f"時間：{when}（台北時間）",
            f"類別：{self.kind}",
        ]
        if self.requirement_ids:
            lines.append("條文：" + "、".join(self.requirement_ids))
        lines += ["", self.summary, ""]
        lines += [
            f"{self.title_en} (severity: {self.severity})",
            f"Time: {when} Asia/Taipei",
        ]
        if self.url:
            lines += ["", f"詳情 / Details: {self.url}"]
        lines.append(f"ID: {self.notice_id}")
        return "\n".join(lines)


def webhook_body(item: Outgoing, shape: str) -> bytes:
    """The body for a webhook of ``shape`` ``json``, ``teams`` or ``slack``."""
    payload: dict[str, object]
    if shape == "json":
        payload = {
            **item.contract_body(),
            "requirement_ids": list(item.requirement_ids),
            "details": item.details,
        }
    elif shape == "slack":
        payload = {
            "text": item.headline(),
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": item.headline()[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": item.text()[:3000]}},
            ],
        }
    elif shape == "teams":
        body: list[dict[str, object]] = [
            {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": item.headline()},
            {"type": "TextBlock", "wrap": True, "text": item.text()},
        ]
        card: dict[str, object] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        if item.url:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "開啟 / Open", "url": item.url}]
        payload = {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    else:
        raise ValueError(f"unknown webhook shape {shape!r}")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def email_message(item: Outgoing, sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[brokerguard] {item.headline()}"
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(item.occurred_at)
    # the same notice keeps its Message-ID on every retry, so a mail system can drop repeats
    message["Message-ID"] = make_msgid(idstring=item.notice_id, domain="brokerguard.invalid")
    message["X-Brokerguard-Notice"] = item.notice_id
    message.set_content(item.text())
    return message


def _cef_header(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _cef_value(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("=", "\\=")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def cef_message(item: Outgoing) -> str:
    """ArcSight Common Event Format: ``CEF:0|vendor|product|version|class|name|sev|ext``."""
    extension = {
        "rt": str(int(item.occurred_at.timestamp() * 1000)),
        "cat": item.kind,
        "externalId": item.notice_id,
        "msg": item.summary,
        "cs1Label": "requirements",
        "cs1": ",".join(item.requirement_ids),
        "cs2Label": "titleZh",
        "cs2": item.title_zh,
    }
    if item.url:
        extension["request"] = item.url
    if item.details:
        extension["cs3Label"] = "details"
        extension["cs3"] = json.dumps(item.details, ensure_ascii=False, sort_keys=True)
    header = "|".join(
        _cef_header(part)
        for part in (
            "CEF:0",
            "brokerguard",
            "brokerguard",
            __version__,
            item.kind,
            item.title_en,
            str(CEF_SEVERITY[item.severity]),
        )
    )
    return header + "|" + " ".join(f"{key}={_cef_value(v)}" for key, v in extension.items())


def syslog_line(item: Outgoing, facility: int, hostname: str, procid: int) -> bytes:
    """An RFC 5424 message whose MSG is the CEF line (no BOM: SIEM CEF parsers want none)."""
    priority = facility * 8 + SYSLOG_SEVERITY[item.severity]
    timestamp = item.occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    host = "".join(ch for ch in hostname if 33 <= ord(ch) <= 126)[:255] or "-"
    header = f"<{priority}>1 {timestamp} {host} brokerguard {procid} {item.kind[:32]} -"
    return f"{header} {cef_message(item)}".encode()
