"""Mobile-device register (A6.1, A6.2), MDM imports and the compliance evaluation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import get_settings
from brokerguard.devices.models import DevicesDevice, DevicesMdmImport, DevicesMdmState
from brokerguard.devices.schemas import (
    ComplianceRow,
    DeviceIn,
    DeviceRecord,
    DeviceStatus,
    MdmRowIn,
    MdmStateRecord,
    Ownership,
    Problem,
)
from brokerguard.devices.settings import DevicesSettings
from brokerguard.errors import ConflictError, NotFoundError
from brokerguard.registerkit.model_rows import insert_new_rows


def _get(session: Session, record_id: str) -> DevicesDevice:
    row = session.get(DevicesDevice, record_id)
    if row is None:
        raise NotFoundError(f"no registered device with id {record_id}", field="id")
    return row


def get_device(session: Session, record_id: str) -> DeviceRecord:
    return DeviceRecord.model_validate(_get(session, record_id))


def list_devices(
    session: Session, *, ownership: Ownership | None = None, status: DeviceStatus | None = None
) -> list[DeviceRecord]:
    query = select(DevicesDevice).order_by(DevicesDevice.unit, DevicesDevice.holder)
    if ownership is not None:
        query = query.where(DevicesDevice.ownership == ownership.value)
    if status is not None:
        query = query.where(DevicesDevice.status == status.value)
    return [DeviceRecord.model_validate(r) for r in session.scalars(query)]


def _values(data: DeviceIn) -> dict[str, object]:
    values = data.model_dump()
    for key in ("ownership", "device_type", "os", "status"):
        values[key] = getattr(data, key).value
    return values


def register_device(session: Session, clock: Clock, data: DeviceIn, *, actor: str) -> DeviceRecord:
    if session.scalar(select(DevicesDevice.id).where(DevicesDevice.device_id == data.device_id)):
        raise ConflictError(f"device {data.device_id!r} is already registered", field="device_id")
    now = clock.now()
    row = DevicesDevice(**_values(data), created_by=actor, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return DeviceRecord.model_validate(row)


def update_device(session: Session, clock: Clock, record_id: str, data: DeviceIn) -> DeviceRecord:
    row = _get(session, record_id)
    if data.device_id != row.device_id and session.scalar(
        select(DevicesDevice.id).where(DevicesDevice.device_id == data.device_id)
    ):
        raise ConflictError(f"device {data.device_id!r} is already registered", field="device_id")
    for key, value in _values(data).items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    session.flush()
    return DeviceRecord.model_validate(row)


def add_devices(session: Session, clock: Clock, items: Sequence[DeviceIn], *, actor: str) -> None:
    """Bulk insert (imports): the caller has checked the device IDs are new."""
    values = [_values(d) for d in items]
    insert_new_rows(session, DevicesDevice, values, actor=actor, now=clock.now())


# --- MDM state ----------------------------------------------------------------------------


def store_mdm_rows(
    session: Session, clock: Clock, rows: Sequence[MdmRowIn], *, filename: str, actor: str
) -> DevicesMdmImport:
    """Upsert the MDM state of each device and record the import."""
    now = clock.now()
    record = DevicesMdmImport(
        filename=(filename or "mdm")[:255],
        imported_at=now,
        imported_by=actor,
        rows=len(rows),
        noncompliant=0,
        unregistered=0,
    )
    session.add(record)
    session.flush()
    existing = (
        {
            s.device_id: s
            for s in session.scalars(
                select(DevicesMdmState).where(
                    DevicesMdmState.device_id.in_([r.device_id for r in rows])
                )
            )
        }
        if rows
        else {}
    )
    for item in rows:
        values = item.model_dump()
        values["os"] = item.os.value
        state = existing.get(item.device_id)
        if state is None:
            state = DevicesMdmState(device_id=item.device_id)
            session.add(state)
            existing[item.device_id] = state
        for key, value in values.items():
            setattr(state, key, value)
        state.import_id = record.id
        state.imported_at = now
    session.flush()
    return record


def list_mdm_states(session: Session) -> list[MdmStateRecord]:
    rows = session.scalars(select(DevicesMdmState).order_by(DevicesMdmState.device_id))
    return [MdmStateRecord.model_validate(r) for r in rows]


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:6])


def os_outdated(os_name: str, version: str, settings: DevicesSettings) -> bool:
    minimum = settings.min_os_versions.get(os_name)
    if not minimum:
        return False
    found = version_tuple(version)
    if not found:
        return True  # an unknown version is not proof of a current one
    return found < version_tuple(minimum)


def mdm_problems(state: MdmStateRecord, settings: DevicesSettings, now: datetime) -> list[Problem]:
    problems = []
    if not state.encrypted:
        problems.append(Problem.unencrypted)
    if not state.passcode:
        problems.append(Problem.no_passcode)
    if state.compromised:
        problems.append(Problem.compromised)
    if os_outdated(state.os, state.os_version, settings):
        problems.append(Problem.os_outdated)
    if state.last_checkin is None or now - state.last_checkin > timedelta(
        days=settings.checkin_max_days
    ):
        problems.append(Problem.stale_checkin)
    return problems


def compliance(
    session: Session, clock: Clock, settings: DevicesSettings | None = None
) -> list[ComplianceRow]:
    """Every active registered device and every MDM device, with what is wrong with each."""
    config = settings or get_settings().devices
    now = clock.now()
    states = {s.device_id: s for s in list_mdm_states(session)}
    rows: list[ComplianceRow] = []
    registered = list_devices(session, status=DeviceStatus.active)
    retired = {d.device_id for d in list_devices(session, status=DeviceStatus.retired)}
    for device in registered:
        state = states.pop(device.device_id, None)
        problems: list[Problem] = []
        if device.policy_ack_on is None:
            problems.append(Problem.no_acknowledgement)
        if state is None:
            problems.append(Problem.not_in_mdm)
        else:
            problems.extend(mdm_problems(state, config, now))
        rows.append(
            ComplianceRow(
                device_id=device.device_id, registered=device, mdm=state, problems=tuple(problems)
            )
        )
    for device_id, state in sorted(states.items()):
        if device_id in retired:
            continue
        problems = mdm_problems(state, config, now)
        if state.sensitive_access:
            problems.insert(0, Problem.unregistered)
        rows.append(
            ComplianceRow(device_id=device_id, registered=None, mdm=state, problems=tuple(problems))
        )
    return rows
