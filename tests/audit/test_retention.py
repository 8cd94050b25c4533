"""Retention floor, legal holds and purges of whole closed months, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from brokerguard.audit import retention, service
from brokerguard.audit.settings import AuditSettings
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from tests.audit.helpers import fill, settings_for, tamper, verify


@pytest.fixture
def old_log(engine: Engine, tmp_path: Path) -> tuple[Settings, FixedClock]:
    """Three months of 2020 (Jan, Feb, Mar), then one event in 2026."""
    clock = FixedClock(datetime(2020, 1, 15, tzinfo=UTC))
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [4, 3])  # 2020-01: two batches
    clock.set(datetime(2020, 2, 10, tzinfo=UTC))
    fill(engine, clock, settings, [5])
    clock.set(datetime(2020, 3, 10, tzinfo=UTC))
    fill(engine, clock, settings, [2])
    clock.set(datetime(2026, 11, 1, tzinfo=UTC))
    fill(engine, clock, settings, [1])
    return settings, clock


def _purge(
    engine: Engine, settings: Settings, clock: FixedClock, **kw: object
) -> list[dict[str, object]]:
    with Session(engine) as session:
        done = retention.purge(
            session,
            clock,
            AuditSettings(**kw),  # type: ignore[arg-type]
            service.signer(settings).verifier,
            purged_by="compliance-officer",
        )
        session.commit()
    service.seal_and_commit(_factory(engine), clock, settings)
    return done


def _factory(engine: Engine):  # type: ignore[no-untyped-def]
    from brokerguard.db.engine import session_factory

    return session_factory(engine)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def test_retention_below_five_years_is_refused() -> None:
    with pytest.raises(PydanticValidationError, match="at least 5"):
        AuditSettings(retention_years=4)
    assert AuditSettings(retention_years=7).retention_years == 7


def test_nothing_younger_than_five_years_is_purged(
    engine: Engine, old_log: tuple[Settings, FixedClock]
) -> None:
    settings, clock = old_log
    clock.set(datetime(2025, 2, 1, tzinfo=UTC) - timedelta(microseconds=1))
    assert _purge(engine, settings, clock) == []
    assert _count(engine) == 15


def test_purge_removes_whole_old_months_and_the_rest_still_verifies(
    engine: Engine, old_log: tuple[Settings, FixedClock]
) -> None:
    settings, clock = old_log
    clock.set(datetime(2025, 3, 1, tzinfo=UTC))  # Jan and Feb 2020 are 5 years old
    done = _purge(engine, settings, clock)
    assert [d["period"] for d in done] == ["2020-01", "2020-02"]
    assert [d["events_removed"] for d in done] == [7, 5]
    assert _count(engine) == 15 - 12 + 2  # plus the two audited purge events
    with engine.connect() as conn:
        heads = conn.execute(text("SELECT count(*) FROM audit_tree_heads")).scalar_one()
        functions = conn.execute(
            text("SELECT function FROM audit_events ORDER BY seq DESC LIMIT 2")
        ).scalars()
        assert set(functions) == {"brokerguard.audit.purge"}
    assert heads == 6  # every head kept, plus the head sealing the purge events
    report = verify(engine, settings)
    assert report.ok, report.message


def test_longer_retention_keeps_more(engine: Engine, old_log: tuple[Settings, FixedClock]) -> None:
    settings, clock = old_log
    clock.set(datetime(2025, 3, 1, tzinfo=UTC))
    assert _purge(engine, settings, clock, retention_years=6) == []


def test_legal_hold_blocks_purge_until_released(
    engine: Engine, old_log: tuple[Settings, FixedClock]
) -> None:
    settings, clock = old_log
    clock.set(datetime(2025, 3, 1, tzinfo=UTC))
    with Session(engine) as session:
        hold = retention.add_hold(
            session,
            clock,
            period_from="2020-02",
            period_to="2020-02",
            reason="FSC investigation 114-0042",
            created_by="legal",
        )
        session.commit()
        hold_id = hold.id
    done = _purge(engine, settings, clock)
    assert [d["period"] for d in done] == ["2020-01"]
    assert verify(engine, settings).ok
    with Session(engine) as session:
        retention.release_hold(session, clock, hold_id, "legal")
        session.commit()
    assert [d["period"] for d in _purge(engine, settings, clock)] == ["2020-02"]
    assert verify(engine, settings).ok


def test_forged_purge_record_is_detected(
    engine: Engine, old_log: tuple[Settings, FixedClock]
) -> None:
    settings, _ = old_log
    tamper(
        engine,
        "DELETE FROM audit_events WHERE seq < 7",
        "INSERT INTO audit_purges (period, purged_at, purged_by, first_seq, end_seq, "
        "events_removed) VALUES ('2020-01', '2025-03-01 00:00:00', 'x', 0, 7, 7)",
    )
    report = verify(engine, settings)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 0, "deleted")


def test_purge_refuses_a_tampered_month(
    engine: Engine, old_log: tuple[Settings, FixedClock]
) -> None:
    settings, clock = old_log
    tamper(engine, "UPDATE audit_events SET account = 'x' WHERE seq = 2")
    clock.set(datetime(2025, 3, 1, tzinfo=UTC))
    from brokerguard.errors import ConflictError

    with pytest.raises(ConflictError, match="does not verify"):
        _purge(engine, settings, clock)
    assert _count(engine) == 15


@pytest.mark.parametrize("bad", ["2020", "2020-13", "", "20-01", "2020-1", "x" * 100])
def test_malformed_hold_periods_are_refused(engine: Engine, bad: str) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    with Session(engine) as session, pytest.raises(ValidationError):
        retention.add_hold(
            session, clock, period_from=bad, period_to="2020-01", reason="r", created_by="x"
        )


def test_hold_needs_a_reason_and_order(engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    with Session(engine) as session:
        with pytest.raises(ValidationError, match="reason"):
            retention.add_hold(
                session,
                clock,
                period_from="2020-01",
                period_to="2020-01",
                reason=" ",
                created_by="x",
            )
        with pytest.raises(ValidationError, match="after"):
            retention.add_hold(
                session,
                clock,
                period_from="2020-03",
                period_to="2020-01",
                reason="r",
                created_by="x",
            )


def test_postgres_purge_drops_the_empty_month_partition(
    engine: Engine, old_log: tuple[Settings, FixedClock]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    settings, clock = old_log
    clock.set(datetime(2025, 2, 15, tzinfo=UTC))
    assert [d["period"] for d in _purge(engine, settings, clock)] == ["2020-01"]
    with engine.connect() as conn:
        names = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'audit_partitions'")
            ).scalars()
        )
    assert "audit_events_2020_01" not in names
    assert {"audit_events_2020_02", "audit_events_2020_03"} <= names
    assert verify(engine, settings).ok
