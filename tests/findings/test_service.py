from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.errors import ConflictError, UnknownRequirementError, ValidationError
from brokerguard.findings.schemas import FindingStatus
from brokerguard.findings.service import (
    close_finding,
    list_open,
    open_finding,
    overdue,
    update_plan,
)


def test_open_is_idempotent_per_source(session: Session, clock: FixedClock) -> None:
    first = open_finding(
        session,
        clock,
        requirement_id="A9.7",
        title="鎖定門檻為 10",
        source="check",
        source_ref="auth.lockout",
    )
    again = open_finding(
        session,
        clock,
        requirement_id="A9.7",
        title="鎖定門檻為 10",
        source="check",
        source_ref="auth.lockout",
    )
    assert first.id == again.id
    assert [f.id for f in list_open(session, "A9.7")] == [first.id]


def test_plan_close_and_reopen(session: Session, clock: FixedClock) -> None:
    finding = open_finding(
        session,
        clock,
        requirement_id="A9.8",
        title="t",
        source="inspection",
        source_ref="115-01",
        due_date=date(2026, 11, 1),
    )
    assert [f.id for f in overdue(session, date(2026, 11, 26))] == [finding.id]
    update_plan(session, finding.id, plan="調整密碼政策", owner="資訊部")
    closed = close_finding(
        session,
        clock,
        finding.id,
        closed_by="sec",
        note="已上線",
        closing_evidence="evidence:sha256:" + "0" * 64,
    )
    assert closed.status is FindingStatus.closed
    assert list_open(session) == []
    with pytest.raises(ConflictError):
        close_finding(session, clock, finding.id, closed_by="sec", note="again")
    reopened = open_finding(
        session, clock, requirement_id="A9.8", title="t", source="inspection", source_ref="115-01"
    )
    assert reopened.id != finding.id


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"requirement_id": "A77"}, UnknownRequirementError),
        ({"title": " "}, ValidationError),
        ({"source": ""}, ValidationError),
        ({"severity": "urgent"}, ValidationError),
    ],
)
def test_bad_finding_input(
    session: Session, clock: FixedClock, kwargs: dict[str, str], error: type[Exception]
) -> None:
    args = {"requirement_id": "A9.7", "title": "x", "source": "manual", "source_ref": "r1"}
    args.update(kwargs)
    with pytest.raises(error):
        open_finding(session, clock, **args)  # type: ignore[arg-type]


def test_close_needs_a_note(session: Session, clock: FixedClock) -> None:
    finding = open_finding(
        session, clock, requirement_id="A9.7", title="x", source="manual", source_ref="r2"
    )
    with pytest.raises(ValidationError):
        close_finding(session, clock, finding.id, closed_by="sec", note="  ")
