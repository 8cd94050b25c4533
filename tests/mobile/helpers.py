"""Shared set-up of registry state for the mobile storage tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.mobile.approvals import Unit, approve_release
from brokerguard.mobile.models import MobileApp, MobileRelease
from brokerguard.mobile.registry import register_app, set_purpose
from brokerguard.mobile.testing import record_test
from brokerguard.staff.roles import Role
from tests.mobile.conftest import TINY_PACKAGE


def make_app(
    session: Session,
    clock: Clock,
    *,
    certs: Sequence[str],
    slug: str = "trade-android",
    package: str = TINY_PACKAGE,
    customer_facing: bool = True,
    platform: str = "android",
) -> MobileApp:
    return register_app(
        session,
        clock,
        slug=slug,
        name_zh="示範證券下單",
        name_en="Demo Trade",
        platform=platform,
        package_name=package,
        actor="app-team",
        customer_facing=customer_facing,
        store_urls=["https://play.google.com/store/apps/details?id=" + package],
        download_url="https://www.demosec.com.tw/app",
        official_cert_sha256=certs,
    )


def pass_lab_test(
    session: Session, clock: Clock, settings: Settings, app: MobileApp, report_date: date
) -> None:
    record_test(
        session,
        clock,
        settings,
        app,
        kind="mas_baseline",
        lab="台灣檢驗科技股份有限公司",
        taf_accreditation_no="3245",
        baseline_version="v4.0",
        level="L2",
        tested_from=report_date,
        tested_to=report_date,
        report_date=report_date,
        result="pass",
        actor="security-user",
    )


def approve_both(session: Session, clock: Clock, release: MobileRelease) -> None:
    approve_release(
        session,
        clock,
        release,
        unit=Unit.security,
        approver="sec-chen",
        approver_roles={Role.security},
        comment="權限與服務相符",
    )
    approve_release(
        session,
        clock,
        release,
        unit=Unit.compliance,
        approver="comp-lin",
        approver_roles={Role.compliance},
        comment="個資告知義務已檢視",
    )


def add_purposes(
    session: Session, clock: Clock, app: MobileApp, permissions: Sequence[str]
) -> None:
    for permission in permissions:
        set_purpose(
            session,
            clock,
            app,
            permission=permission,
            purpose_zh=f"{permission} 用途",
            purpose_en=f"purpose of {permission}",
            actor="app-team",
        )


def previous_release(
    session: Session,
    clock: Clock,
    app: MobileApp,
    *,
    permissions: Sequence[str] = (),
    version_code: str = "9",
    signing: Sequence[str] = (),
) -> MobileRelease:
    """An earlier released version with its own permissions."""
    row = MobileRelease(
        app_id=app.id,
        version_name="0.9",
        version_code=version_code,
        artifact_name="trade-0.9.apk",
        artifact_sha256="0" * 64,
        signing_cert_sha256=list(signing),
        permissions=list(permissions),
        facts={},
        findings=[],
        store="Google Play",
        status="released",
        major_update=False,
        major_reasons=[],
        released_on=date(2026, 6, 1),
        created_at=clock.now(),
        created_by="app-team",
    )
    session.add(row)
    session.flush()
    return row
