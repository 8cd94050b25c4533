"""Manual assessment (人工評估): recording it and how the engine counts it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.manual import (
    MAX_REASON,
    manual_history,
    record_manual_assessment,
    reviewer_choices,
)
from brokerguard.assessment.registry import CheckResult, Status
from brokerguard.clock import FixedClock, today
from brokerguard.config import Settings
from brokerguard.errors import UnknownRequirementError, ValidationError
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import store_evidence
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user, disable_staff
from tests.assessment.conftest import REQ, add_check

pytestmark = pytest.mark.usefixtures("a72_checks_answer_manual")
PDF = b"%PDF-1.4\n% review of the risk assessment\n"


@pytest.fixture
def people(session: Session, clock: FixedClock) -> None:
    for name, role in (("alice", Role.compliance), ("bob", Role.security)):
        create_staff_user(
            session,
            clock,
            username=name,
            password="a long enough passphrase 1",
            roles={role},
            display_name=name.title(),
        )
    session.flush()


def _evidence(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    *,
    requirement: str = REQ,
    valid_until: date | None = None,
) -> EvidenceRecord:
    return store_evidence(
        session,
        clock,
        settings,
        content=PDF + requirement.encode(),
        filename="review.pdf",
        title="風險評估覆核",
        requirement_ids=[requirement],
        kind="review_record",
        uploaded_by="alice",
        valid_until=valid_until,
    )


def _record(session: Session, clock: FixedClock, evidence: str, **changes: object) -> object:
    fields: dict[str, object] = {
        "requirement_id": REQ,
        "result": "pass",
        "reason": "",
        "evidence_id": evidence,
        "reviewer": "bob",
        "valid_until": today(clock) + timedelta(days=90),
        "assessor": "alice",
    }
    fields.update(changes)
    return record_manual_assessment(session, clock, **fields)  # type: ignore[arg-type]


def _status(session: Session, settings: Settings, clock: FixedClock) -> tuple[Status, str]:
    outcome = run_assessment(session, settings, clock).requirements[REQ]
    return outcome.status, outcome.reason_en


@pytest.mark.usefixtures("people")
def test_a_valid_manual_pass_decides_a_requirement_whose_checks_answer_manual(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    assert _status(session, settings, clock)[0] is Status.manual
    evidence = _evidence(session, clock, settings)
    _record(session, clock, evidence.id, reason="覆核無誤")
    status, reason = _status(session, settings, clock)
    assert status is Status.passed
    assert "Manual assessment: 覆核無誤" in reason
    assert "assessed by alice, reviewed by bob" in reason


@pytest.mark.usefixtures("people")
def test_fail_and_not_applicable_count_as_recorded(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    evidence = _evidence(session, clock, settings)
    _record(session, clock, evidence.id, result="fail", reason="未覆核")
    assert _status(session, settings, clock)[0] is Status.failed
    clock.advance(timedelta(minutes=1))
    _record(session, clock, evidence.id, result="not_applicable", reason="無此業務")
    assert _status(session, settings, clock)[0] is Status.not_applicable
    assert [m.result.value for m in manual_history(session, REQ)] == ["not_applicable", "fail"]


@pytest.mark.usefixtures("people")
def test_an_expired_manual_assessment_fails_never_passes(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    evidence = _evidence(session, clock, settings)
    _record(session, clock, evidence.id, valid_until=today(clock) + timedelta(days=10))
    assert _status(session, settings, clock)[0] is Status.passed
    clock.advance(timedelta(days=11))
    status, reason = _status(session, settings, clock)
    assert status is Status.failed
    assert "expired" in reason


@pytest.mark.usefixtures("people")
def test_evidence_that_lapses_or_vanishes_stops_the_manual_pass(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    evidence = _evidence(session, clock, settings, valid_until=today(clock) + timedelta(days=5))
    _record(session, clock, evidence.id)
    clock.advance(timedelta(days=6))
    status, reason = _status(session, settings, clock)
    assert status is Status.failed
    assert "no longer current" in reason


@pytest.mark.usefixtures("people")
def test_a_deactivated_reviewer_stops_the_manual_pass(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    evidence = _evidence(session, clock, settings)
    _record(session, clock, evidence.id)
    disable_staff(session, clock, "bob")
    status, reason = _status(session, settings, clock)
    assert status is Status.failed
    assert "reviewer 'bob'" in reason


@pytest.mark.usefixtures("people")
def test_an_automated_verdict_is_never_overridden_by_hand(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    evidence = _evidence(session, clock, settings)
    _record(session, clock, evidence.id)
    add_check("test.a72.auto", REQ, CheckResult.failed("設定錯誤", "misconfigured"))
    assert _status(session, settings, clock)[0] is Status.failed
    # and once the latest run was decided by a check, no new manual result is taken
    with pytest.raises(ValidationError) as refused:
        _record(session, clock, evidence.id)
    assert refused.value.field == "requirement_id"


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requirement_id": "D2.1"}, "requirement_id"),  # a definition
        ({"result": "passed"}, "result"),
        ({"result": ""}, "result"),
        ({"result": "fail", "reason": "  "}, "reason"),
        ({"result": "not_applicable", "reason": ""}, "reason"),
        ({"reason": "x" * (MAX_REASON + 1)}, "reason"),
        ({"evidence_id": ""}, "evidence_id"),
        ({"evidence_id": "00000000-0000-0000-0000-000000000000"}, "evidence_id"),
        ({"evidence_id": "'; drop table evidence_items; --"}, "evidence_id"),
        ({"reviewer": "alice"}, "reviewer"),  # the assessor herself
        ({"reviewer": "nobody"}, "reviewer"),
        ({"reviewer": ""}, "reviewer"),
        ({"reviewer": "b" * 10_000}, "reviewer"),
        ({"valid_until": None}, "valid_until"),
        ({"valid_until": date(2026, 1, 1)}, "valid_until"),  # in the past
        ({"valid_until": date(2028, 1, 1)}, "valid_until"),  # beyond one annual cycle
    ],
)
def test_each_wrong_field_is_named_and_nothing_is_saved(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    changes: dict[str, object],
    field: str,
) -> None:
    evidence = _evidence(session, clock, settings)
    with pytest.raises(ValidationError) as refused:
        _record(session, clock, evidence.id, **changes)
    assert refused.value.field == field
    assert manual_history(session, REQ) == []


@pytest.mark.usefixtures("people")
def test_evidence_must_be_current_and_of_this_requirement(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    other = _evidence(session, clock, settings, requirement="A7.3")
    lapsed = _evidence(session, clock, settings, valid_until=today(clock))
    clock.advance(timedelta(days=1))
    for evidence in (other, lapsed):
        with pytest.raises(ValidationError) as refused:
            _record(session, clock, evidence.id)
        assert refused.value.field == "evidence_id"


@pytest.mark.usefixtures("people")
def test_an_unknown_requirement_is_named(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    evidence = _evidence(session, clock, settings)
    with pytest.raises(UnknownRequirementError):
        _record(session, clock, evidence.id, requirement_id="A99.9")


@pytest.mark.usefixtures("people")
def test_a_deactivated_reviewer_is_refused_and_not_offered(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    disable_staff(session, clock, "bob")
    evidence = _evidence(session, clock, settings)
    with pytest.raises(ValidationError) as refused:
        _record(session, clock, evidence.id)
    assert refused.value.field == "reviewer"
    assert [s.username for s in reviewer_choices(session, "alice")] == []
