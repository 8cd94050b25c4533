"""Phishing jobs: feed files scanned once, each new case announced once, reminders when due."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.phishing.brands import load_brands
from brokerguard.phishing.jobs import JOBS, feed_inbox
from brokerguard.phishing.models import PhishingCase, ScanRun
from brokerguard.phishing.registry import save_brands
from tests.phishing.conftest import BRANDS_FILE
from tests.worker.helpers import notices, run_job

FEEDS, CASES, REMINDERS = JOBS[:3]


def _count(engine: Engine, model: type[ScanRun] | type[PhishingCase]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_feed_file_is_scanned_once_and_each_case_announced_once(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    inbox = feed_inbox(settings.data_dir)
    inbox.mkdir(parents=True)
    (inbox / "nrd-2026-11-26.txt").write_text("yuanta-login.com\nexample.org\nyuamta.com.tw\n")
    assert run_job(FEEDS, settings, clock).summary == "no brands registered: feeds not scanned"
    with session_scope(session_factory(engine)) as session:
        save_brands(session, clock, load_brands(BRANDS_FILE))
    scanned = run_job(FEEDS, settings, clock)
    assert scanned.figures == {"files": 1, "flagged": 2}
    assert run_job(FEEDS, settings, clock).skipped  # the same file is not scanned twice
    assert (_count(engine, ScanRun), _count(engine, PhishingCase)) == (1, 2)

    assert run_job(CASES, settings, clock).figures == {"cases": 2}
    run_job(CASES, settings, clock)
    told = notices(engine, "phishing_case")
    assert sorted(n.title_en for n in told) == [
        "Suspected phishing site: yuamta.com.tw",
        "Suspected phishing site: yuanta-login.com",
    ]
    assert {n.requirement_ids for n in told} == {"A8.1"}


def test_the_periodic_reminder_goes_out_when_due_only(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    with session_scope(session_factory(engine)) as session:
        save_brands(session, clock, load_brands(BRANDS_FILE))
    sent = run_job(REMINDERS, settings, clock)
    assert not sent.skipped
    assert (settings.data_dir / "phishing").is_dir()
    assert run_job(REMINDERS, settings, clock).skipped  # within reminder_every_days
