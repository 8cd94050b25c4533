from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.devices.models import DevicesDevice
from brokerguard.registerkit.model_rows import insert_new_rows, registered_key_errors
from brokerguard.tabular import RowError

NOW = datetime(2026, 3, 4, 1, 2, 3, tzinfo=UTC)


class Row(BaseModel):
    device_id: str


def _device(device_id: str) -> dict[str, object]:
    return {
        "device_id": device_id,
        "ownership": "company",
        "holder": "王小明",
        "unit": "資訊部",
        "device_type": "phone",
        "os": "ios",
    }


def test_insert_new_rows_stamps_each_row(session: Session) -> None:
    insert_new_rows(
        session, DevicesDevice, [_device(f"D{i:04}") for i in range(1001)], actor="cli", now=NOW
    )
    rows = session.scalars(select(DevicesDevice).order_by(DevicesDevice.device_id)).all()
    assert len(rows) == 1001
    assert len({r.id for r in rows}) == 1001
    assert {(r.created_by, r.created_at, r.updated_at) for r in rows} == {("cli", NOW, NOW)}


def test_registered_key_errors_name_the_stored_keys_only(session: Session) -> None:
    insert_new_rows(session, DevicesDevice, [_device("D-1"), _device("D-3")], actor="t", now=NOW)
    valid = [(2, Row(device_id="D-1")), (3, Row(device_id="D-2")), (4, Row(device_id="D-3"))]
    assert registered_key_errors(session, DevicesDevice.device_id, valid, "device") == [
        RowError(2, "device_id", "device 'D-1' is already registered"),
        RowError(4, "device_id", "device 'D-3' is already registered"),
    ]
    assert registered_key_errors(session, DevicesDevice.device_id, [], "device") == []
