"""Server nonces for signature factors. Each is single-use and short-lived."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from brokerguard.auth.models import Challenge
from brokerguard.clock import Clock

SIGNED_PREFIX = b"brokerguard-etrade-login:"


@dataclass(frozen=True)
class IssuedChallenge:
    id: str
    nonce: str
    expires_at: datetime


def issue_challenge(
    session: Session, clock: Clock, *, login_token_id: str, factor_type: str, ttl_s: int
) -> IssuedChallenge:
    now = clock.now()
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
    row = Challenge(
        login_token_id=login_token_id,
        factor_type=factor_type,
        nonce=nonce,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    session.add(row)
    session.flush()
    return IssuedChallenge(row.id, nonce, row.expires_at)


def consume_challenge(
    session: Session, clock: Clock, *, challenge_id: str, login_token_id: str, factor_type: str
) -> str | None:
    """Mark the challenge used and return its nonce; None when unknown, expired or used."""
    now = clock.now()
    nonce = session.execute(
        update(Challenge)
        .where(
            Challenge.id == challenge_id,
            Challenge.login_token_id == login_token_id,
            Challenge.factor_type == factor_type,
            Challenge.used_at.is_(None),
            Challenge.expires_at > now,
        )
        .values(used_at=now)
        .returning(Challenge.nonce)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return nonce


def signed_message(nonce: str, *parts: str) -> bytes:
    """What the device signs: ``brokerguard-etrade-login:<nonce>[|part...]`` in UTF-8."""
    return SIGNED_PREFIX + "|".join((nonce, *parts)).encode("utf-8")


def decode_signature(value: str) -> bytes | None:
    """A base64 or base64url signature; None when it does not decode."""
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
