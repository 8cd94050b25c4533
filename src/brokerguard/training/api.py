"""Training JSON API: the three registers plus completion and overdue lists."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from brokerguard.clock import today
from brokerguard.errors import ValidationError
from brokerguard.registerkit.web import add_findings_api, add_register_api
from brokerguard.training.schemas import CompletionReportOut, OverdueListOut
from brokerguard.training.service import (
    REGISTERS,
    TOPICS,
    completion_by_person,
    completion_by_unit,
    course_statuses,
    overdue,
)
from brokerguard.web.deps import AppClock, CurrentStaff, DbSession

router = APIRouter(prefix="/api/v1/training", tags=["training"])
for _spec in REGISTERS:
    add_register_api(router, _spec)
add_findings_api(router, ("training.iot_audience_trained", "training.deepfake_audience_trained"))


def _topic(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in TOPICS:
        raise ValidationError(f"topic must be one of {', '.join(TOPICS)}", field="topic")
    return value


@router.get("/completion", response_model=CompletionReportOut)
def completion(
    session: DbSession, clock: AppClock, user: CurrentStaff, topic: str | None = None
) -> dict[str, Any]:
    """Completion per unit and per person (current / required), optionally for one topic."""
    day = today(clock)
    statuses = course_statuses(session, day, topic=_topic(topic))
    return {
        "as_of": day.isoformat(),
        "by_unit": [vars(c) | {"percent": c.percent} for c in completion_by_unit(statuses, day)],
        "by_person": [
            vars(c) | {"percent": c.percent} for c in completion_by_person(statuses, day)
        ],
    }


@router.get("/overdue", response_model=OverdueListOut)
def overdue_list(
    session: DbSession, clock: AppClock, user: CurrentStaff, topic: str | None = None
) -> dict[str, Any]:
    """People whose required course is never taken or past its period."""
    day = today(clock)
    late = overdue(course_statuses(session, day, topic=_topic(topic)), day)
    return {
        "as_of": day.isoformat(),
        "items": [
            {
                "employee_id": s.employee_id,
                "name": s.name,
                "unit": s.unit,
                "course_code": s.course_code,
                "topic": s.topic,
                "last_completed": s.last_completed.isoformat() if s.last_completed else None,
                "due_on": s.due_on.isoformat() if s.due_on else None,
            }
            for s in late
        ],
    }
