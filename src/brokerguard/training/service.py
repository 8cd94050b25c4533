"""Training registers and completion: who must take which course, who is overdue."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, today
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.registerkit.rows import column_row, find_by, row_or_new, stamp
from brokerguard.registerkit.spec import ColumnMode, RegisterSpec, cached_lookup
from brokerguard.tabular import Column, choice, parse_bool, parse_date, parse_int, text
from brokerguard.training.models import TrainingAttendance, TrainingCourse, TrainingPerson
from brokerguard.training.schemas import AttendanceRow, CourseRow, PersonRow

TOPICS = ("iot", "deepfake", "phishing", "social_media", "general")
#: the requirement a topic's training proves
TOPIC_REQUIREMENTS = {"iot": "A7.4", "deepfake": "A10.2"}
TOPIC_LABELS = {
    "iot": ("物聯網設備資安", "IoT device security"),
    "deepfake": ("深偽辨識與防範", "Recognising and preventing deepfakes"),
    "phishing": ("社交工程與釣魚防範", "Phishing awareness"),
    "social_media": ("社群媒體使用安全", "Social-media awareness"),
    "general": ("一般資安教育訓練", "General security awareness"),
}
MAX_FREQUENCY_MONTHS = 120
YES_NO = ("yes", "no")


def split_list(value: str | None) -> list[str]:
    if not value:
        return []
    parts = value.replace("；", ";").replace("、", ";").split(";")
    return [p.strip() for p in parts if p.strip()]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _frequency(text_value: str) -> int:
    months = parse_int(text_value)
    if not 1 <= months <= MAX_FREQUENCY_MONTHS:
        raise ValueError(f"frequency must be 1 to {MAX_FREQUENCY_MONTHS} months")
    return months


def _hours(text_value: str) -> int:
    hours = parse_int(text_value)
    if not 0 <= hours <= 100:
        raise ValueError("hours must be 0 to 100")
    return hours


def _employee_id(text_value: str) -> str:
    value: str = text(32)(text_value)
    if not value.replace("-", "").replace("_", "").isalnum():
        raise ValueError("employee ID may hold only letters, digits, - and _")
    return value


def _code(text_value: str) -> str:
    value: str = text(32)(text_value)
    if not value.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ValueError("course code may hold only letters, digits, ., - and _")
    return value


# --- people --------------------------------------------------------------------------

PERSON_COLUMNS = (
    Column("employee_id", ("員工編號", "employee ID", "工號"), parse=_employee_id),
    Column("name", ("姓名", "name"), parse=text(128)),
    Column("unit", ("單位", "unit", "部門"), parse=text(128)),
    Column("role", ("職務", "role", "職稱"), parse=text(128)),
    Column("active", ("在職", "active"), required=False, parse=parse_bool, default=True),
)


_find_person = find_by(TrainingPerson, "employee_id")


def _save_person(
    session: Session, clock: Clock, row: TrainingPerson | None, values: dict[str, Any], actor: str
) -> TrainingPerson:
    row = row_or_new(session, row, TrainingPerson)
    row.employee_id = values["employee_id"]
    row.name = values["name"]
    row.unit = values["unit"]
    row.role = values["role"]
    row.active = bool(values.get("active", True))
    return stamp(row, clock, actor)


PEOPLE: RegisterSpec[TrainingPerson] = RegisterSpec(
    key="training-people",
    path="people",
    title_zh="人員名冊",
    title_en="People",
    model=TrainingPerson,
    mode=ColumnMode(
        columns=PERSON_COLUMNS,
        unique=("employee_id",),
        save=_save_person,
        find=_find_person,
        to_row=column_row(PERSON_COLUMNS),
        row_model=PersonRow,
        order_by=lambda: (TrainingPerson.unit, TrainingPerson.employee_id),
        options={"active": YES_NO},
    ),
    requirement_ids=("A7.4", "A10.2"),
)

# --- courses -------------------------------------------------------------------------

COURSE_COLUMNS = (
    Column("code", ("課程代碼", "course code", "code"), parse=_code),
    Column("title", ("課程名稱", "title"), parse=text(255)),
    Column(
        "topic",
        ("主題", "topic"),
        parse=choice(
            *TOPICS,
            aliases={
                "物聯網": "iot",
                "深偽": "deepfake",
                "釣魚": "phishing",
                "社群媒體": "social_media",
                "一般": "general",
            },
        ),
    ),
    Column(
        "audience_units",
        ("對象單位", "audience units"),
        required=False,
        parse=text(2000),
        default="",
    ),
    Column(
        "audience_roles",
        ("對象職務", "audience roles"),
        required=False,
        parse=text(2000),
        default="",
    ),
    Column("frequency_months", ("頻率（月）", "frequency months"), parse=_frequency),
    Column("active", ("啟用", "active"), required=False, parse=parse_bool, default=True),
)


_find_course = find_by(TrainingCourse, "code")


def _save_course(
    session: Session, clock: Clock, row: TrainingCourse | None, values: dict[str, Any], actor: str
) -> TrainingCourse:
    row = row_or_new(session, row, TrainingCourse)
    row.code = values["code"]
    row.title = values["title"]
    row.topic = values["topic"]
    row.audience_units = ";".join(split_list(values.get("audience_units")))
    row.audience_roles = ";".join(split_list(values.get("audience_roles")))
    row.frequency_months = values["frequency_months"]
    row.active = bool(values.get("active", True))
    return stamp(row, clock, actor)


COURSES: RegisterSpec[TrainingCourse] = RegisterSpec(
    key="training-courses",
    path="courses",
    title_zh="教育訓練課程",
    title_en="Training courses",
    model=TrainingCourse,
    mode=ColumnMode(
        columns=COURSE_COLUMNS,
        unique=("code",),
        save=_save_course,
        find=_find_course,
        to_row=column_row(COURSE_COLUMNS),
        row_model=CourseRow,
        order_by=lambda: (TrainingCourse.topic, TrainingCourse.code),
        options={"topic": TOPICS, "active": YES_NO},
    ),
    requirement_ids=("A7.4", "A10.2"),
)

# --- attendance ----------------------------------------------------------------------

ATTENDANCE_COLUMNS = (
    Column("employee_id", ("員工編號", "employee ID", "工號"), parse=_employee_id),
    Column("course_code", ("課程代碼", "course code", "course"), parse=_code),
    Column("completed_on", ("完成日期", "completed on", "date", "日期"), parse=parse_date),
    Column("hours", ("時數", "hours"), required=False, parse=_hours, default=0),
    Column("note", ("備註", "note"), required=False, parse=text(1000), default=""),
)


def _person_by_employee(session: Session, employee_id: str) -> TrainingPerson:
    person = cached_lookup(
        session,
        ("training-person", employee_id),
        lambda: session.scalar(
            select(TrainingPerson).where(TrainingPerson.employee_id == employee_id)
        ),
    )
    if person is None:
        raise ValidationError(f"no person with employee ID {employee_id!r}", field="employee_id")
    return person


def _course_by_code(session: Session, code: str) -> TrainingCourse:
    course = cached_lookup(
        session,
        ("training-course", code),
        lambda: session.scalar(select(TrainingCourse).where(TrainingCourse.code == code)),
    )
    if course is None:
        raise ValidationError(f"no course with code {code!r}", field="course_code")
    return course


def _find_attendance(session: Session, values: dict[str, Any]) -> TrainingAttendance | None:
    try:
        person = _person_by_employee(session, str(values.get("employee_id")))
        course = _course_by_code(session, str(values.get("course_code")))
    except ValidationError:
        return None
    return session.scalar(
        select(TrainingAttendance).where(
            TrainingAttendance.person_id == person.id,
            TrainingAttendance.course_id == course.id,
            TrainingAttendance.completed_on == values["completed_on"],
        )
    )


def _save_attendance(
    session: Session,
    clock: Clock,
    row: TrainingAttendance | None,
    values: dict[str, Any],
    actor: str,
) -> TrainingAttendance:
    person = _person_by_employee(session, values["employee_id"])
    course = _course_by_code(session, values["course_code"])
    completed_on: date = values["completed_on"]
    if completed_on > today(clock):
        raise ValidationError("the completion date is in the future", field="completed_on")
    row = row_or_new(session, row, TrainingAttendance)
    row.person_id = person.id
    row.course_id = course.id
    row.completed_on = completed_on
    row.hours = values.get("hours") or 0
    row.note = values.get("note") or ""
    return stamp(row, clock, actor)


def _attendance_row(session: Session, row: TrainingAttendance) -> dict[str, Any]:
    person = session.get(TrainingPerson, row.person_id)
    course = session.get(TrainingCourse, row.course_id)
    return {
        "id": row.id,
        "employee_id": person.employee_id if person else "",
        "course_code": course.code if course else "",
        "completed_on": row.completed_on,
        "hours": row.hours,
        "note": row.note,
    }


def _keep_roster(
    session: Session,
    clock: Clock,
    settings: Settings,
    content: bytes,
    filename: str,
    rows: list[dict[str, Any]],
    actor: str,
) -> str | None:
    from brokerguard.training.evidence import keep_roster

    return keep_roster(session, clock, settings, content, filename, rows, actor)


ATTENDANCE: RegisterSpec[TrainingAttendance] = RegisterSpec(
    key="training-attendance",
    path="attendance",
    title_zh="上課紀錄",
    title_en="Attendance",
    model=TrainingAttendance,
    mode=ColumnMode(
        columns=ATTENDANCE_COLUMNS,
        unique=("employee_id", "course_code", "completed_on"),
        save=_save_attendance,
        find=_find_attendance,
        to_row=_attendance_row,
        row_model=AttendanceRow,
        order_by=lambda: (TrainingAttendance.completed_on.desc(),),
        keep_import=_keep_roster,
    ),
    requirement_ids=("A7.4", "A10.2"),
)

REGISTERS: tuple[RegisterSpec[Any], ...] = (PEOPLE, COURSES, ATTENDANCE)

# --- completion ----------------------------------------------------------------------


def in_audience(course: TrainingCourse, person: TrainingPerson) -> bool:
    units = split_list(course.audience_units)
    roles = split_list(course.audience_roles)
    if units and person.unit not in units:
        return False
    return not (roles and person.role not in roles)


@dataclass(frozen=True)
class CourseStatus:
    """One person against one course on a given day."""

    course_code: str
    course_title: str
    topic: str
    employee_id: str
    name: str
    unit: str
    last_completed: date | None
    due_on: date | None  # None = never trained: due now

    def overdue(self, day: date) -> bool:
        return self.due_on is None or self.due_on < day


def course_statuses(session: Session, day: date, *, topic: str | None = None) -> list[CourseStatus]:
    """Every (active course, active audience member) pair with last completion and due date."""
    courses_query = select(TrainingCourse).where(TrainingCourse.active.is_(True))
    if topic is not None:
        courses_query = courses_query.where(TrainingCourse.topic == topic)
    courses = list(session.scalars(courses_query.order_by(TrainingCourse.code)))
    people = list(
        session.scalars(
            select(TrainingPerson)
            .where(TrainingPerson.active.is_(True))
            .order_by(TrainingPerson.unit, TrainingPerson.employee_id)
        )
    )
    last: dict[tuple[str, str], date] = {}
    for person_id, course_id, completed_on in session.execute(
        select(
            TrainingAttendance.person_id,
            TrainingAttendance.course_id,
            TrainingAttendance.completed_on,
        ).where(TrainingAttendance.completed_on <= day)
    ):
        key = (person_id, course_id)
        if key not in last or last[key] < completed_on:
            last[key] = completed_on
    statuses = []
    for course in courses:
        for person in people:
            if not in_audience(course, person):
                continue
            done = last.get((person.id, course.id))
            statuses.append(
                CourseStatus(
                    course_code=course.code,
                    course_title=course.title,
                    topic=course.topic,
                    employee_id=person.employee_id,
                    name=person.name,
                    unit=person.unit,
                    last_completed=done,
                    due_on=add_months(done, course.frequency_months) if done else None,
                )
            )
    return statuses


@dataclass(frozen=True)
class Completion:
    group: str
    required: int
    current: int

    @property
    def percent(self) -> int:
        return 100 if self.required == 0 else round(100 * self.current / self.required)


def completion_by_unit(statuses: list[CourseStatus], day: date) -> list[Completion]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for status in statuses:
        totals[status.unit][0] += 1
        if not status.overdue(day):
            totals[status.unit][1] += 1
    return [Completion(unit, req, cur) for unit, (req, cur) in sorted(totals.items())]


def completion_by_person(statuses: list[CourseStatus], day: date) -> list[Completion]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for status in statuses:
        key = f"{status.employee_id} {status.name}"
        totals[key][0] += 1
        if not status.overdue(day):
            totals[key][1] += 1
    return [Completion(person, req, cur) for person, (req, cur) in sorted(totals.items())]


def overdue(statuses: list[CourseStatus], day: date) -> list[CourseStatus]:
    return [s for s in statuses if s.overdue(day)]
