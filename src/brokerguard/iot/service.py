"""IoT register (Art. 7): assets, vendors, assessments and exceptions.

Rules enforced here: asset tags are unique; an assessment of a device with
management functions records the A7.1.2 and A7.1.3 controls, while a sensor
without them (A7.1.7) may leave those empty; an exception is approved by
someone other than its requester (A7.1.6) and runs to an expiry date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, today
from brokerguard.config import get_settings
from brokerguard.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from brokerguard.iot.models import IotAssessment, IotAsset, IotException, IotVendor
from brokerguard.iot.schemas import (
    AssessmentIn,
    AssessmentRecord,
    AssetIn,
    AssetRecord,
    AssetStatus,
    DeviceType,
    ExceptionIn,
    ExceptionRecord,
    ExceptionStatus,
    VendorIn,
    VendorRecord,
)
from brokerguard.iot.settings import IotSettings
from brokerguard.registerkit.model_rows import insert_new_rows

# --- assets -------------------------------------------------------------------------------


def _asset(session: Session, asset_id: str) -> IotAsset:
    row = session.get(IotAsset, asset_id)
    if row is None:
        raise NotFoundError(f"no IoT asset with id {asset_id}", field="asset_id")
    return row


def _asset_by_tag(session: Session, asset_tag: str) -> IotAsset:
    row = session.scalar(select(IotAsset).where(IotAsset.asset_tag == asset_tag))
    if row is None:
        raise NotFoundError(f"no IoT asset with tag {asset_tag!r}", field="asset_tag")
    return row


def get_asset(session: Session, asset_id: str) -> AssetRecord:
    return AssetRecord.model_validate(_asset(session, asset_id))


def get_asset_by_tag(session: Session, asset_tag: str) -> AssetRecord:
    return AssetRecord.model_validate(_asset_by_tag(session, asset_tag))


def list_assets(
    session: Session, *, status: AssetStatus | None = None, device_type: DeviceType | None = None
) -> list[AssetRecord]:
    query = select(IotAsset).order_by(IotAsset.asset_tag)
    if status is not None:
        query = query.where(IotAsset.status == status.value)
    if device_type is not None:
        query = query.where(IotAsset.device_type == device_type.value)
    return [AssetRecord.model_validate(r) for r in session.scalars(query)]


def _asset_values(data: AssetIn) -> dict[str, object]:
    values = data.model_dump()
    values["device_type"] = data.device_type.value
    values["status"] = data.status.value
    return values


def create_asset(session: Session, clock: Clock, data: AssetIn, *, actor: str) -> AssetRecord:
    if session.scalar(select(IotAsset.id).where(IotAsset.asset_tag == data.asset_tag)):
        raise ConflictError(
            f"asset tag {data.asset_tag!r} is already registered", field="asset_tag"
        )
    now = clock.now()
    row = IotAsset(**_asset_values(data), created_by=actor, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return AssetRecord.model_validate(row)


def add_assets(session: Session, clock: Clock, items: Sequence[AssetIn], *, actor: str) -> None:
    """Bulk insert (imports): the caller has checked the tags are new."""
    values = [_asset_values(d) for d in items]
    insert_new_rows(session, IotAsset, values, actor=actor, now=clock.now())


def update_asset(session: Session, clock: Clock, asset_id: str, data: AssetIn) -> AssetRecord:
    row = _asset(session, asset_id)
    if data.asset_tag != row.asset_tag and session.scalar(
        select(IotAsset.id).where(IotAsset.asset_tag == data.asset_tag)
    ):
        raise ConflictError(
            f"asset tag {data.asset_tag!r} is already registered", field="asset_tag"
        )
    for key, value in _asset_values(data).items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    session.flush()
    return AssetRecord.model_validate(row)


# --- vendors (A7.1.5) -----------------------------------------------------------------------


def _vendor(session: Session, vendor_id: str) -> IotVendor:
    row = session.get(IotVendor, vendor_id)
    if row is None:
        raise NotFoundError(f"no vendor with id {vendor_id}", field="vendor_id")
    return row


def get_vendor(session: Session, vendor_id: str) -> VendorRecord:
    return VendorRecord.model_validate(_vendor(session, vendor_id))


def list_vendors(session: Session) -> list[VendorRecord]:
    return [
        VendorRecord.model_validate(r)
        for r in session.scalars(select(IotVendor).order_by(IotVendor.name))
    ]


def create_vendor(session: Session, clock: Clock, data: VendorIn) -> VendorRecord:
    if session.scalar(select(IotVendor.id).where(IotVendor.name == data.name)):
        raise ConflictError(f"vendor {data.name!r} is already registered", field="name")
    now = clock.now()
    row = IotVendor(**data.model_dump(), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return VendorRecord.model_validate(row)


def update_vendor(session: Session, clock: Clock, vendor_id: str, data: VendorIn) -> VendorRecord:
    row = _vendor(session, vendor_id)
    if data.name != row.name and session.scalar(
        select(IotVendor.id).where(IotVendor.name == data.name)
    ):
        raise ConflictError(f"vendor {data.name!r} is already registered", field="name")
    for key, value in data.model_dump().items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    session.flush()
    return VendorRecord.model_validate(row)


# --- assessments (A7.1.1-A7.1.4, A7.1.7, A7.2) ---------------------------------------------


def prepare_assessment(
    session: Session, clock: Clock, data: AssessmentIn, *, settings: IotSettings | None = None
) -> IotAssessment:
    """Check an assessment against the rules and build its row (not yet added)."""
    config = settings or get_settings().iot
    asset = _asset_by_tag(session, data.asset_tag)
    record = AssetRecord.model_validate(asset)
    day = today(clock)
    if data.assessed_on > day:
        raise ValidationError("the assessment date is in the future", field="assessed_on")
    if not record.reduced_scope:
        for name in ("default_credentials_changed", "firmware_current", "permissions_restricted"):
            if getattr(data, name) is None:
                raise ValidationError(
                    f"{name} must be assessed for a device with management functions "
                    "(only sensors without them follow the reduced scope of A7.1.7)",
                    field=name,
                )
    next_due = data.next_due or data.assessed_on + timedelta(days=config.reassess_days)
    if next_due <= data.assessed_on:
        raise ValidationError("the next assessment must come after this one", field="next_due")
    values = data.model_dump(exclude={"asset_tag", "next_due"})
    if record.reduced_scope:
        values.update(
            default_credentials_changed=None, firmware_current=None, permissions_restricted=None
        )
    return IotAssessment(asset_id=asset.id, next_due=next_due, created_at=clock.now(), **values)


def record_assessment(
    session: Session, clock: Clock, data: AssessmentIn, *, settings: IotSettings | None = None
) -> AssessmentRecord:
    """Record an assessment; its next due date defaults to ``reassess_days`` later (A7.2)."""
    row = prepare_assessment(session, clock, data, settings=settings)
    session.add(row)
    session.flush()
    return AssessmentRecord.model_validate(row)


def list_assessments(session: Session, asset_id: str | None = None) -> list[AssessmentRecord]:
    query = select(IotAssessment).order_by(
        IotAssessment.assessed_on.desc(), IotAssessment.created_at.desc()
    )
    if asset_id is not None:
        query = query.where(IotAssessment.asset_id == asset_id)
    return [AssessmentRecord.model_validate(r) for r in session.scalars(query)]


def latest_assessments(session: Session) -> dict[str, AssessmentRecord]:
    """The most recent assessment of every asset that has one."""
    latest: dict[str, AssessmentRecord] = {}
    for record in reversed(list_assessments(session)):
        latest[record.asset_id] = record
    return latest


# --- exceptions (A7.1.6) --------------------------------------------------------------------


def _exception(session: Session, exception_id: str) -> IotException:
    row = session.get(IotException, exception_id)
    if row is None:
        raise NotFoundError(f"no exception with id {exception_id}", field="exception_id")
    return row


def request_exception(
    session: Session,
    clock: Clock,
    data: ExceptionIn,
    *,
    requested_by: str,
    settings: IotSettings | None = None,
) -> ExceptionRecord:
    config = settings or get_settings().iot
    asset = _asset_by_tag(session, data.asset_tag)
    day = today(clock)
    if data.expires_on <= day:
        raise ValidationError("the expiry date must be in the future", field="expires_on")
    if (data.expires_on - day).days > config.max_exception_days:
        raise ValidationError(
            f"an exception may run at most {config.max_exception_days} days", field="expires_on"
        )
    if not requested_by.strip():
        raise ValidationError("the requester is required", field="requested_by")
    row = IotException(
        asset_id=asset.id,
        control=data.control,
        reason=data.reason,
        compensating_controls=data.compensating_controls,
        requested_by=requested_by,
        status=ExceptionStatus.requested.value,
        expires_on=data.expires_on,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return ExceptionRecord.model_validate(row)


def decide_exception(
    session: Session, clock: Clock, exception_id: str, *, approver: str, approve: bool
) -> ExceptionRecord:
    """Approve or reject a requested exception; nobody decides their own request."""
    row = _exception(session, exception_id)
    if row.status != ExceptionStatus.requested.value:
        raise ConflictError(f"the exception is already {row.status}", field="status")
    if not approver.strip():
        raise ValidationError("the approver is required", field="approver")
    if approver.strip().lower() == row.requested_by.strip().lower():
        raise PermissionDeniedError(
            "the requester cannot approve their own exception", code="self_approval"
        )
    row.status = (ExceptionStatus.approved if approve else ExceptionStatus.rejected).value
    row.approver = approver.strip()
    row.decided_at = clock.now()
    session.flush()
    return ExceptionRecord.model_validate(row)


def close_exception(session: Session, exception_id: str) -> ExceptionRecord:
    """The device was fixed or retired: the exception no longer applies."""
    row = _exception(session, exception_id)
    if row.status == ExceptionStatus.closed.value:
        raise ConflictError("the exception is already closed", field="status")
    row.status = ExceptionStatus.closed.value
    session.flush()
    return ExceptionRecord.model_validate(row)


def get_exception(session: Session, exception_id: str) -> ExceptionRecord:
    return ExceptionRecord.model_validate(_exception(session, exception_id))


def list_exceptions(session: Session) -> list[ExceptionRecord]:
    rows = session.scalars(select(IotException).order_by(IotException.expires_on))
    return [ExceptionRecord.model_validate(r) for r in rows]


def with_asset_tags(
    session: Session, records: Sequence[AssessmentRecord | ExceptionRecord]
) -> list[dict[str, Any]]:
    """Assessments or exceptions as rows that also show their device's ``asset_tag``
    (the register's tables and pages name a device by its tag, not its id)."""
    tags = {a.id: a.asset_tag for a in list_assets(session)}
    return [{**r.model_dump(), "asset_tag": tags.get(r.asset_id, r.asset_id)} for r in records]
