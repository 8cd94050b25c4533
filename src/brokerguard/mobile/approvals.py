"""Dual approval of a release (A6.3.1.4): one person from security, another from compliance."""

from __future__ import annotations

import json
from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, PermissionDeniedError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.mobile.models import MobileApproval, MobileRelease
from brokerguard.staff.roles import Role

MAX_COMMENT = 2000


class Unit(StrEnum):
    security = "security"  # 資安專責單位
    compliance = "compliance"  # 法遵單位

    @property
    def role(self) -> Role:
        return Role.security if self is Unit.security else Role.compliance

    @property
    def label_zh(self) -> str:
        return "資安專責單位" if self is Unit.security else "法遵單位"


def parse_unit(value: str) -> Unit:
    try:
        return Unit(value)
    except ValueError:
        raise ValidationError(
            f"unit must be one of {[u.value for u in Unit]}, not {value!r}", field="unit"
        ) from None


def approvals_of(session: Session, release: MobileRelease) -> dict[Unit, MobileApproval]:
    rows = session.scalars(select(MobileApproval).where(MobileApproval.release_id == release.id))
    return {Unit(r.unit): r for r in rows}


def approve_release(
    session: Session,
    clock: Clock,
    release: MobileRelease,
    *,
    unit: Unit,
    approver: str,
    approver_roles: Collection[Role],
    comment: str,
    settings: Settings | None = None,
) -> MobileApproval:
    """Record ``approver``'s approval for ``unit``.

    Refused when the approver does not belong to the unit (admin is not enough:
    the rule asks for the unit itself), when the unit has already approved, or when
    the same person already approved for the other unit. With ``settings``, the
    completed pair is also kept as an ``approval_record`` evidence file (A6.3.1.4).
    """
    if release.status != "candidate":
        raise ConflictError(
            f"release {release.version_name} is {release.status}; only candidates are approved",
            field="release",
        )
    if unit.role not in approver_roles:
        raise PermissionDeniedError(
            f"{approver} is not in the {unit.value} unit and may not approve for it"
        )
    text = (comment or "").strip()
    if not text:
        raise ValidationError("an approval needs a comment", field="comment")
    if len(text) > MAX_COMMENT:
        raise ValidationError(f"comment is longer than {MAX_COMMENT} characters", field="comment")
    existing = approvals_of(session, release)
    if unit in existing:
        raise ConflictError(
            f"{unit.value} already approved this release ({existing[unit].approver})",
            field="unit",
        )
    for other_unit, other in existing.items():
        if other.approver == approver:
            raise ConflictError(
                f"{approver} already approved for {other_unit.value}; "
                "the two approvals need two different people",
                field="approver",
            )
    row = MobileApproval(
        release_id=release.id,
        unit=unit.value,
        approver=approver,
        comment=text,
        approved_at=clock.now(),
    )
    session.add(row)
    session.flush()
    if settings is not None and dual_approval_complete(session, release):
        store_approval_record(session, clock, settings, release, actor=approver)
    return row


def store_approval_record(
    session: Session, clock: Clock, settings: Settings, release: MobileRelease, *, actor: str
) -> str:
    """Keep both approvals with the release's permissions as evidence; returns its reference."""
    found = approvals_of(session, release)
    record = {
        "release_id": release.id,
        "app_id": release.app_id,
        "version_name": release.version_name,
        "version_code": release.version_code,
        "artifact_sha256": release.artifact_sha256,
        "permissions": release.permissions,
        "approvals": [
            {
                "unit": unit.value,
                "approver": a.approver,
                "approved_at": a.approved_at.isoformat(),
                "comment": a.comment,
            }
            for unit, a in sorted(found.items())
        ],
    }
    content = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True).encode()
    stored = store_evidence(
        session,
        clock,
        settings,
        content=content,
        filename=f"approval-{release.version_name}-{release.artifact_sha256[:12]}.json",
        title=f"APP 上架核准紀錄 {release.version_name}",
        requirement_ids=["A6.3.1.4"],
        kind="approval_record",
        uploaded_by=actor,
    )
    return stored.reference


def dual_approval_complete(session: Session, release: MobileRelease) -> bool:
    found = approvals_of(session, release)
    return (
        Unit.security in found
        and Unit.compliance in found
        and found[Unit.security].approver != found[Unit.compliance].approver
    )
