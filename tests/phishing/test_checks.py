"""A8.1 and A6.3.1.3 checks: recent scans, takedowns of confirmed cases, reminders on schedule."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status, load_all_checks
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.phishing import checks, reminders, service
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.scoring import Scorer
from brokerguard.phishing.settings import PhishingSettings
from tests.phishing.test_reminders import Inbox, smtp  # noqa: F401  (the loopback SMTP fixture)


def _ctx(session: Session, settings: Settings, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=settings, clock=clock)


def test_checks_are_registered_for_our_requirements() -> None:
    registry = load_all_checks()
    ids = {c.id: c.requirement_ids for c in registry.all() if c.id.startswith("phishing.")}
    assert ids == {
        "phishing.site_scans_recent": ("A8.1",),
        "phishing.app_scans_recent": ("A6.3.1.3",),
        "phishing.site_takedowns": ("A8.1",),
        "phishing.app_takedowns": ("A6.3.1.3",),
        "phishing.reminders_on_schedule": ("A8.1",),
    }


def test_scan_checks(session: Session, settings: Settings, clock: FixedClock) -> None:
    ctx = _ctx(session, settings, clock)
    assert checks.site_scans_recent(ctx).status is Status.failed
    service.record_scan(
        session, clock, source="ct", started_at=clock.now(), names=10, flagged=1, rejected=0
    )
    result = checks.site_scans_recent(ctx)
    assert result.status is Status.passed and result.evidence[0].startswith("record:")
    assert checks.app_scans_recent(ctx).status is Status.failed
    clock.advance(timedelta(days=8))
    assert checks.site_scans_recent(ctx).status is Status.failed


def test_takedown_check(
    session: Session, settings: Settings, clock: FixedClock, brands: list[Brand]
) -> None:
    ctx = _ctx(session, settings, clock)
    assert checks.site_takedowns(ctx).status is Status.passed
    case = service.open_site_case(
        session, clock, Scorer(brands).check("kgi-login.top"), source="ct", actor="sec"
    )
    service.triage(session, clock, case, actor="sec", confirmed=True)
    assert checks.site_takedowns(ctx).status is Status.passed  # within 3 days
    clock.advance(timedelta(days=4))
    late = checks.site_takedowns(ctx)
    assert late.status is Status.failed and case.number in late.reason_en
    service.request_takedown(session, clock, settings, case, actor="sec", brand=brands[3])
    assert checks.site_takedowns(ctx).status is Status.passed
    assert checks.app_takedowns(ctx).status is Status.passed


def test_scan_of_zero_names_is_not_a_scan(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    """Before: a run that scanned 0 names passed the scan check."""
    ctx = _ctx(session, settings, clock)
    service.record_scan(
        session, clock, source="ct", started_at=clock.now(), names=0, flagged=0, rejected=0
    )
    result = checks.site_scans_recent(ctx)
    assert result.status is Status.failed and "at least one name" in result.reason_en
    clock.advance(timedelta(days=1))
    service.record_scan(
        session, clock, source="ct", started_at=clock.now(), names=3, flagged=0, rejected=0
    )
    service.record_scan(
        session, clock, source="ct", started_at=clock.now(), names=0, flagged=0, rejected=0
    )
    assert checks.site_scans_recent(ctx).details["names"] == 3


def _periodic(
    session: Session, settings: Settings, clock: FixedClock, channels: list[reminders.Channel]
) -> None:
    reminders.send_reminder(
        session,
        clock,
        settings,
        template="periodic",
        channels=channels,
        recipients=["customer@example.com.tw"],
        domains=["yuanta.com.tw"],
        trigger="periodic",
        actor="sec",
    )


def test_reminder_check(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    brands: list[Brand],
    smtp: tuple[Inbox, int],  # noqa: F811  (the loopback SMTP fixture, imported)
) -> None:
    ctx = _ctx(session, settings, clock)
    assert checks.reminders_on_schedule(ctx).status is Status.failed
    published = reminders.default_channels(settings, clock, PhishingSettings(), email=False)
    _periodic(session, settings, clock, published)
    banner_only = checks.reminders_on_schedule(ctx)  # before: a written banner file passed
    assert banner_only.status is Status.failed and "reached customers" in banner_only.reason_en
    inbox, port = smtp
    _periodic(session, settings, clock, [reminders.EmailChannel("127.0.0.1", port, "s@demo.tw")])
    assert len(inbox.messages) == 2  # zh-TW and English
    assert checks.reminders_on_schedule(ctx).status is Status.passed
    case = service.open_site_case(
        session, clock, Scorer(brands).check("kgi-login.top"), source="ct", actor="sec"
    )
    service.triage(session, clock, case, actor="sec", confirmed=True)  # no announcement
    missed = checks.reminders_on_schedule(ctx)
    assert missed.status is Status.failed and case.number in missed.reason_en
    clock.advance(timedelta(days=31))
    assert checks.reminders_on_schedule(ctx).status is Status.failed
