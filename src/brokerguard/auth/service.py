"""Entry points of the e-trading login service (no web code).

Build a :class:`LoginService` or :class:`CredentialService` with
:func:`login_service` / :func:`credential_service`; both take the session, clock
and audit sink as arguments so tests and the CLI pass their own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.auth.events import RequestMeta
from brokerguard.auth.factor_totp import TotpEnrolment, seed_context
from brokerguard.auth.lifecycle import CredentialService
from brokerguard.auth.login import FactorAccepted, LoginService, LoginStarted, SessionInfo
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.passwords import PasswordPolicy, hashing_for
from brokerguard.auth.policy import LoginPolicy
from brokerguard.auth.ratelimit import LoginRateLimiter
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.kernel.audit import AuditSink
from brokerguard.notify.outbox import notice_sink


def secret_box(settings: Settings, auth: AuthSettings) -> SecretBox:
    return SecretBox(settings.data_dir, auth.seed_key_version)


def login_service(
    session: Session,
    clock: Clock,
    sink: AuditSink,
    settings: Settings,
    auth: AuthSettings | None = None,
    limiter: LoginRateLimiter | None = None,
    secrets: SecretBox | None = None,
) -> LoginService:
    """The login service (the web app passes its one limiter and key ring)."""
    auth = auth or settings.auth
    return LoginService(
        session=session,
        clock=clock,
        sink=sink,
        auth=auth,
        secrets=secrets or secret_box(settings, auth),
        limiter=limiter,
        hashing=hashing_for(auth),
        policy=LoginPolicy.from_settings(auth),
    )


def credential_service(
    session: Session,
    clock: Clock,
    sink: AuditSink,
    settings: Settings,
    auth: AuthSettings | None = None,
    secrets: SecretBox | None = None,
) -> CredentialService:
    auth = auth or settings.auth
    return CredentialService(
        session=session,
        clock=clock,
        sink=sink,
        auth=auth,
        secrets=secrets or secret_box(settings, auth),
        hashing=hashing_for(auth),
        policy=PasswordPolicy.from_settings(auth),
        notices=notice_sink(session, clock),
    )


def rotate_seed_keys(session: Session, box: SecretBox) -> int:
    """Re-encrypt every TOTP seed under the current key version; returns how many changed."""
    changed = 0
    for factor in session.scalars(
        select(EnrolledFactor).where(EnrolledFactor.secret_ciphertext.is_not(None))
    ):
        assert factor.secret_ciphertext is not None
        if box.needs_rotation(factor.secret_ciphertext):
            factor.secret_ciphertext = box.rotate(factor.secret_ciphertext, seed_context(factor.id))
            changed += 1
    session.flush()
    return changed


__all__ = [
    "AuthSettings",
    "CredentialService",
    "FactorAccepted",
    "LoginRateLimiter",
    "LoginService",
    "LoginStarted",
    "RequestMeta",
    "SessionInfo",
    "TotpEnrolment",
    "credential_service",
    "login_service",
    "rotate_seed_keys",
    "secret_box",
]
