from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import UnknownRequirementError, ValidationError
from brokerguard.policies.checks import make_policy_check
from brokerguard.policies.service import approve_policy, register_policy, retire_policy


def _run(session: Session, settings: Settings, clock: FixedClock, requirement_id: str) -> Status:
    ctx = CheckContext(session=session, settings=settings, clock=clock)
    return make_policy_check(requirement_id).run(ctx).status


def test_policy_check_follows_the_policy_lifecycle(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    assert _run(session, settings, clock, "A9.2") is Status.failed  # nothing covers it
    policy = register_policy(
        session,
        clock,
        title="電子交易身分管理辦法",
        version="1.0",
        owner_unit="資安專責單位",
        requirement_ids=["A9.2"],
        created_by="sec",
    )
    assert _run(session, settings, clock, "A9.2") is Status.failed  # draft only
    approve_policy(
        session,
        policy.id,
        approver="總經理",
        approved_on=date(2026, 3, 1),
        next_review=date(2027, 3, 1),
    )
    assert _run(session, settings, clock, "A9.2") is Status.passed
    clock.set(clock.now().replace(year=2027, month=3, day=5))
    assert _run(session, settings, clock, "A9.2") is Status.failed  # past its review date
    retire_policy(session, policy.id)
    assert _run(session, settings, clock, "A9.2") is Status.failed


def test_register_validates(session: Session, clock: FixedClock) -> None:
    with pytest.raises(UnknownRequirementError):
        register_policy(
            session,
            clock,
            title="t",
            version="1",
            owner_unit="u",
            requirement_ids=["A0.0"],
            created_by="x",
        )
    with pytest.raises(ValidationError) as info:
        register_policy(
            session,
            clock,
            title="",
            version="1",
            owner_unit="u",
            requirement_ids=["A9.2"],
            created_by="x",
        )
    assert info.value.field == "title"


def test_approval_dates_are_checked(session: Session, clock: FixedClock) -> None:
    policy = register_policy(
        session,
        clock,
        title="t",
        version="1",
        owner_unit="u",
        requirement_ids=["A9.2"],
        created_by="x",
    )
    with pytest.raises(ValidationError):
        approve_policy(
            session,
            policy.id,
            approver="a",
            approved_on=date(2026, 3, 1),
            next_review=date(2026, 2, 1),
        )
    with pytest.raises(ValidationError):
        approve_policy(
            session,
            policy.id,
            approver="a",
            approved_on=date(2026, 3, 1),
            next_review=date(2031, 3, 1),
        )
