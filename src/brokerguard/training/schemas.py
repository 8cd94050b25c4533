"""Response bodies of the training API (A7.4, A10.2): the registers' rows, completion
and overdue people."""

from __future__ import annotations

from datetime import date

from brokerguard.outputs import ResponseModel


class PersonRow(ResponseModel):
    id: str
    employee_id: str
    name: str
    unit: str
    role: str
    active: bool


class CourseRow(ResponseModel):
    id: str
    code: str
    title: str
    topic: str
    audience_units: str
    audience_roles: str
    frequency_months: int
    active: bool


class AttendanceRow(ResponseModel):
    id: str
    employee_id: str
    course_code: str
    completed_on: date
    hours: int
    note: str


class CompletionOut(ResponseModel):
    """Current / required trainings of one unit or one person, and the percentage."""

    group: str
    required: int
    current: int
    percent: int


class CompletionReportOut(ResponseModel):
    as_of: str
    by_unit: list[CompletionOut]
    by_person: list[CompletionOut]


class OverdueOut(ResponseModel):
    """A required course never taken (``last_completed`` empty) or past its period."""

    employee_id: str
    name: str
    unit: str
    course_code: str
    topic: str
    last_completed: str | None
    due_on: str | None


class OverdueListOut(ResponseModel):
    as_of: str
    items: list[OverdueOut]
