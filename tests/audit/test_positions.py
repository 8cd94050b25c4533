"""Dates to sequence numbers: the first record at or after a time, gaps included."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.audit import service
from brokerguard.clock import FixedClock
from tests.audit.helpers import fill, settings_for, tamper


def test_first_seq_at_each_boundary(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    start = clock.now()
    fill(engine, clock, settings_for(engine, tmp_path), [3, 1, 2], step=timedelta(hours=1))
    with Session(engine) as session:
        at = [service.first_seq_at(session, start + timedelta(hours=h)) for h in range(4)]
        assert at == [0, 3, 4, 6]
        assert service.first_seq_at(session, start - timedelta(days=1)) == 0
        assert service.first_seq_at(session, start + timedelta(minutes=1)) == 3
    tamper(engine, "DELETE FROM audit_events WHERE seq IN (3, 4)")  # a gap, as a purge leaves
    with Session(engine) as session:
        assert service.first_seq_at(session, start + timedelta(hours=1)) == 5


def test_first_seq_at_on_an_empty_log(engine: Engine, clock: FixedClock) -> None:
    with Session(engine) as session:
        assert service.first_seq_at(session, clock.now()) == 0
