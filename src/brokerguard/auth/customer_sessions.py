"""A customer's own sessions: list them, end one, end every other one, and tell the
customer when their credentials changed (through the notify outbox, in the same
transaction as the change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from brokerguard.auth.models import EtradeCustomer, EtradeSession
from brokerguard.clock import Clock
from brokerguard.kernel.notices import Notice, NoticeKind, NoticeSink, Severity


@dataclass(frozen=True)
class SessionSummary:
    id: str
    created_at: datetime
    expires_at: datetime
    factors_used: list[str]
    current: bool


def live_sessions(
    session: Session, clock: Clock, customer_id: str, current_id: str
) -> list[SessionSummary]:
    """The customer's sessions that are neither revoked nor expired, newest first."""
    rows = session.scalars(
        select(EtradeSession)
        .where(
            EtradeSession.customer_id == customer_id,
            EtradeSession.revoked_at.is_(None),
            EtradeSession.expires_at > clock.now(),
        )
        .order_by(EtradeSession.created_at.desc())
    )
    return [
        SessionSummary(
            id=row.id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            factors_used=[f for f in row.factors_used.split(",") if f],
            current=row.id == current_id,
        )
        for row in rows
    ]


def revoke_sessions(
    session: Session, clock: Clock, customer_id: str, *, keep: str | None = None
) -> int:
    """End every live session of the customer but ``keep``; how many were ended."""
    stmt = (
        update(EtradeSession)
        .where(EtradeSession.customer_id == customer_id, EtradeSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    if keep is not None:
        stmt = stmt.where(EtradeSession.id != keep)
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


#: what changed -> (zh-TW title, English title)
CHANGES = {
    "password_changed": ("您的電子交易密碼已變更", "Your e-trading password was changed"),
    "password_reset": ("您的電子交易密碼已重設", "Your e-trading password was reset"),
    "factor_enrolled": ("您的電子交易新增了驗證因子", "A factor was added to your e-trading login"),
    "factor_removed": ("您的電子交易移除了驗證因子", "A factor was removed from your login"),
}


def notify_customer(
    notices: NoticeSink,
    clock: Clock,
    customer: EtradeCustomer,
    change: str,
    *,
    sessions_ended: int = 0,
) -> None:
    """Queue a notice to the customer: what changed and how many sessions were ended."""
    title_zh, title_en = CHANGES[change]
    now = clock.now()
    notices.notify(
        Notice(
            kind=NoticeKind.customer_security,
            severity=Severity.high,
            title_zh=title_zh,
            title_en=title_en,
            summary=(
                f"{title_en} (account {customer.account}); {sessions_ended} other session(s) "
                "were signed out. If this was not you, contact customer service at once."
            ),
            occurred_at=now,
            dedupe_key=f"etrade.{change}:{customer.id}:{now.isoformat()}",
            requirement_ids=("A9.2",),
            details={
                "account": customer.account,
                "change": change,
                "sessions_ended": sessions_ended,
            },
        )
    )
