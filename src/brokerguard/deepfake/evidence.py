"""The approval record of a video identity session, kept in the evidence store for A10.1."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from brokerguard.clock import Clock, as_utc, roc_date, to_taipei
from brokerguard.config import Settings
from brokerguard.deepfake.models import VideoSession
from brokerguard.deepfake.service import approve, session_summary
from brokerguard.evidence.service import store_evidence
from brokerguard.rulebook import load_rulebook

REQUIREMENT = "A10.1"
KIND = "verification_record"


def approval_record(row: VideoSession) -> bytes:
    """The session as canonical JSON: every step, who did it, the recording's SHA-256.

    Built from :func:`session_summary`, so the one-time code, its hash and the full
    phone number or e-mail address are never in it.
    """
    data = session_summary(row)
    data.pop("evidence_ref", None)  # the record cannot name its own hash
    data["record"] = "video identity verification approval (A10.1)"
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def approve_and_keep(
    session: Session,
    clock: Clock,
    settings: Settings,
    session_id: str,
    *,
    reviewer: str,
    note: str = "",
) -> VideoSession:
    """Approve (see :func:`brokerguard.deepfake.service.approve`) and keep the record."""
    row = approve(session, clock, session_id, reviewer=reviewer, note=note)
    keep_approval_evidence(session, clock, settings, row)
    return row


def keep_approval_evidence(
    session: Session, clock: Clock, settings: Settings, row: VideoSession
) -> str | None:
    """Store the approval record as evidence for A10.1; returns its reference.

    Returns ``None`` (and stores nothing) when the loaded rulebook has no A10.1.
    """
    if REQUIREMENT not in load_rulebook() or row.reviewer is None or row.reviewed_at is None:
        return None
    day = to_taipei(as_utc(row.reviewed_at)).date()
    record = store_evidence(
        session,
        clock,
        settings,
        content=approval_record(row),
        filename=f"video-identity-{row.id}.json",
        title=f"視訊身分核驗核准紀錄 {row.customer_ref}（{roc_date(day)}）",
        requirement_ids=[REQUIREMENT],
        kind=KIND,
        uploaded_by=row.reviewer,
        owner=row.reviewer,
    )
    row.evidence_ref = record.reference
    session.flush()
    return record.reference
