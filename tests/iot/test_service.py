from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from brokerguard.iot import service
from brokerguard.iot.schemas import AssessmentIn, AssetIn, DeviceType, ExceptionIn, ExceptionStatus
from tests.iot.conftest import add_asset, assess


def test_asset_register_create_edit_and_unique_tag(session: Session, clock: FixedClock) -> None:
    record = add_asset(session, clock, mac="00-11-22-AA-BB-CC", ip_address="10.30.0.5")
    assert record.mac == "00:11:22:aa:bb:cc"
    assert record.ip_address == "10.30.0.5"
    with pytest.raises(ConflictError) as caught:
        add_asset(session, clock)
    assert caught.value.field == "asset_tag"
    changed = AssetIn.model_validate(
        {**record.model_dump(include=set(AssetIn.model_fields)), "firmware_version": "V4.1.2"}
    )
    clock.advance(__import__("datetime").timedelta(hours=1))
    updated = service.update_asset(session, clock, record.id, changed)
    assert updated.firmware_version == "V4.1.2"
    assert updated.updated_at > record.updated_at
    assert service.get_asset_by_tag(session, "DVR-01").id == record.id


def test_device_type_accepts_chinese_names() -> None:
    data = AssetIn(asset_tag="MFP-01", name="多功能事務機", device_type="多功能事務機")
    assert data.device_type is DeviceType.copier
    assert AssetIn(asset_tag="S", name="s", device_type="感測器").device_type is DeviceType.sensor


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mac", "00:11:22:33:44"),
        ("mac", "zz:11:22:33:44:55"),
        ("ip_address", "10.0.0.300"),
        ("device_type", "toaster"),
        ("asset_tag", ""),
        ("asset_tag", "x" * 65),
        ("name", "bad\x00name"),
    ],
)
def test_asset_input_refuses_bad_values(field: str, value: str) -> None:
    data = {"asset_tag": "T-1", "name": "n", "device_type": "dvr", field: value}
    with pytest.raises(PydanticValidationError) as caught:
        AssetIn.model_validate(data)
    assert field in str(caught.value)


def test_assessment_requires_controls_unless_reduced_scope_sensor(
    session: Session, clock: FixedClock
) -> None:
    add_asset(session, clock)
    add_asset(
        session,
        clock,
        "SEN-01",
        name="溫濕度感測器",
        device_type="sensor",
        management_interface=False,
    )
    with pytest.raises(ValidationError) as caught:
        assess(session, clock, firmware_current=None)
    assert caught.value.field == "firmware_current"
    assess(
        session,
        clock,
        "SEN-01",
        default_credentials_changed=None,
        firmware_current=None,
        permissions_restricted=None,
    )
    latest = service.latest_assessments(session)
    sensor = service.get_asset_by_tag(session, "SEN-01")
    assert latest[sensor.id].firmware_current is None
    assert latest[sensor.id].next_due == date(2027, 6, 1)


def test_assessment_dates_are_checked(session: Session, clock: FixedClock) -> None:
    add_asset(session, clock)
    with pytest.raises(ValidationError, match="future"):
        assess(session, clock, assessed_on=date(2027, 1, 1))
    with pytest.raises(ValidationError) as caught:
        assess(session, clock, next_due=date(2026, 5, 1))
    assert caught.value.field == "next_due"
    with pytest.raises(NotFoundError):
        assess(session, clock, "NOPE")


def _exception(session: Session, clock: FixedClock, expires: date = date(2027, 3, 1)) -> str:
    add_asset(session, clock, "PBX-01", name="總機 PBX", device_type="pbx")
    record = service.request_exception(
        session,
        clock,
        ExceptionIn(
            asset_tag="PBX-01",
            control="A7.1.2",
            reason="原廠已停止韌體更新",
            compensating_controls="獨立 VLAN、僅允許總機管理站連線",
            expires_on=expires,
        ),
        requested_by="alice",
    )
    return record.id


def test_requester_cannot_approve_own_exception(session: Session, clock: FixedClock) -> None:
    exception_id = _exception(session, clock)
    with pytest.raises(PermissionDeniedError) as caught:
        service.decide_exception(session, clock, exception_id, approver="Alice", approve=True)
    assert caught.value.code == "self_approval"
    approved = service.decide_exception(session, clock, exception_id, approver="bob", approve=True)
    assert approved.status is ExceptionStatus.approved
    assert approved.approver == "bob"
    with pytest.raises(ConflictError):
        service.decide_exception(session, clock, exception_id, approver="carol", approve=False)
    closed = service.close_exception(session, exception_id)
    assert closed.status is ExceptionStatus.closed


def test_exception_expiry_must_be_future_and_bounded(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationError) as caught:
        _exception(session, clock, expires=date(2026, 11, 26))
    assert caught.value.field == "expires_on"
    with pytest.raises(ValidationError, match="at most"):
        service.request_exception(
            session,
            clock,
            ExceptionIn(
                asset_tag="PBX-01",
                control="A7.1.3",
                reason="r",
                compensating_controls="c",
                expires_on=date(2030, 1, 1),
            ),
            requested_by="alice",
        )


def test_exception_control_must_be_known() -> None:
    with pytest.raises(PydanticValidationError):
        ExceptionIn(
            asset_tag="X",
            control="A9.1",
            reason="r",
            compensating_controls="c",
            expires_on=date(2027, 1, 1),
        )


def test_assessment_input_requires_network_controls() -> None:
    with pytest.raises(PydanticValidationError):
        AssessmentIn.model_validate(
            {"asset_tag": "X", "assessed_on": "2026-01-01", "assessor": "a"}
        )


def test_with_asset_tags_names_each_record_s_device(session: Session, clock: FixedClock) -> None:
    add_asset(session, clock, "DVR-01")
    camera = add_asset(session, clock, "CAM-02")
    assess(session, clock, "DVR-01")
    assess(session, clock, "CAM-02", assessed_on=date(2026, 7, 1))
    rows = service.with_asset_tags(session, service.list_assessments(session))
    assert [(r["asset_tag"], r["assessed_on"]) for r in rows] == [
        ("CAM-02", date(2026, 7, 1)),
        ("DVR-01", date(2026, 6, 1)),
    ]
    assert rows[0]["asset_id"] == camera.id
    assert service.with_asset_tags(session, []) == []
