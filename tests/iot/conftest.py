from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.iot import service
from brokerguard.iot.schemas import AssessmentIn, AssetIn, AssetRecord, VendorIn

TODAY = date(2026, 11, 26)


def add_asset(
    session: Session, clock: FixedClock, tag: str = "DVR-01", **fields: object
) -> AssetRecord:
    data: dict[str, object] = {
        "asset_tag": tag,
        "name": "大廳監視器 DVR",
        "device_type": "dvr",
        "location": "1F 大廳",
        "network_segment": "VLAN 30 IoT",
        "administrator": "總務部 王小明",
        "vendor": "海康威視代理商",
        "security_label": True,
    }
    data.update(fields)
    return service.create_asset(session, clock, AssetIn.model_validate(data), actor="sec")


def assess(session: Session, clock: FixedClock, tag: str = "DVR-01", **fields: object) -> None:
    data: dict[str, object] = {
        "asset_tag": tag,
        "assessed_on": date(2026, 6, 1),
        "assessor": "資安專責 林",
        "default_credentials_changed": True,
        "firmware_current": True,
        "permissions_restricted": True,
        "network_isolated": True,
        "remote_access_controlled": True,
    }
    data.update(fields)
    service.record_assessment(session, clock, AssessmentIn.model_validate(data))


def add_vendor(
    session: Session, clock: FixedClock, name: str = "海康威視代理商", **f: object
) -> None:
    data: dict[str, object] = {
        "name": name,
        "security_clauses": True,
        "support_end": date(2029, 12, 31),
    }
    data.update(f)
    service.create_vendor(session, clock, VendorIn.model_validate(data))
