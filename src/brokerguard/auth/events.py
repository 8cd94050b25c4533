"""Audit events of the login service (function names are a contract with monitoring).

Never put a password, OTP, nonce signature or secret into an event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.models import LoginAttempt
from brokerguard.clock import Clock
from brokerguard.kernel.audit import AuditEvent, AuditSink

_attempts = cast(Table, LoginAttempt.__table__)
#: built once; each attempt binds its values (the columns come from the parameters)
_INSERT_ATTEMPT = insert(_attempts)

SYSTEM = "brokerguard-etrade"
LOGIN_PASSWORD = "etrade.login.password"  # noqa: S105 - an event name
LOGIN_FACTOR = "etrade.login.factor"
SESSION_ISSUE = "etrade.session.issue"
SESSION_REVOKE = "etrade.session.revoke"
PASSWORD_CHANGE = "etrade.password.change"  # noqa: S105 - an event name
CREDENTIAL_STEPS = (
    "apply",
    "verify_identity",
    "issue",
    "deliver",
    "renew",
    "suspend",
    "revoke",
    "reset",
    "unlock",
)
#: plus ``enroll_<factor>`` for each factor of :data:`~brokerguard.auth.factor_registry.FACTORS`
ENROL_PREFIX = "enroll_"


@dataclass(frozen=True)
class RequestMeta:
    """Where a request came from; ``country`` only from a trusted proxy's header."""

    query: str
    source_ip: str | None = None
    user_agent: str | None = None
    country: str | None = None
    actor: str | None = None

    @classmethod
    def cli(cls, command: str, actor: str | None = None) -> RequestMeta:
        return cls(query=f"brokerguard etrade {command}", actor=actor)


def credential_function(step: str) -> str:
    """The audit function of an A9.2 credential step (``etrade.credential.<step>``)."""
    enrolled = step.startswith(ENROL_PREFIX) and step.removeprefix(ENROL_PREFIX) in FACTORS
    if step not in CREDENTIAL_STEPS and not enrolled:
        raise ValueError(f"unknown credential step {step!r}")
    return f"etrade.credential.{step}"


def emit(
    sink: AuditSink,
    clock: Clock,
    meta: RequestMeta,
    *,
    function: str,
    account: str,
    known: bool,
    success: bool,
    reason: str,
    correlation_id: str | None = None,
    factor: str | None = None,
    device_id: str | None = None,
) -> None:
    attributes: dict[str, str | int] = {"reason": reason, "account_known": 1 if known else 0}
    if factor:
        attributes["factor"] = factor
    if device_id:
        attributes["device_id"] = device_id[:128]
    if meta.country:
        attributes["country"] = meta.country
    shown = account[:256] if account else "-"
    sink.record(
        AuditEvent(
            event_id=uuid.uuid4(),
            time=clock.now(),
            account=shown,
            function=function,
            system=SYSTEM,
            query=meta.query,
            actor=meta.actor,
            customer_ids=(shown,) if known else (),
            source_ip=(meta.source_ip or None) and meta.source_ip[:64] if meta.source_ip else None,
            user_agent=meta.user_agent[:1024] if meta.user_agent else None,
            outcome="success" if success else "failure",
            correlation_id=correlation_id,
            attributes=attributes,
        )
    )


def record_attempt(
    session: Session,
    clock: Clock,
    meta: RequestMeta,
    *,
    account: str,
    known: bool,
    factor: str,
    success: bool,
    reason: str,
    login_token_id: str = "",
) -> None:
    """Keep the login step in the service's own history table (staff look-up, A9.3)."""
    session.execute(
        _INSERT_ATTEMPT,
        {
            "account": account[:256] or "-",
            "account_known": known,
            "factor": factor,
            "outcome": "success" if success else "failure",
            "reason": reason[:32],
            "source_ip": (meta.source_ip or "")[:64],
            "login_token_id": login_token_id,
            "created_at": clock.now(),
        },
    )
