"""The IoT reassessment job (A7.2): due soon is medium, overdue is high, each told once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.iot.jobs import JOBS
from tests.iot.conftest import add_asset, assess
from tests.worker.helpers import notices, run_job


def test_reassessments_due_and_overdue_are_told_once_each(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    [job] = JOBS
    today = date(2026, 11, 26)  # the clock's day in Taipei
    with session_scope(session_factory(engine)) as session:
        add_asset(session, clock, "DVR-01")
        add_asset(session, clock, "CAM-02", name="門禁攝影機")
        add_asset(session, clock, "MFP-03", name="事務機")
        assess(session, clock, "DVR-01", next_due=today + timedelta(days=10))
        assess(session, clock, "CAM-02", next_due=today - timedelta(days=1))
        assess(session, clock, "MFP-03", next_due=today + timedelta(days=200))
    assert run_job(job, settings, clock).figures == {"due": 2}
    run_job(job, settings, clock)
    told = {n.title_en: n.severity for n in notices(engine, "iot_reassessment_due")}
    assert told == {
        "IoT device reassessment due: 大廳監視器 DVR": "medium",
        "IoT device reassessment overdue: 門禁攝影機": "high",
    }
    clock.advance(timedelta(days=11))  # DVR-01 is now overdue too: told again, as overdue
    run_job(job, settings, clock)
    assert len(notices(engine, "iot_reassessment_due")) == 3
