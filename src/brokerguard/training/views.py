"""Training pages: overview (completion, overdue) and the three registers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brokerguard.clock import today
from brokerguard.registerkit.web import add_register_views
from brokerguard.training.service import (
    ATTENDANCE,
    COURSES,
    PEOPLE,
    TOPIC_LABELS,
    completion_by_person,
    completion_by_unit,
    course_statuses,
    overdue,
)
from brokerguard.web.deps import AppClock, CurrentStaff, DbSession
from brokerguard.web.templating import render

router = APIRouter(prefix="/training", include_in_schema=False)


def _back(request: Request, session: DbSession) -> dict[str, Any]:
    return {"back": "/training"}


@router.get("")
def overview(request: Request, session: DbSession, clock: AppClock, user: CurrentStaff) -> Response:
    day = today(clock)
    statuses = course_statuses(session, day)
    return render(
        request,
        "training/overview.html",
        {
            "day": day,
            "by_unit": completion_by_unit(statuses, day),
            "by_person": completion_by_person(statuses, day),
            "late": overdue(statuses, day),
            "topics": TOPIC_LABELS,
            "registers": [
                ("/training/people", PEOPLE),
                ("/training/courses", COURSES),
                ("/training/attendance", ATTENDANCE),
            ],
        },
    )


add_register_views(router, PEOPLE, "/people", extra=_back)
add_register_views(router, COURSES, "/courses", extra=_back)
add_register_views(router, ATTENDANCE, "/attendance", extra=_back)
