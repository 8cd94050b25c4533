"""A9.9 checks: the trail verifies, is sealed in time, keeps 5 years."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.audit import checks, service
from brokerguard.clock import FixedClock
from tests.audit.helpers import fill, make_event, settings_for, tamper


def _status(fn: object, engine: Engine, tmp_path: Path, clock: FixedClock) -> Status:
    settings = settings_for(engine, tmp_path / "var")
    with Session(engine) as session:
        result = fn(CheckContext(session, settings, clock))  # type: ignore[operator]
        return result.status  # type: ignore[no-any-return]


def test_trail_checks(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    assert _status(checks.trail_verifies, engine, tmp_path, clock) is Status.failed
    assert _status(checks.sealed_recently, engine, tmp_path, clock) is Status.failed
    fill(engine, clock, settings_for(engine, tmp_path / "var"), [5, 5])
    assert _status(checks.trail_verifies, engine, tmp_path, clock) is Status.passed
    assert _status(checks.sealed_recently, engine, tmp_path, clock) is Status.passed
    assert _status(checks.retention_five_years, engine, tmp_path, clock) is Status.passed
    with Session(engine) as session:
        service.append(session, clock, [make_event(99, clock.now())])
        session.commit()
    clock.advance(timedelta(hours=30))
    assert _status(checks.sealed_recently, engine, tmp_path, clock) is Status.failed
    tamper(engine, "UPDATE audit_events SET account = 'x' WHERE seq = 3")
    assert _status(checks.trail_verifies, engine, tmp_path, clock) is Status.failed
