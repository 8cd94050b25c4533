"""Server-side staff sessions: opened at sign-in, checked on every request, ended at
logout, on a password or role change and when the account is disabled; an idle
timeout (30 min) and an absolute one (8 h, ``session_max_age_s``).

The cookie carries only the token ``<id>.<secret>``; the CSRF token is derived from
it with a server key (:func:`csrf_for`), so it is not in the cookie either.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from brokerguard.auth.tokens import matches, new_secret, split_token
from brokerguard.clock import Clock, as_utc
from brokerguard.staff.models import StaffSession

IDLE_TIMEOUT = timedelta(minutes=30)
#: last_seen_at is written at most this often (a GET is a read-only transaction)
TOUCH_EVERY = timedelta(seconds=60)


def open_session(
    session: Session, clock: Clock, user_id: str, *, max_age_s: int, source_ip: str = ""
) -> str:
    """A new session for ``user_id``; returns the token for the cookie."""
    now = clock.now()
    secret, secret_hash = new_secret()
    row = StaffSession(
        user_id=user_id,
        secret_hash=secret_hash,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=max_age_s),
        revoke_reason="",
        source_ip=source_ip[:64],
    )
    session.add(row)
    session.flush()
    return f"{row.id}.{secret}"


def live_session(session: Session, clock: Clock, token: object) -> StaffSession | None:
    """The session the token names, if it is neither revoked, idle nor past its end."""
    parts = split_token(token) if isinstance(token, str) else None
    if parts is None:
        return None
    row = session.get(StaffSession, parts[0])
    now = clock.now()
    if (
        row is None
        or not matches(parts[1], row.secret_hash)
        or row.revoked_at is not None
        or as_utc(row.expires_at) <= now
        or as_utc(row.last_seen_at) + IDLE_TIMEOUT <= now
    ):
        return None
    return row


def touch_due(row: StaffSession, clock: Clock) -> bool:
    return as_utc(row.last_seen_at) + TOUCH_EVERY <= clock.now()


def touch(session: Session, clock: Clock, session_id: str) -> None:
    """Record activity (resets the idle timeout)."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.revoked_at.is_(None))
        .values(last_seen_at=clock.now())
    )


def end_session(session: Session, clock: Clock, token: object, reason: str = "logout") -> None:
    """End the session the token names (a logout); an unknown token changes nothing."""
    parts = split_token(token) if isinstance(token, str) else None
    if parts is None:
        return
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == parts[0], StaffSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoke_reason=reason)
    )


def end_all_sessions(session: Session, clock: Clock, user_id: str, reason: str) -> int:
    """End every live session of a staff member; how many were ended."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoke_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_for(key: bytes, binding: str) -> str:
    """The CSRF token of a session (or of a not yet signed-in visitor's nonce)."""
    return hmac.new(key, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()
