"""The insider purge (A9.9): a database writer without the signing key tries to erase a
month younger than the five-year floor, on SQLite and PostgreSQL.

The database refuses the delete whatever the permit table says; when the guards are
bypassed (a superuser), ``verify`` still fails because the purge record was signed
before the floor. Unsealed records are reported with their age and fail the check.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.audit import checks, retention, service
from brokerguard.audit.settings import AuditSettings
from brokerguard.audit.verify import PURGE_FUNCTION
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from tests.audit.helpers import fill, make_event, settings_for, tamper, verify

INSIDER_DELETE = (
    "INSERT INTO audit_purge_permits (period) VALUES (:period)",
    "DELETE FROM audit_events WHERE seq >= 0 AND seq < 5",
    "DELETE FROM audit_purge_permits WHERE period = :period",
    "DELETE FROM audit_event_ids WHERE seq >= 0 AND seq < 5",
)


def _now() -> datetime:
    """The database's guard uses the server clock, so these records are really recent."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def recent_log(engine: Engine, tmp_path: Path) -> tuple[Settings, FixedClock]:
    clock = FixedClock(_now() - timedelta(minutes=5))
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [5, 3])
    return settings, clock


def _period(clock: FixedClock) -> str:
    return clock.now().strftime("%Y-%m")


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def _forge_purge_record(engine: Engine, settings: Settings, clock: FixedClock) -> None:
    """What the insider writes next, with the project's own code (no key needed)."""
    with Session(engine) as session:
        session.execute(
            text(
                "INSERT INTO audit_purges (period, purged_at, purged_by, first_seq, end_seq, "
                "events_removed) VALUES (:period, :at, 'dba', 0, 5, 5)"
            ),
            {"period": _period(clock), "at": clock.now().replace(tzinfo=None)},
        )
        service.record_internal(
            session,
            clock,
            account="dba",
            function=PURGE_FUNCTION,
            query=f"purge {_period(clock)}: records [0, 5)",
            attributes={"period": _period(clock), "first_seq": 0, "end_seq": 5},
        )
        session.commit()


def test_database_refuses_deleting_a_young_month_even_with_a_permit(
    engine: Engine, recent_log: tuple[Settings, FixedClock]
) -> None:
    _, clock = recent_log
    with (
        engine.connect() as conn,
        pytest.raises(DBAPIError, match="retention floor"),
        conn.begin(),
    ):
        for statement in INSIDER_DELETE:
            conn.execute(text(statement), {"period": _period(clock)})
    assert _count(engine) == 8


def test_database_refuses_a_young_month_through_the_purge_code_path(
    engine: Engine, recent_log: tuple[Settings, FixedClock]
) -> None:
    """The purge itself, fooled by a clock six years ahead, still cannot delete."""
    settings, _ = recent_log
    fill(engine, FixedClock(_now() + timedelta(days=40)), settings, [1])  # a later month
    ahead = FixedClock(_now() + timedelta(days=6 * 366))
    with Session(engine) as session, pytest.raises(DBAPIError, match="retention floor"):
        retention.purge(
            session,
            ahead,
            AuditSettings(),
            service.signer(settings).verifier,
            purged_by="dba",
        )
    assert _count(engine) == 9


def test_verify_fails_an_insider_purge_that_bypassed_the_guards(
    engine: Engine, recent_log: tuple[Settings, FixedClock]
) -> None:
    """A superuser switches the triggers off; the regular seal signs the forged record."""
    settings, clock = recent_log
    tamper(engine, *INSIDER_DELETE, params={"period": _period(clock)})
    assert _count(engine) == 3
    _forge_purge_record(engine, settings, clock)
    service.seal_and_commit(session_factory(engine), clock, settings)
    report = verify(engine, settings)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 0, "purged_early")
    assert "5-year retention floor" in report.message
    with Session(engine) as session:
        assert checks.trail_verifies(CheckContext(session, settings, clock)).status is (
            Status.failed
        )


def test_verify_fails_a_purge_whose_record_is_not_yet_signed(
    engine: Engine, tmp_path: Path
) -> None:
    """Even an old month: the purge record must sit under a head signed after the gap."""
    clock = FixedClock(datetime(2019, 1, 10, tzinfo=UTC))
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [5])
    clock.set(datetime(2019, 2, 10, tzinfo=UTC))
    fill(engine, clock, settings, [3])
    clock.set(datetime(2025, 6, 1, tzinfo=UTC))
    tamper(engine, *INSIDER_DELETE, params={"period": "2019-01"})
    _forge_purge_record(engine, settings, clock)
    report = verify(engine, settings)
    assert (report.ok, report.problem) == (False, "purged_early")
    assert "not under a signed tree head" in report.message
    service.seal_and_commit(session_factory(engine), clock, settings)  # signed 2025-06
    assert verify(engine, settings).ok


def test_retention_check_proves_the_database_guards(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    settings = settings_for(engine, tmp_path / "var")
    with Session(engine) as session:
        assert retention.missing_guards(session) == []
        result = checks.retention_five_years(CheckContext(session, settings, clock))
    assert result.status is Status.passed
    assert "database triggers" in result.reason_en
    drop = "DROP TRIGGER audit_events_no_delete_within_floor"
    if engine.dialect.name == "postgresql":
        drop += " ON audit_events"
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(text(drop))  # DDL is transactional on both: rolled back below
        with Session(bind=conn) as session:
            assert retention.missing_guards(session) == ["audit_events_no_delete_within_floor"]
            result = checks.retention_five_years(CheckContext(session, settings, clock))
        transaction.rollback()
    assert result.status is Status.failed
    assert "audit_events_no_delete_within_floor" in result.reason_en


def test_verify_reports_the_unsealed_tail_and_its_age(
    engine: Engine, recent_log: tuple[Settings, FixedClock]
) -> None:
    settings, clock = recent_log
    with Session(engine) as session:
        service.append(session, clock, [make_event(50, clock.now()), make_event(51, clock.now())])
        session.commit()
    written = clock.now()
    clock.advance(timedelta(minutes=9))
    with Session(engine) as session:
        report = service.verify(session, settings, now=clock.now())
        assert report.ok
        assert (report.unsealed_events, report.unsealed_since) == (2, written)
        assert report.unsealed_age_s == 9 * 60
        ctx = CheckContext(session, settings, clock)
        assert checks.trail_verifies(ctx).status is Status.passed
        clock.advance(timedelta(minutes=2))  # 11 minutes: beyond the default 10
        result = checks.trail_verifies(ctx)
    assert result.status is Status.failed
    assert result.details["unsealed_events"] == 2
    assert "unsealed for 660 s" in result.reason_en


def test_unsealed_limit_is_a_setting(
    engine: Engine, recent_log: tuple[Settings, FixedClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, clock = recent_log
    with Session(engine) as session:
        service.append(session, clock, [make_event(60, clock.now())])
        session.commit()
    clock.advance(timedelta(minutes=11))
    with Session(engine) as session:
        assert checks.trail_verifies(CheckContext(session, settings, clock)).status is (
            Status.failed
        )
    monkeypatch.setenv("BROKERGUARD_AUDIT_MAX_UNSEALED_S", "3600")
    patient = Settings(database_url=settings.database_url, data_dir=settings.data_dir)
    assert patient.audit.max_unsealed_s == 3600
    with Session(engine) as session:
        assert checks.trail_verifies(CheckContext(session, patient, clock)).status is (
            Status.passed
        )
