"""Effectiveness assessments of indirect biometric methods (A9.1.3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brokerguard.auth.models import BiometricAssessment
from brokerguard.clock import Clock
from brokerguard.errors import ValidationError

CONCLUSIONS = ("effective", "ineffective")
#: the method name under which WebAuthn user verification is assessed
WEBAUTHN_UV_METHOD = "webauthn-uv"


def record_assessment(
    session: Session,
    clock: Clock,
    *,
    method: str,
    assessed_by: str,
    conclusion: str,
    summary: str = "",
    evidence_ref: str = "",
    valid_until: datetime | None = None,
    assessed_at: datetime | None = None,
) -> BiometricAssessment:
    method = method.strip()
    if not method or len(method) > 64:
        raise ValidationError("method must be 1-64 characters", field="method")
    if not assessed_by.strip() or len(assessed_by) > 128:
        raise ValidationError("assessed_by must be 1-128 characters", field="assessed_by")
    if conclusion not in CONCLUSIONS:
        raise ValidationError("conclusion must be effective or ineffective", field="conclusion")
    if len(summary) > 1024:
        raise ValidationError("summary longer than 1024 characters", field="summary")
    row = BiometricAssessment(
        method=method,
        assessed_by=assessed_by.strip(),
        assessed_at=assessed_at or clock.now(),
        conclusion=conclusion,
        summary=summary,
        evidence_ref=evidence_ref[:256],
        valid_until=valid_until,
    )
    session.add(row)
    session.flush()
    return row


def latest_assessment(session: Session, method: str) -> BiometricAssessment | None:
    return session.scalar(
        select(BiometricAssessment)
        .where(BiometricAssessment.method == method)
        .order_by(BiometricAssessment.assessed_at.desc())
        .limit(1)
    )


def method_is_assessed(session: Session, clock: Clock, method: str) -> bool:
    """True when the newest assessment of ``method`` says effective and has not lapsed."""
    now = clock.now()
    row = session.scalar(
        select(BiometricAssessment)
        .where(
            BiometricAssessment.method == method,
            or_(BiometricAssessment.valid_until.is_(None), BiometricAssessment.valid_until > now),
        )
        .order_by(BiometricAssessment.assessed_at.desc())
        .limit(1)
    )
    return row is not None and row.conclusion == "effective"
