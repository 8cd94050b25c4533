"""Channel senders: webhook (httpx, HMAC-SHA256), e-mail (SMTP + STARTTLS), syslog/CEF.

A sender never raises for a receiver's fault: a timeout, refused connection, TLS
failure or error status comes back as a failed :class:`SendResult` naming what went
wrong, which the outbox records and retries.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from brokerguard.errors import ValidationError
from brokerguard.notify.messages import Outgoing, email_message, syslog_line, webhook_body
from brokerguard.notify.settings import NotifySettings

CHANNEL_TYPES = ("webhook", "email", "syslog")
WEBHOOK_SHAPES = ("json", "teams", "slack")
SYSLOG_TRANSPORTS = ("tcp", "udp")
SIGNATURE_HEADER = "X-Brokerguard-Signature"
MAX_ERROR = 500


@dataclass(frozen=True)
class ChannelTarget:
    id: str
    name: str
    type: str
    target: str
    format: str
    secret: bytes = b""


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    #: the receiver could not be reached at all (timeout, refused, TLS): the channel is down
    unreachable: bool = False


class Sender(Protocol):
    def send(self, item: Outgoing, channel: ChannelTarget) -> SendResult: ...


def _failure(error: BaseException, *, unreachable: bool) -> SendResult:
    text = f"{type(error).__name__}: {error}".strip()
    return SendResult(False, error=text[:MAX_ERROR], unreachable=unreachable)


def check_webhook_url(url: str) -> str:
    """An http(s) URL with a host and no credentials in it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValidationError("the webhook URL must be http:// or https://", field="webhook")
    if not parts.hostname:
        raise ValidationError("the webhook URL has no host", field="webhook")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "the webhook URL must not carry credentials; use --secret-stdin", field="webhook"
        )
    if len(url) > 2048:
        raise ValidationError("the webhook URL is longer than 2048 characters", field="webhook")
    if any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        raise ValidationError("the webhook URL contains whitespace", field="webhook")
    return url.strip()


def check_syslog_address(address: str) -> tuple[str, int]:
    host, sep, port = address.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValidationError("--syslog must be HOST:PORT, port 1-65535", field="syslog")
    if any(ch.isspace() or ch in "/@" for ch in host):
        raise ValidationError(f"not a host name: {host!r}", field="syslog")
    return host, int(port)


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (the receiver checks both)."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookSender:
    """POSTs the body; 2xx is success, anything else (redirects included) a failure."""

    def __init__(self, settings: NotifySettings, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(
            timeout=settings.timeout_s,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.concurrency * 2),
            trust_env=False,
        )

    def send(self, item: Outgoing, channel: ChannelTarget) -> SendResult:
        body = webhook_body(item, channel.format)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "brokerguard-notify",
            "X-Brokerguard-Notice": item.notice_id,
            "X-Brokerguard-Delivery": item.delivery_id,
        }
        if channel.secret:
            headers[SIGNATURE_HEADER] = signature(channel.secret, int(time.time()), body)
        try:
            response = self.client.post(channel.target, content=body, headers=headers)
        except (httpx.TimeoutException, httpx.ConnectError, httpx.NetworkError) as error:
            return _failure(error, unreachable=True)
        except httpx.HTTPError as error:
            return _failure(error, unreachable=False)
        if 200 <= response.status_code < 300:
            return SendResult(True, response.status_code)
        return SendResult(
            False,
            response.status_code,
            f"HTTP {response.status_code} {response.reason_phrase}"[:MAX_ERROR],
        )

    def close(self) -> None:
        self.client.close()


class EmailSender:
    """SMTP; with ``smtp_starttls`` (the default) nothing is sent unless STARTTLS succeeds."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def _tls_context(self) -> ssl.SSLContext:
        ca = self.settings.smtp_ca_file
        return ssl.create_default_context(cafile=str(ca) if ca else None)

    def send(self, item: Outgoing, channel: ChannelTarget) -> SendResult:
        s = self.settings
        if not s.smtp_host:
            return SendResult(
                False, error="no SMTP server configured (BROKERGUARD_NOTIFY_SMTP_HOST)"
            )
        message = email_message(item, s.smtp_from, channel.target)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_s) as smtp:
                smtp.ehlo()
                if s.smtp_starttls:
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                refused = smtp.send_message(message)
        except smtplib.SMTPResponseException as error:
            return SendResult(
                False, error.smtp_code, f"SMTP {error.smtp_code}: {error.smtp_error!r}"[:MAX_ERROR]
            )
        except smtplib.SMTPNotSupportedError as error:
            return _failure(error, unreachable=False)
        except (OSError, smtplib.SMTPException) as error:
            return _failure(error, unreachable=True)
        if refused:
            return SendResult(False, error=f"recipient refused: {refused}"[:MAX_ERROR])
        return SendResult(True, 250)


class SyslogSender:
    """RFC 5424 with a CEF message; TCP frames by octet counting (RFC 6587), UDP one
    datagram. A TCP send succeeds when the receiver has taken the bytes."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self.hostname = socket.gethostname()

    def send(self, item: Outgoing, channel: ChannelTarget) -> SendResult:
        host, port = check_syslog_address(channel.target)
        line = syslog_line(item, self.settings.syslog_facility, self.hostname, os.getpid())
        try:
            if channel.format == "udp":
                with socket.socket(_family(host), socket.SOCK_DGRAM) as sock:
                    sock.settimeout(self.settings.timeout_s)
                    sock.sendto(line, (host, port))
            else:
                with socket.create_connection((host, port), self.settings.timeout_s) as sock:
                    sock.sendall(str(len(line)).encode() + b" " + line)
                    sock.shutdown(socket.SHUT_WR)
        except OSError as error:
            return _failure(error, unreachable=True)
        return SendResult(True)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def default_senders(settings: NotifySettings) -> dict[str, Sender]:
    return {
        "webhook": WebhookSender(settings),
        "email": EmailSender(settings),
        "syslog": SyslogSender(settings),
    }
