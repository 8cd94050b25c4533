"""The demo loaders produce a verifiable trail, alerts and reports."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.audit import demo as audit_demo
from brokerguard.audit import service
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.demodata import DemoContext
from brokerguard.detect import demo as detect_demo
from brokerguard.detect import service as detect_service
from brokerguard.kernel.audit import MemoryAuditSink


def test_demo_loaders(sqlite_engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    settings = Settings(
        database_url=sqlite_engine.url.render_as_string(False), data_dir=tmp_path / "var"
    )
    with Session(sqlite_engine) as session:
        ctx = DemoContext(session, settings, clock, random.Random(5), MemoryAuditSink())
        audit_demo.load_demo(ctx)
        detect_demo.load_demo(ctx)
        session.commit()
        report = service.verify(session, settings)
        assert report.ok, report.message
        rules = {a.rule_id for a in detect_service.list_alerts(session)}
        assert {"login.brute_force", "login.credential_stuffing", "login.new_country"} <= rules
        assert len(ctx.notes) == 2
