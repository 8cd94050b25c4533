"""Audit events of the login service (function names are a contract with monitoring).

Never put a password, OTP, nonce signature or secret into an event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CTE, Table, bindparam, insert
from sqlalchemy.orm import Session

from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.models import LoginAttempt
from brokerguard.clock import Clock
from brokerguard.db.base import new_uuid
from brokerguard.kernel.audit import AuditEvent, AuditSink

_attempts = cast(Table, LoginAttempt.__table__)
#: built once; each attempt binds :func:`attempt_params`
_INSERT_ATTEMPT = insert(_attempts).values(
    {
        name: bindparam("a_" + name)
        for name in (
            "id",
            "account",
            "account_known",
            "factor",
            "outcome",
            "reason",
            "source_ip",
            "login_token_id",
            "created_at",
        )
    }
)

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


def attempt_params(
    clock: Clock,
    meta: RequestMeta,
    *,
    account: str,
    known: bool,
    factor: str,
    success: bool,
    reason: str,
    login_token_id: str = "",
) -> dict[str, Any]:
    """A login step's row of the service's own history table (staff look-up, A9.3), as
    the parameters of :func:`record_attempt`'s statement or of :func:`attempt_cte`."""
    return {
        "a_id": new_uuid(),
        "a_account": account[:256] or "-",
        "a_account_known": known,
        "a_factor": factor,
        "a_outcome": "success" if success else "failure",
        "a_reason": reason[:32],
        "a_source_ip": (meta.source_ip or "")[:64],
        "a_login_token_id": login_token_id,
        "a_created_at": clock.now(),
    }


def record_attempt(session: Session, params: dict[str, Any]) -> None:
    """Keep the login step (:func:`attempt_params`) in the history table."""
    session.execute(_INSERT_ATTEMPT, params)


def attempt_cte() -> CTE:
    """PostgreSQL: :func:`record_attempt` as a data-modifying CTE, to ride on another
    insert of the same login step (``Insert.add_cte``); bind :func:`attempt_params`."""
    return _INSERT_ATTEMPT.cte("attempt_recorded")
