from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.registerkit.spec import create_item
from brokerguard.training.checks import deepfake_audience_trained, iot_audience_trained
from brokerguard.training.service import (
    ATTENDANCE,
    COURSES,
    PEOPLE,
    add_months,
    completion_by_person,
    completion_by_unit,
    course_statuses,
    overdue,
)

DAY = date(2026, 11, 26)


def person(session: Session, clock: FixedClock, eid: str, unit: str, role: str = "職員") -> None:
    create_item(
        session,
        clock,
        PEOPLE,
        {"employee_id": eid, "name": f"N{eid}", "unit": unit, "role": role},
        "t",
    )


def course(
    session: Session,
    clock: FixedClock,
    code: str,
    topic: str,
    units: str = "",
    roles: str = "",
    months: int = 12,
) -> None:
    create_item(
        session,
        clock,
        COURSES,
        {
            "code": code,
            "title": code,
            "topic": topic,
            "audience_units": units,
            "audience_roles": roles,
            "frequency_months": months,
        },
        "t",
    )


def attend(session: Session, clock: FixedClock, eid: str, code: str, on: date) -> None:
    create_item(
        session,
        clock,
        ATTENDANCE,
        {"employee_id": eid, "course_code": code, "completed_on": on},
        "t",
    )


def ctx(session: Session, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=Settings(), clock=clock)


def test_add_months_clamps_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2025, 11, 30), 12) == date(2026, 11, 30)


def test_audience_by_unit_and_role(session: Session, clock: FixedClock) -> None:
    person(session, clock, "E1", "資訊部", "網管")
    person(session, clock, "E2", "總務部", "網管")
    person(session, clock, "E3", "資訊部", "程式設計")
    course(session, clock, "IOT", "iot", units="資訊部;總務部", roles="網管")
    statuses = course_statuses(session, DAY)
    assert sorted(s.employee_id for s in statuses) == ["E1", "E2"]


def test_completion_and_overdue(session: Session, clock: FixedClock) -> None:
    person(session, clock, "E1", "資訊部")
    person(session, clock, "E2", "資訊部")
    person(session, clock, "E3", "總務部")
    course(session, clock, "IOT", "iot")
    attend(session, clock, "E1", "IOT", date(2026, 3, 1))  # current
    attend(session, clock, "E2", "IOT", date(2025, 10, 1))  # lapsed 2026-10-01
    statuses = course_statuses(session, DAY)
    late = overdue(statuses, DAY)
    assert sorted(s.employee_id for s in late) == ["E2", "E3"]
    assert next(s for s in late if s.employee_id == "E3").due_on is None
    units = {c.group: (c.required, c.current, c.percent) for c in completion_by_unit(statuses, DAY)}
    assert units == {"資訊部": (2, 1, 50), "總務部": (1, 0, 0)}
    people = {c.group.split()[0]: c.current for c in completion_by_person(statuses, DAY)}
    assert people == {"E1": 1, "E2": 0, "E3": 0}


def test_iot_check_fails_without_course(session: Session, clock: FixedClock) -> None:
    assert iot_audience_trained(ctx(session, clock)).status is Status.failed


def test_iot_check_fails_then_passes(session: Session, clock: FixedClock) -> None:
    person(session, clock, "E1", "資訊部")
    person(session, clock, "E2", "資訊部")
    course(session, clock, "IOT", "iot", units="資訊部")
    attend(session, clock, "E1", "IOT", date(2026, 6, 1))
    result = iot_audience_trained(ctx(session, clock))
    assert result.status is Status.failed
    assert "E2" in result.reason_en
    attend(session, clock, "E2", "IOT", date(2026, 7, 1))
    assert iot_audience_trained(ctx(session, clock)).status is Status.passed
    # the deepfake requirement is separate: no deepfake course yet
    assert deepfake_audience_trained(ctx(session, clock)).status is Status.failed


def test_deepfake_check_respects_frequency(session: Session, clock: FixedClock) -> None:
    person(session, clock, "E1", "客服部")
    course(session, clock, "DF", "deepfake", months=6)
    attend(session, clock, "E1", "DF", date(2026, 4, 1))  # due 2026-10-01: overdue on DAY
    assert deepfake_audience_trained(ctx(session, clock)).status is Status.failed
    attend(session, clock, "E1", "DF", date(2026, 10, 15))
    assert deepfake_audience_trained(ctx(session, clock)).status is Status.passed


def test_inactive_people_and_courses_are_ignored(session: Session, clock: FixedClock) -> None:
    person(session, clock, "E1", "資訊部")
    create_item(
        session,
        clock,
        PEOPLE,
        {"employee_id": "E2", "name": "x", "unit": "資訊部", "role": "r", "active": "否"},
        "t",
    )
    course(session, clock, "IOT", "iot")
    attend(session, clock, "E1", "IOT", date(2026, 6, 1))
    assert iot_audience_trained(ctx(session, clock)).status is Status.passed


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "C", "title": "t", "topic": "cooking", "frequency_months": "12"}, "topic"),
        ({"code": "C", "title": "t", "topic": "iot", "frequency_months": "0"}, "frequency_months"),
        (
            {"code": "C", "title": "t", "topic": "iot", "frequency_months": "9999"},
            "frequency_months",
        ),
        (
            {"code": "C", "title": "t", "topic": "iot", "frequency_months": "abc"},
            "frequency_months",
        ),
        ({"code": "<script>", "title": "t", "topic": "iot", "frequency_months": "1"}, "code"),
    ],
)
def test_bad_course_values(
    session: Session, clock: FixedClock, values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_item(session, clock, COURSES, values, "t")
    assert caught.value.field == field


def test_attendance_rules(session: Session, clock: FixedClock) -> None:
    person(session, clock, "E1", "資訊部")
    course(session, clock, "IOT", "iot")
    with pytest.raises(ValidationError) as caught:
        attend(session, clock, "E1", "IOT", date(2027, 1, 1))
    assert caught.value.field == "completed_on"
    with pytest.raises(ValidationError) as caught:
        attend(session, clock, "E1", "NOPE", date(2026, 1, 1))
    assert caught.value.field == "course_code"
    with pytest.raises(ValidationError):
        create_item(
            session,
            clock,
            ATTENDANCE,
            {"employee_id": "E1", "course_code": "IOT", "completed_on": "115/02/30"},
            "t",
        )


def test_imported_roster_is_kept_as_evidence(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    from brokerguard.evidence.service import evidence_for
    from brokerguard.registerkit.spec import import_items
    from brokerguard.tabular import ImportMode

    settings = Settings(data_dir=tmp_path / "var")
    person(session, clock, "E1", "資訊部")
    course(session, clock, "IOT", "iot")
    course(session, clock, "GEN", "general")
    roster = "員工編號,課程代碼,完成日期\nE1,IOT,115/06/01\n".encode()
    summary = import_items(
        session,
        clock,
        ATTENDANCE,
        roster,
        "../簽到表.csv",
        ImportMode.all_or_nothing,
        "amy",
        settings=settings,
    )
    general = "員工編號,課程代碼,完成日期\nE1,GEN,115/06/01\n".encode()
    plain = import_items(
        session,
        clock,
        ATTENDANCE,
        general,
        "g.csv",
        ImportMode.all_or_nothing,
        "amy",
        settings=settings,
    )
    assert plain.evidence_ref is None  # general training proves no requirement here
    (kept,) = evidence_for(session, "A7.4")
    assert summary.evidence_ref == kept.reference
    assert kept.kind == "training_records" and kept.filename.endswith(".csv")
