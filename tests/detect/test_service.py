"""Detection over the stored trail: runs, cursor, alert workflow, reports as evidence, checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.audit import service as audit_service
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.detect import checks, reports, service
from brokerguard.detect.settings import DetectSettings
from brokerguard.detect.traces import attack_traces, normal_day
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.kernel.audit import AuditEvent

DAY = datetime(2026, 11, 25, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "var"
    )


def _store(session: Session, clock: FixedClock, events: list[AuditEvent]) -> None:
    result = audit_service.append(session, clock, events)
    assert result.accepted == len(events), result.rejected[:3]
    session.flush()


def _settings() -> DetectSettings:
    return DetectSettings(never_login_accounts=["svc-batch"])


def test_attacks_in_the_trail_raise_alerts_and_a_normal_day_does_not(
    session: Session, clock: FixedClock
) -> None:
    _store(session, clock, normal_day(DAY, customers=120))
    summary = service.run_detection(session, clock, _settings())
    assert summary.events_seen > 200
    assert summary.alerts_raised == 0
    traces = attack_traces(DAY)
    _store(session, clock, traces["login.brute_force"] + traces["login.password_spraying"])
    second = service.run_detection(session, clock, _settings())
    assert second.from_seq == summary.to_seq + 1
    alerts = service.list_alerts(session)
    assert {(a.rule_id, a.group_key) for a in alerts} == {
        ("login.brute_force", "A100001"),
        ("login.password_spraying", "185.220.1.9"),
    }
    assert all(a.status == "new" for a in alerts)


def test_a_burst_split_across_two_runs_is_seen_once(session: Session, clock: FixedClock) -> None:
    burst = attack_traces(DAY)["login.brute_force"]
    _store(session, clock, burst[:6])
    assert service.run_detection(session, clock, _settings()).alerts_raised == 0
    _store(session, clock, burst[6:9])
    assert service.run_detection(session, clock, _settings()).alerts_raised == 1
    _store(session, clock, burst[9:])
    third = service.run_detection(session, clock, _settings())
    assert (third.alerts_raised, third.alerts_updated) == (0, 1)
    (alert,) = service.list_alerts(session)
    assert alert.event_count == 12


def test_new_device_is_remembered_between_runs(session: Session, clock: FixedClock) -> None:
    trace = attack_traces(DAY)["login.new_device"]
    _store(session, clock, trace[:1])
    service.run_detection(session, clock, _settings())
    _store(session, clock, trace[1:])
    service.run_detection(session, clock, _settings())
    (alert,) = service.list_alerts(session)
    assert alert.rule_id == "login.new_device"
    assert json.loads(alert.details)["value"] == "dev-evil"


def test_non_customer_lists_are_configurable(session: Session, clock: FixedClock) -> None:
    _store(session, clock, attack_traces(DAY)["login.non_customer_account"][:1])
    service.run_detection(session, clock, DetectSettings())
    assert service.list_alerts(session) == []  # svc-batch not listed: a known account
    fresh = FixedClock(NOW)
    _store(session, fresh, attack_traces(DAY + timedelta(days=1))["login.non_customer_account"][:1])
    service.run_detection(session, fresh, _settings())
    assert [a.group_key for a in service.list_alerts(session)] == ["svc-batch"]


def test_alert_workflow(session: Session, clock: FixedClock) -> None:
    _store(session, clock, attack_traces(DAY)["login.brute_force"])
    service.run_detection(session, clock, _settings())
    (alert,) = service.list_alerts(session, status="new")
    with pytest.raises(ValidationError, match="reason"):
        service.close(session, clock, alert.id, "analyst", "because")
    service.triage(session, clock, alert.id, "analyst", "calling the customer")
    with pytest.raises(ValidationError, match="only new"):
        service.triage(session, clock, alert.id, "analyst")
    service.close(session, clock, alert.id, "analyst", "resolved", "customer reset password")
    closed = service.list_alerts(session, status="closed")
    assert [a.close_reason for a in closed] == ["resolved"]
    with pytest.raises(ValidationError, match="already closed"):
        service.close(session, clock, alert.id, "analyst", "resolved")
    with pytest.raises(NotFoundError):
        service.triage(session, clock, "nope", "analyst")
    with pytest.raises(ValidationError):
        service.list_alerts(session, status="bogus")


def _run_check(fn: object, session: Session, settings: Settings, clock: FixedClock) -> Status:
    result = fn(CheckContext(session, settings, clock))  # type: ignore[operator]
    return result.status  # type: ignore[no-any-return]


def test_checks_fail_without_monitoring_and_with_late_alerts(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    assert _run_check(checks.monitoring_ran, session, settings, clock) is Status.failed
    _store(session, clock, attack_traces(DAY)["login.brute_force"])
    service.run_detection(session, clock, _settings())
    assert _run_check(checks.monitoring_ran, session, settings, clock) is Status.passed
    assert _run_check(checks.alerts_triaged, session, settings, clock) is Status.passed
    clock.advance(timedelta(hours=25))
    assert _run_check(checks.alerts_triaged, session, settings, clock) is Status.failed
    assert _run_check(checks.monitoring_ran, session, settings, clock) is Status.failed
    (alert,) = service.list_alerts(session)
    service.triage(session, clock, alert.id, "analyst")
    assert _run_check(checks.alerts_triaged, session, settings, clock) is Status.passed


def test_daily_and_monthly_reports_are_kept_as_evidence(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    from brokerguard.evidence.service import evidence_content, evidence_for

    traces = attack_traces(DAY)
    _store(session, clock, normal_day(DAY, customers=60) + traces["login.credential_stuffing"])
    service.run_detection(session, clock, _settings())
    assert _run_check(checks.analysis_reports, session, settings, clock) is Status.failed
    daily = reports.generate_report(session, clock, settings, kind="daily")
    assert daily.period == "2026-11-25"
    summary = json.loads(daily.summary)
    assert summary["non_customer_attempts"] == 30
    assert summary["top_sources"][0] == ["91.200.8.3", 30]
    assert summary["alerts_by_rule"]["login.credential_stuffing"] == 1
    monthly = reports.generate_report(session, clock, settings, kind="monthly", period="2026-11")
    assert json.loads(monthly.summary)["failures"] == summary["failures"]
    records = evidence_for(session, "A9.3")
    assert {r.reference for r in records} == {daily.evidence_ref, monthly.evidence_ref}
    _, page = evidence_content(session, settings, records[0].id)
    assert b"<svg" in page
    assert _run_check(checks.analysis_reports, session, settings, clock) is Status.passed


@pytest.mark.parametrize(
    ("kind", "period"),
    [
        ("daily", "2026-11"),
        ("monthly", "2026-11-01"),
        ("weekly", "2026-11"),
        ("daily", "2026-02-30"),
        ("daily", "x" * 500),
    ],
)
def test_report_periods_are_checked(
    session: Session, clock: FixedClock, settings: Settings, kind: str, period: str
) -> None:
    with pytest.raises(ValidationError):
        reports.generate_report(session, clock, settings, kind=kind, period=period)
