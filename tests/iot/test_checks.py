from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status, load_all_checks
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.iot import checks, scans, service
from brokerguard.iot.models import IotAssessment
from brokerguard.iot.schemas import ExceptionIn
from tests.iot.conftest import add_asset, add_vendor, assess
from tests.iot.nmap_samples import host, scan


def ctx(session: Session, settings: Settings, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=settings, clock=clock)


def test_every_article_7_requirement_but_training_has_a_check() -> None:
    bound = {
        r for c in load_all_checks().all() if c.id.startswith("iot.") for r in c.requirement_ids
    }
    expected = {
        "A7.1.1",
        "A7.1.2",
        "A7.1.3",
        "A7.1.4",
        "A7.1.5",
        "A7.1.6",
        "A7.1.7",
        "A7.2",
        "A7.3",
    }
    assert expected <= bound


def test_empty_register_fails_inventory(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    assert checks.inventory_assessed(ctx(session, settings, clock)).status is Status.failed


def test_a_compliant_firm_passes(session: Session, settings: Settings, clock: FixedClock) -> None:
    add_vendor(session, clock)
    add_asset(session, clock)
    assess(session, clock)
    c = ctx(session, settings, clock)
    for function in (
        checks.inventory_assessed,
        checks.software_controls,
        checks.permission_controls,
        checks.connection_controls,
        checks.vendor_management,
        checks.reassessment_due,
        checks.label_or_reason,
    ):
        result = function(c)
        assert result.status is Status.passed, (function.__name__, result.reason_en)
    assert checks.exceptions_in_date(c).status is Status.not_applicable
    assert checks.sensor_reduced_scope(c).status is Status.not_applicable


def test_expired_exception_turns_the_control_and_exception_checks_to_fail(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    add_vendor(session, clock)
    add_asset(session, clock, "PBX-01", name="總機 PBX", device_type="pbx")
    assess(session, clock, "PBX-01", firmware_current=False)
    c = ctx(session, settings, clock)
    assert checks.software_controls(c).status is Status.failed
    record = service.request_exception(
        session,
        clock,
        ExceptionIn(
            asset_tag="PBX-01",
            control="A7.1.2",
            reason="原廠停止更新",
            compensating_controls="獨立網段",
            expires_on=date(2027, 1, 31),
        ),
        requested_by="alice",
    )
    # requested but not approved: still failing
    assert checks.software_controls(c).status is Status.failed
    service.decide_exception(session, clock, record.id, approver="bob", approve=True)
    result = checks.software_controls(c)
    assert result.status is Status.passed and result.details["excepted"] == 1
    assert checks.exceptions_in_date(c).status is Status.passed
    clock.advance(timedelta(days=70))  # past 2027-01-31
    expired = checks.software_controls(c)
    assert expired.status is Status.failed and "expired" in expired.reason_en
    assert checks.exceptions_in_date(c).status is Status.failed
    service.close_exception(session, record.id)
    assert checks.exceptions_in_date(c).status is Status.not_applicable


def test_an_unknown_control_state_is_never_a_pass(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    """Before: A7.1.2/A7.1.3 counted an unassessed control (None) as compliant.

    The service refuses such an assessment for a managed device; the row here stands for
    one written around it (an old import, or a sensor later found to be managed)."""
    add_vendor(session, clock)
    add_asset(session, clock)
    assess(session, clock)
    session.execute(
        update(IotAssessment).values(
            default_credentials_changed=None, firmware_current=None, permissions_restricted=None
        )
    )
    session.flush()
    c = ctx(session, settings, clock)
    for function in (checks.software_controls, checks.permission_controls):
        result = function(c)
        assert result.status is Status.failed, function.__name__
        assert "not assessed" in result.reason_en
    assert checks.connection_controls(c).status is Status.passed


def test_sensor_without_management_follows_reduced_scope(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    add_vendor(session, clock)
    add_asset(
        session,
        clock,
        "SEN-01",
        name="機房溫濕度感測器",
        device_type="sensor",
        management_interface=False,
        location="B1 機房",
    )
    c = ctx(session, settings, clock)
    assert checks.sensor_reduced_scope(c).status is Status.failed  # not assessed
    assess(
        session,
        clock,
        "SEN-01",
        default_credentials_changed=None,
        firmware_current=None,
        permissions_restricted=None,
    )
    assert checks.software_controls(c).status is Status.not_applicable
    assert checks.permission_controls(c).status is Status.not_applicable
    assert checks.connection_controls(c).status is Status.passed
    assert checks.sensor_reduced_scope(c).status is Status.passed
    # a sensor that is not isolated fails its reduced scope (A7.1.4 still applies)
    assess(
        session,
        clock,
        "SEN-01",
        network_isolated=False,
        default_credentials_changed=None,
        firmware_current=None,
        permissions_restricted=None,
        assessed_on=date(2026, 7, 1),
    )
    assert checks.sensor_reduced_scope(c).status is Status.failed
    assert checks.connection_controls(c).status is Status.failed


def test_sensor_with_management_interface_is_fully_in_scope(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    add_vendor(session, clock)
    add_asset(
        session, clock, "SEN-02", name="智慧電表", device_type="sensor", management_interface=True
    )
    assess(session, clock, "SEN-02", firmware_current=False)
    assert checks.software_controls(ctx(session, settings, clock)).status is Status.failed


def test_reassessment_due(session: Session, settings: Settings, clock: FixedClock) -> None:
    add_vendor(session, clock)
    add_asset(session, clock)
    assess(session, clock, next_due=date(2026, 12, 31))
    c = ctx(session, settings, clock)
    assert checks.reassessment_due(c).status is Status.passed
    clock.advance(timedelta(days=40))
    assert checks.reassessment_due(c).status is Status.failed


def test_unlabelled_purchase_needs_a_reason(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    add_asset(session, clock, security_label=False)
    c = ctx(session, settings, clock)
    assert checks.label_or_reason(c).status is Status.failed
    add_asset(
        session,
        clock,
        "MFP-01",
        device_type="copier",
        security_label=False,
        no_label_reason="同級產品均未取得標章，已評估替代方案",
    )
    record = service.get_asset_by_tag(session, "DVR-01")
    from brokerguard.iot.schemas import AssetIn

    data = record.model_dump(include=set(AssetIn.model_fields))
    data["no_label_reason"] = "既有設備，採購時尚無標章制度"
    service.update_asset(session, clock, record.id, AssetIn.model_validate(data))
    assert checks.label_or_reason(c).status is Status.passed


def test_vendor_management(session: Session, settings: Settings, clock: FixedClock) -> None:
    add_asset(session, clock)
    c = ctx(session, settings, clock)
    assert checks.vendor_management(c).status is Status.failed  # vendor not registered
    add_vendor(session, clock, support_end=date(2026, 1, 1))
    result = checks.vendor_management(c)
    assert result.status is Status.failed and "support ended" in result.reason_en


def test_scan_finds_unregistered_devices(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    c = ctx(session, settings, clock)
    assert checks.scan_unregistered(c).status is Status.manual
    add_asset(session, clock, ip_address="10.30.0.5")
    add_asset(session, clock, "CAM-01", device_type="cctv", mac="00:11:22:33:44:55")
    content = scan(
        host("10.30.0.5"),
        host("10.30.0.9", "00:11:22:33:44:55"),  # matched by MAC
        host("10.30.0.77", "AA:BB:CC:DD:EE:FF", "Unknown"),
    )
    record = scans.import_scan(session, clock, content, filename="iot.xml", imported_by="sec")
    assert (record.hosts_up, record.unregistered) == (3, 1)
    result = checks.scan_unregistered(c)
    assert result.status is Status.failed and "10.30.0.77" in result.reason_en
    stray = scans.open_unregistered(session, record.id)[0]
    scans.dismiss_host(session, stray.id, reason="會議室訪客筆電")
    scans.dismiss_host(session, stray.id, reason="再次說明")
    assert scans.latest_scan(session).unregistered == 0  # type: ignore[union-attr]
    assert checks.scan_unregistered(c).status is Status.passed
    clock.advance(timedelta(days=92))  # before: a scan of any age passed
    stale = checks.scan_unregistered(c)
    assert stale.status is Status.failed and stale.details["scan_age_days"] == 93
