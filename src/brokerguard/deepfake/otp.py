"""One-time codes read back by the customer: generated with ``secrets``, stored as a salted
HMAC only, compared in constant time, with an expiry and an attempts limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import smtplib
from email.message import EmailMessage
from typing import Protocol

from brokerguard.errors import ServiceUnavailableError, ValidationError

CHANNELS = ("sms", "email")


class OtpSender(Protocol):
    """Delivers a code to the customer's registered phone or e-mail."""

    def send(self, channel: str, destination: str, code: str) -> None: ...


def new_code(digits: int) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_hash(salt: str, code: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode("ascii"), hashlib.sha256).hexdigest()


def code_matches(salt: str, stored: str, supplied: str) -> bool:
    if not supplied.isascii():
        return False
    return hmac.compare_digest(code_hash(salt, supplied), stored)


def mask_destination(channel: str, destination: str) -> str:
    """0912345678 -> 0912***678; alice@example.com -> a***@example.com."""
    if channel == "email":
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{destination[:4]}***{destination[-3:]}"


def clean_destination(channel: str, destination: str) -> str:
    value = destination.strip()
    if channel not in CHANNELS:
        raise ValidationError(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    if channel == "sms":
        digits = value.replace("-", "").replace(" ", "")
        if digits.startswith("+886"):
            digits = "0" + digits[4:]
        if not (digits.isdigit() and digits.startswith("09") and len(digits) == 10):
            raise ValidationError(
                "a registered mobile number looks like 09xxxxxxxx", field="destination"
            )
        return digits
    if (
        len(value) > 254
        or value.count("@") != 1
        or not value.split("@")[0]
        or "." not in value.split("@")[1]
        or any(ch.isspace() or ord(ch) < 32 for ch in value)
    ):
        raise ValidationError("not an e-mail address", field="destination")
    return value


class SmtpEmailSender:
    """Sends e-mail codes through an SMTP relay; SMS needs a gateway the firm plugs in."""

    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s

    def send(self, channel: str, destination: str, code: str) -> None:
        if channel != "email":
            raise ServiceUnavailableError(
                "no SMS gateway is configured; send the code by e-mail", field="channel"
            )
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = destination
        message["Subject"] = "視訊身分核驗一次性驗證碼 / Video identity check code"
        message.set_content(
            f"您的一次性驗證碼為 {code}，請於視訊中唸出。\nYour one-time code is {code}; "
            "read it out during the video call.\n"
        )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ServiceUnavailableError(
                f"could not send the code: {exc.__class__.__name__}", field="channel"
            ) from None


class UnconfiguredSender:
    def send(self, channel: str, destination: str, code: str) -> None:
        raise ServiceUnavailableError(
            "no one-time-code channel is configured (set BROKERGUARD_DEEPFAKE_SMTP_HOST)",
            field="channel",
        )
