"""Testing records (A6.3.3.1-2): TAF lab tests with a yearly due date, OWASP retests."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, to_taipei
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.mobile.models import MobileApp, MobileLabTest, MobileRelease
from brokerguard.staff.roles import Role

TAF_RE = re.compile(r"^[A-Z]?\d{3,5}$")
LEVELS = ("L1", "L2", "L3")
YEAR = timedelta(days=365)


class LabTestKind(StrEnum):
    mas_baseline = "mas_baseline"  # TAF lab, 行動應用APP基本資安檢測基準
    owasp_top10 = "owasp_top10"  # OWASP Mobile Top 10 retest of a major update


class LabTestResult(StrEnum):
    passed = "pass"
    failed = "fail"
    conditional = "conditional"


@dataclass(frozen=True)
class LabTestDue:
    app: MobileApp
    last: MobileLabTest | None
    due: date | None
    overdue: bool


def _choice(enum: type[StrEnum], value: str, field: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise ValidationError(
            f"{field} must be one of {[e.value for e in enum]}, not {value!r}", field=field
        ) from None


def record_test(
    session: Session,
    clock: Clock,
    settings: Settings,
    app: MobileApp,
    *,
    kind: str,
    lab: str,
    tested_from: date,
    tested_to: date,
    report_date: date,
    result: str,
    actor: str,
    taf_accreditation_no: str = "",
    baseline_version: str = "",
    level: str = "",
    version_tested: str = "",
    release: MobileRelease | None = None,
    report_file: tuple[str, bytes] | None = None,
) -> MobileLabTest:
    """Record a test; the report file is stored as evidence (A6.3.3.1 or A6.3.3.2)."""
    kind_value = _choice(LabTestKind, kind, "kind")
    result_value = _choice(LabTestResult, result, "result")
    lab_name = (lab or "").strip()
    if not lab_name or len(lab_name) > 255:
        raise ValidationError("lab is required (at most 255 characters)", field="lab")
    taf = (taf_accreditation_no or "").strip().upper()
    if kind_value == LabTestKind.mas_baseline:
        if not TAF_RE.match(taf):
            raise ValidationError(
                "a MAS baseline test needs the lab's TAF accreditation number (e.g. 3245)",
                field="taf_accreditation_no",
            )
        if level not in LEVELS:
            raise ValidationError(f"level must be one of {LEVELS}", field="level")
        if not baseline_version.strip():
            raise ValidationError("name the baseline version tested", field="baseline_version")
    elif level and level not in LEVELS:
        raise ValidationError(f"level must be one of {LEVELS}", field="level")
    if tested_to < tested_from:
        raise ValidationError("the test ends before it starts", field="tested_to")
    if report_date < tested_from:
        raise ValidationError("the report is dated before the test started", field="report_date")
    today = to_taipei(clock.now()).date()
    if report_date > today:
        raise ValidationError("the report date is in the future", field="report_date")
    if release is not None and release.app_id != app.id:
        raise ValidationError("the release belongs to another app", field="release")
    if release is not None and not version_tested:
        version_tested = release.version_name
    evidence_ref: str | None = None
    if report_file is not None:
        filename, content = report_file
        requirement = "A6.3.3.1" if kind_value == LabTestKind.mas_baseline else "A6.3.3.2"
        record = store_evidence(
            session,
            clock,
            settings,
            content=content,
            filename=filename,
            title=f"{app.name_zh} {version_tested or ''} {kind_value} report ({lab_name})".strip(),
            requirement_ids=[requirement],
            kind="lab_report" if kind_value == LabTestKind.mas_baseline else "test_report",
            uploaded_by=actor,
            owner=app.owner,
            valid_until=report_date + YEAR if kind_value == LabTestKind.mas_baseline else None,
        )
        evidence_ref = record.reference
    row = MobileLabTest(
        app_id=app.id,
        release_id=release.id if release is not None else None,
        kind=kind_value,
        lab=lab_name,
        taf_accreditation_no=taf,
        baseline_version=baseline_version.strip()[:64],
        level=level,
        version_tested=version_tested.strip()[:64],
        tested_from=tested_from,
        tested_to=tested_to,
        report_date=report_date,
        result=result_value,
        report_evidence=evidence_ref,
        created_at=clock.now(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def get_test(session: Session, test_id: str) -> MobileLabTest:
    row = session.get(MobileLabTest, test_id)
    if row is None:
        raise NotFoundError(f"no test record {test_id!r}", field="test")
    return row


def confirm_fixes(
    session: Session, clock: Clock, test: MobileLabTest, *, actor: str, roles: Collection[Role]
) -> MobileLabTest:
    """The security unit confirms the findings of a test are fixed (A6.3.3.3)."""
    if Role.security not in roles:
        raise PermissionDeniedError("only the security unit confirms fixes")
    if test.fixes_confirmed_at is not None:
        raise ConflictError("fixes are already confirmed", field="test")
    test.fixes_confirmed_by = actor
    test.fixes_confirmed_at = clock.now()
    session.flush()
    return test


def records_of(
    session: Session, app: MobileApp, kind: LabTestKind | None = None
) -> list[MobileLabTest]:
    query = select(MobileLabTest).where(MobileLabTest.app_id == app.id)
    if kind is not None:
        query = query.where(MobileLabTest.kind == kind.value)
    return list(session.scalars(query.order_by(MobileLabTest.report_date.desc())))


def last_passed_lab_test(session: Session, app: MobileApp) -> MobileLabTest | None:
    for test in records_of(session, app, LabTestKind.mas_baseline):
        if test.result == LabTestResult.passed.value:
            return test
    return None


def lab_test_due(
    session: Session, app: MobileApp, today: date, valid_days: int = 365
) -> LabTestDue:
    """When the next yearly lab test is due; no passed test means due now (before listing)."""
    last = last_passed_lab_test(session, app)
    if last is None:
        return LabTestDue(app, None, None, True)
    due = last.report_date + timedelta(days=valid_days)
    return LabTestDue(app, last, due, today > due)


def owasp_test_for(session: Session, release: MobileRelease) -> MobileLabTest | None:
    """A passed OWASP Mobile Top 10 test of this release (by release or version)."""
    rows = session.scalars(
        select(MobileLabTest).where(
            MobileLabTest.app_id == release.app_id,
            MobileLabTest.kind == LabTestKind.owasp_top10.value,
            MobileLabTest.result == LabTestResult.passed.value,
        )
    )
    for row in rows:
        if row.release_id == release.id or (
            row.version_tested and row.version_tested == release.version_name
        ):
            return row
    return None
