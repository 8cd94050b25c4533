"""Fixtures of the assessment tests: a requirement whose only check answers manual."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from brokerguard.assessment.registry import (
    CheckContext,
    CheckDefinition,
    CheckResult,
    load_all_checks,
    registry,
)

#: record kind, annual review (a manual assessment holds a year at most)
REQ = "A7.2"


def add_check(check_id: str, requirement: str, result: CheckResult) -> None:
    """Register a check that always answers ``result``."""

    def function(ctx: CheckContext) -> CheckResult:
        return result

    registry.register(CheckDefinition(check_id, (requirement,), "測試", "test", function))


@pytest.fixture
def a72_checks_answer_manual() -> Iterator[None]:
    """The engine sees only the checks a test adds; A7.2's one check can only answer manual
    (every real check is set aside and put back afterwards)."""
    load_all_checks()
    saved = dict(registry._checks)
    registry._checks.clear()
    add_check("test.a72.manual", REQ, CheckResult.manual("無法自動判斷", "cannot be read here"))
    yield
    registry._checks.clear()
    registry._checks.update(saved)
