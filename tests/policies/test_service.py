from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import NotFoundError, UnknownRequirementError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.policies.checks import make_policy_check
from brokerguard.policies.models import PolicyCoverage, PolicyDocument
from brokerguard.policies.service import approve_policy, register_policy, retire_policy
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user
from tests.conftest import STAFF_PASSWORD


def _run(session: Session, settings: Settings, clock: FixedClock, requirement_id: str) -> Status:
    ctx = CheckContext(session=session, settings=settings, clock=clock)
    return make_policy_check(requirement_id).run(ctx).status


def _document(session: Session, settings: Settings, clock: FixedClock) -> str:
    return store_evidence(
        session,
        clock,
        settings,
        content="電子交易身分管理辦法 1.0（已核定）\n".encode(),
        filename="identity-policy.txt",
        title="電子交易身分管理辦法",
        requirement_ids=["A9.2"],
        kind="policy_document",
        uploaded_by="sec",
    ).id


def _staff(session: Session, clock: FixedClock, username: str, role: Role) -> str:
    return create_staff_user(
        session, clock, username=username, password=STAFF_PASSWORD, roles={role}
    ).username


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
        document_evidence_id=_document(session, settings, clock),
    )
    assert _run(session, settings, clock, "A9.2") is Status.failed  # draft only
    approve_policy(
        session,
        policy.id,
        approver=_staff(session, clock, "chen.compliance", Role.compliance),
        approved_on=date(2026, 3, 1),
        next_review=date(2027, 3, 1),
    )
    assert _run(session, settings, clock, "A9.2") is Status.passed
    clock.set(clock.now().replace(year=2027, month=3, day=5))
    assert _run(session, settings, clock, "A9.2") is Status.failed  # past its review date
    retire_policy(session, policy.id)
    assert _run(session, settings, clock, "A9.2") is Status.failed


def test_approver_must_be_compliance_staff(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    """Before: a free-text approver ("總經理") was accepted and passed the check."""
    policy = register_policy(
        session,
        clock,
        title="t",
        version="1",
        owner_unit="u",
        requirement_ids=["A9.2"],
        created_by="x",
        document_evidence_id=_document(session, settings, clock),
    )
    security = _staff(session, clock, "lin.security", Role.security)
    for approver in ("總經理", security, "nobody"):
        with pytest.raises(ValidationError) as info:
            approve_policy(
                session,
                policy.id,
                approver=approver,
                approved_on=date(2026, 3, 1),
                next_review=date(2027, 3, 1),
            )
        assert info.value.field == "approver"


def test_check_fails_an_approval_it_cannot_prove(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    """Before: a policy row with no document and a free-text approver passed."""
    row = PolicyDocument(  # written around the register (an old import, a DBA)
        title="電子交易身分管理辦法",
        version="1.0",
        owner_unit="資安專責單位",
        status="approved",
        approver="總經理",
        approved_on=date(2026, 3, 1),
        next_review=date(2027, 3, 1),
        created_by="x",
        created_at=clock.now(),
        coverage=[PolicyCoverage(requirement_id="A9.2")],
    )
    session.add(row)
    session.flush()
    ctx = CheckContext(session=session, settings=settings, clock=clock)
    result = make_policy_check("A9.2").run(ctx)
    assert result.status is Status.failed and "no policy document" in result.reason_en
    row.document_evidence_id = _document(session, settings, clock)
    session.flush()
    result = make_policy_check("A9.2").run(ctx)
    assert result.status is Status.failed and "not an active staff user" in result.reason_en
    row.approver = _staff(session, clock, "chen.compliance", Role.compliance)
    session.flush()
    assert make_policy_check("A9.2").run(ctx).status is Status.passed


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
    with pytest.raises(NotFoundError):
        register_policy(
            session,
            clock,
            title="t",
            version="1",
            owner_unit="u",
            requirement_ids=["A9.2"],
            created_by="x",
            document_evidence_id="0" * 36,
        )


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
