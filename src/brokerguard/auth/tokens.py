"""Opaque bearer tokens ``<id>.<secret>``: only a SHA-256 of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

MAX_TOKEN_LENGTH = 200


def new_secret() -> tuple[str, str]:
    """(secret for the client, hash to store)."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    token_id, secret = token.split(".")
    if len(token_id) != 36 or not secret:
        return None
    return token_id, secret


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_hash)
