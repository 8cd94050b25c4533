"""Webhook signing keys, sealed with AES-GCM under a key in the data directory."""

from __future__ import annotations

from pathlib import Path

from brokerguard.auth.secretbox import SecretBox

KEY_NAME = "notify-secret"


def secret_box(data_dir: Path) -> SecretBox:
    return SecretBox(data_dir, 1, key_name=KEY_NAME)


def seal(box: SecretBox, channel_id: str, secret: bytes) -> str:
    return box.encrypt(secret, f"notify-channel:{channel_id}") if secret else ""


def unseal(box: SecretBox, channel_id: str, sealed: str) -> bytes:
    return box.decrypt(sealed, f"notify-channel:{channel_id}") if sealed else b""
