from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.registry import (
    CheckContext,
    CheckDefinition,
    CheckResult,
    Status,
    load_all_checks,
    registry,
)
from brokerguard.assessment.service import latest_snapshot, requirement_history, run_history
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, UnknownRequirementError
from brokerguard.evidence.service import store_evidence


@pytest.fixture(autouse=True)
def temporary_checks() -> Iterator[list[str]]:
    """The engine sees only the checks a test adds (every real check is set aside)."""
    load_all_checks()  # import every domain first, so nothing registers into the test's view
    saved = dict(registry._checks)
    registry._checks.clear()
    added: list[str] = []
    yield added
    registry._checks.clear()
    registry._checks.update(saved)


def _add(
    added: list[str], check_id: str, requirement: str, result: CheckResult | Exception
) -> None:
    def function(ctx: CheckContext) -> CheckResult:
        if isinstance(result, Exception):
            raise result
        return result

    registry.register(CheckDefinition(check_id, (requirement,), "測試", "test", function))
    added.append(check_id)


def test_statuses_roll_up_and_errors_do_not_stop_the_run(
    session: Session, settings: Settings, clock: FixedClock, temporary_checks: list[str]
) -> None:
    _add(temporary_checks, "test.pass", "A9.1.1", CheckResult.passed("好", "ok"))
    _add(temporary_checks, "test.boom", "A9.1.2", RuntimeError("database on fire"))
    _add(temporary_checks, "test.fail", "A9.7", CheckResult.failed("門檻為 10", "threshold is 10"))
    snapshot = run_assessment(session, settings, clock, scope="A9")
    reqs = snapshot.requirements
    assert reqs["A9.1.1"].status is Status.passed
    assert reqs["A9.1.2"].status is Status.error
    assert (
        "database on fire"
        in next(c for c in snapshot.checks if c.check_id == "test.boom").reason_en
    )
    assert reqs["A9.1"].status is Status.error  # worst of its children
    assert reqs["A9.7"].status is Status.failed
    assert reqs["A9.5"].status is Status.manual
    assert "evidence" in reqs["A9.5"].reason_en
    assert reqs["A9.1.1"].last_passed_at == clock.now()


def test_expired_evidence_fails_a_manual_requirement(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    store_evidence(
        session,
        clock,
        settings,
        content=b"%PDF-1.4 x",
        filename="arch.pdf",
        title="架構文件",
        requirement_ids=["A9.6"],
        kind="architecture_document",
        uploaded_by="x",
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
    )
    snapshot = run_assessment(session, settings, clock, scope="A9.6")
    assert snapshot.requirements["A9.6"].status is Status.failed
    assert "expired" in snapshot.requirements["A9.6"].reason_en


def test_runs_are_stored_with_history(
    session: Session, settings: Settings, clock: FixedClock, temporary_checks: list[str]
) -> None:
    _add(temporary_checks, "test.pass2", "A9.8", CheckResult.passed("好", "ok"))
    run_assessment(session, settings, clock)
    clock.set(clock.now().replace(day=27))
    second = run_assessment(session, settings, clock)
    assert latest_snapshot(session) is not None
    assert latest_snapshot(session).run_id == second.run_id  # type: ignore[union-attr]
    assert len(run_history(session)) == 2
    assert [s for _, s in requirement_history(session, "A9.8")] == [Status.passed, Status.passed]


def test_unknown_scope_is_named(session: Session, settings: Settings, clock: FixedClock) -> None:
    with pytest.raises(UnknownRequirementError) as info:
        run_assessment(session, settings, clock, scope="A99")
    assert "A99" in info.value.message


def test_duplicate_check_ids_are_refused(temporary_checks: list[str]) -> None:
    _add(temporary_checks, "test.dup", "A9.8", CheckResult.passed("好", "ok"))
    with pytest.raises(ConflictError):
        _add(temporary_checks, "test.dup", "A9.8", CheckResult.passed("好", "ok"))


def test_evidence_not_valid_yet_neither_passes_nor_fails(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    store_evidence(
        session,
        clock,
        settings,
        content=b"%PDF-1.4 y",
        filename="plan.pdf",
        title="明年度計畫",
        requirement_ids=["A9.6"],
        kind="architecture_document",
        uploaded_by="x",
        valid_from=date(2027, 1, 1),
        valid_until=date(2027, 12, 31),
    )
    snapshot = run_assessment(session, settings, clock, scope="A9.6")
    assert snapshot.requirements["A9.6"].status is Status.manual
