"""An imported attendance roster is kept in the evidence store for the requirements its
courses' topics prove (A7.4 for IoT, A10.2 for deepfake training)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, roc_date, today
from brokerguard.config import Settings
from brokerguard.evidence.service import store_evidence
from brokerguard.rulebook import load_rulebook
from brokerguard.training.models import TrainingCourse
from brokerguard.training.service import TOPIC_REQUIREMENTS

KIND = "training_records"


def roster_requirements(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """The requirement IDs the roster's courses prove, as far as the rulebook knows them."""
    codes = {str(r.get("course_code")) for r in rows}
    topics = set(
        session.scalars(select(TrainingCourse.topic).where(TrainingCourse.code.in_(codes)))
    )
    rulebook = load_rulebook()
    wanted = {TOPIC_REQUIREMENTS[t] for t in topics if t in TOPIC_REQUIREMENTS}
    return sorted(r for r in wanted if r in rulebook)


def keep_roster(
    session: Session,
    clock: Clock,
    settings: Settings,
    content: bytes,
    filename: str,
    rows: list[dict[str, Any]],
    actor: str,
) -> str | None:
    """Store the imported file (under a plain generated name) when it proves a requirement."""
    requirements = roster_requirements(session, rows)
    if not requirements:
        return None
    suffix = PurePath(filename).suffix.lower()
    extension = suffix if suffix in (".csv", ".xlsx") else ".csv"
    day = today(clock)
    record = store_evidence(
        session,
        clock,
        settings,
        content=content,
        filename=f"training-attendance-{day.isoformat()}{extension}",
        title=f"教育訓練簽到紀錄（{roc_date(day)} 匯入，{len(rows)} 筆）",
        requirement_ids=requirements,
        kind=KIND,
        uploaded_by=actor,
        owner=actor,
    )
    return record.reference
