from __future__ import annotations

import random

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.demodata import DemoContext
from brokerguard.devices import checks as device_checks
from brokerguard.devices import demo as device_demo
from brokerguard.iot import checks as iot_checks
from brokerguard.iot import demo as iot_demo
from brokerguard.iot import service
from brokerguard.kernel.audit import MemoryAuditSink


def test_demo_registers_show_passes_and_the_intended_gaps(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    ctx = DemoContext(session, settings, clock, random.Random(7), MemoryAuditSink())
    device_demo.load_demo(ctx)
    iot_demo.load_demo(ctx)
    session.commit()
    assert len(ctx.notes) == 2
    tags = {a.asset_tag for a in service.list_assets(session)}
    assert {"DVR-1F-01", "PBX-B1-01", "MFP-3F-01", "SEN-B1-01"} <= tags
    check = CheckContext(session=session, settings=settings, clock=clock)
    expected = {
        iot_checks.inventory_assessed: Status.passed,
        iot_checks.scan_unregistered: Status.passed,
        iot_checks.software_controls: Status.passed,
        iot_checks.permission_controls: Status.passed,
        iot_checks.connection_controls: Status.passed,
        iot_checks.vendor_management: Status.passed,
        iot_checks.exceptions_in_date: Status.passed,
        iot_checks.sensor_reduced_scope: Status.passed,
        iot_checks.reassessment_due: Status.failed,
        iot_checks.label_or_reason: Status.failed,
        device_checks.company_compliant: Status.passed,
        device_checks.byod_compliant: Status.failed,
        device_checks.no_unregistered_access: Status.failed,
    }
    for function, status in expected.items():
        result = function(check)
        assert result.status is status, (function.__name__, result.reason_en)
