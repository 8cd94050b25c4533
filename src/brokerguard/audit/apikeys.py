"""Per-system API keys for the batch ingest API.

A key is ``bgk_<id>_<secret>``; only the SHA-256 of the whole key is stored. A key
writes events of its own system only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.audit.models import AuditApiKey
from brokerguard.clock import Clock
from brokerguard.errors import AuthenticationError, NotFoundError, ValidationError

SYSTEM_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
RESERVED_PREFIX = "brokerguard"
KEY_FORMAT = re.compile(r"^bgk_([0-9a-f-]{36})_([A-Za-z0-9_-]{20,100})$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_reserved_system(system: str) -> bool:
    """``brokerguard`` and every name starting with it belong to the platform's own
    writers: no API key may write them (no forged login events)."""
    return unicodedata.normalize("NFKC", system).casefold().startswith(RESERVED_PREFIX)


def create_key(session: Session, clock: Clock, system: str, created_by: str) -> tuple[str, str]:
    """Return (key id, the key itself); the key is shown once and never stored."""
    if not isinstance(system, str) or not SYSTEM_NAME.match(system):
        raise ValidationError(
            "system must be 1-128 lower-case letters, digits, '.', '_' or '-'", field="system"
        )
    if is_reserved_system(system):
        raise ValidationError(
            f"system names starting with {RESERVED_PREFIX!r} are reserved for brokerguard's "
            "own writers",
            field="system",
        )
    record = AuditApiKey(system=system, secret_sha256="", created_by=created_by)
    record.created_at = clock.now()
    session.add(record)
    session.flush()
    token = f"bgk_{record.id}_{secrets.token_urlsafe(32)}"
    record.secret_sha256 = _digest(token)
    session.flush()
    return record.id, token


def revoke_key(session: Session, clock: Clock, key_id: str) -> None:
    record = session.get(AuditApiKey, key_id)
    if record is None or record.revoked_at is not None:
        raise NotFoundError(f"no active API key {key_id!r}", field="key_id")
    record.revoked_at = clock.now()


def authenticate(session: Session, token: str | None) -> AuditApiKey:
    """The key presented (its ``system`` is the one it may write for); raises
    AuthenticationError otherwise, also for a key of a reserved system made before
    the names were reserved."""
    match = KEY_FORMAT.match(token or "")
    if match is None:
        raise AuthenticationError("a valid audit API key is required (Authorization: Bearer)")
    record = session.scalars(select(AuditApiKey).where(AuditApiKey.id == match.group(1))).first()
    if (
        record is None
        or record.revoked_at is not None
        or not hmac.compare_digest(record.secret_sha256, _digest(token or ""))
        or is_reserved_system(record.system)
    ):
        raise AuthenticationError("unknown or revoked audit API key")
    return record
