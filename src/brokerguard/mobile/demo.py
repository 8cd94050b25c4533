"""Demo firm data for A6.3: two customer-facing trading apps and one internal app.

The Android app is current (lab test, purposes, approvals, OWASP retest of its major
update); the iOS app's last release added a permission without a stated purpose and
its yearly lab test is overdue, so the dashboard shows both passes and failures.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from brokerguard.demodata import DemoContext
from brokerguard.mobile.approvals import Unit
from brokerguard.mobile.models import (
    MobileApp,
    MobileApproval,
    MobileLabTest,
    MobileRelease,
)
from brokerguard.mobile.registry import register_app, set_purpose
from brokerguard.mobile.review import complete_review, import_checklist, record_item, start_review
from brokerguard.rulebook import load_rulebook

ANDROID_PERMISSIONS = {
    "android.permission.INTERNET": (
        "連線至證券交易及行情主機",
        "Connect to trading and quote hosts",
    ),
    "android.permission.CAMERA": (
        "線上開戶拍攝身分證件",
        "Photograph ID cards for online account opening",
    ),
    "android.permission.USE_BIOMETRIC": ("以指紋或臉部辨識登入", "Biometric sign-in"),
    "android.permission.POST_NOTIFICATIONS": (
        "成交回報與到價通知",
        "Fill reports and price alerts",
    ),
}
IOS_PERMISSIONS = {
    "NSCameraUsageDescription": ("線上開戶拍攝身分證件", "Photograph ID cards for account opening"),
    "NSFaceIDUsageDescription": ("以 Face ID 登入", "Sign in with Face ID"),
}
CHECKLIST = """檢測項目,編號,資訊安全技術要求事項,技術要求,L1,L2,L3,F
行動應用程式發布安全,4.1.1.1,行動應用程式發布,應於可信任來源發布,是,是,是,否
行動應用程式發布安全,4.1.1.2,行動應用程式更新,應提供更新機制,是,是,是,否
敏感性資料保護,4.1.2.1,敏感性資料蒐集,應告知蒐集之敏感性資料及用途,是,是,是,否
敏感性資料保護,4.1.2.3,敏感性資料儲存,敏感性資料應加密儲存,是,是,是,否
敏感性資料保護,4.1.2.4,敏感性資料傳輸,應使用安全加密傳輸,是,是,是,否
身分認證、授權與連線管理安全,4.1.4.1,使用者身分認證,應有適當身分認證機制,是,是,是,否
行動應用程式碼安全,4.1.5.1,防範惡意程式碼,不得含有惡意程式碼,是,是,是,否
行動應用程式碼安全,4.1.5.3,程式碼混淆,應進行程式碼混淆,否,是,是,否
"""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _release(
    ctx: DemoContext,
    app: MobileApp,
    *,
    version: str,
    code: str,
    permissions: list[str],
    released_on: date,
    cert: str,
    findings: list[str],
    major: list[str] | None = None,
    status: str = "released",
) -> MobileRelease:
    """A demo release row. Only versions the gate would have passed are ``released``:
    each of them gets both approvals below; the rest stay ``candidate``."""
    row = MobileRelease(
        app_id=app.id,
        version_name=version,
        version_code=code,
        artifact_name=f"{app.slug}-{version}.{'apk' if app.platform == 'android' else 'ipa'}",
        artifact_sha256=_sha(f"{app.slug}-{version}"),
        signing_cert_sha256=[cert],
        permissions=sorted(permissions),
        facts={"package": app.package_name, "version_name": version, "version_code": code},
        findings=[{"rule": f} for f in findings],
        store="Google Play" if app.platform == "android" else "App Store",
        status=status,
        major_update=bool(major),
        major_reasons=major or [],
        released_on=released_on if status == "released" else None,
        created_at=ctx.clock.now()
        - timedelta(days=(ctx.clock.now().date() - released_on).days + 3),
        created_by=ctx.staff["app_team"].username if "app_team" in ctx.staff else "app-team",
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def _approve(ctx: DemoContext, release: MobileRelease, comment: str) -> None:
    security = ctx.staff.get("security")
    compliance = ctx.staff.get("compliance")
    for unit, person in ((Unit.security, security), (Unit.compliance, compliance)):
        ctx.session.add(
            MobileApproval(
                release_id=release.id,
                unit=unit.value,
                approver=person.username if person else f"demo-{unit.value}",
                comment=comment,
                approved_at=release.created_at + timedelta(days=1),
            )
        )


def load_demo(ctx: DemoContext) -> None:
    today = ctx.clock.now().date()
    actor = ctx.staff["app_team"].username if "app_team" in ctx.staff else "app-team"
    security = ctx.staff["security"].username if "security" in ctx.staff else "security"
    android_cert = _sha("demo-securities-release-key")
    ios_cert = _sha("demo-securities-apple-distribution")

    android = register_app(
        ctx.session, ctx.clock, slug="etrade-android", name_zh="示範證券 e 點通",
        name_en="Demo e-Trade", platform="android", package_name="tw.com.demosec.etrade",
        actor=actor, store_urls=["https://play.google.com/store/apps/details?id=tw.com.demosec.etrade"],
        download_url="https://www.demosec.com.tw/app", official_cert_sha256=[android_cert],
        owner="電子商務部",
    )  # fmt: skip
    ios = register_app(
        ctx.session, ctx.clock, slug="etrade-ios", name_zh="示範證券 e 點通",
        name_en="Demo e-Trade", platform="ios", package_name="tw.com.demosec.etrade",
        actor=actor, store_urls=["https://apps.apple.com/tw/app/id1234567890"],
        download_url="https://www.demosec.com.tw/app", official_cert_sha256=[ios_cert],
        owner="電子商務部",
    )  # fmt: skip
    internal = register_app(
        ctx.session, ctx.clock, slug="sales-assistant", name_zh="營業員行動助理",
        name_en="Sales assistant", platform="android", package_name="tw.com.demosec.sales",
        actor=actor, customer_facing=False, official_cert_sha256=[android_cert],
        owner="經紀業務部",
    )  # fmt: skip

    for permission, (zh, en) in ANDROID_PERMISSIONS.items():
        set_purpose(
            ctx.session, ctx.clock, android, permission=permission, purpose_zh=zh,
            purpose_en=en, actor=actor,
        )  # fmt: skip
    for permission, (zh, en) in IOS_PERMISSIONS.items():
        set_purpose(
            ctx.session, ctx.clock, ios, permission=permission, purpose_zh=zh,
            purpose_en=en, actor=actor,
        )  # fmt: skip

    good = ["allow_backup"]
    first = _release(
        ctx, android, version="5.0.0", code="500",
        permissions=["android.permission.INTERNET", "android.permission.CAMERA"],
        released_on=today - timedelta(days=300), cert=android_cert, findings=good,
    )  # fmt: skip
    _approve(ctx, first, "首次上架：權限與下單、開戶服務相符")
    second = _release(
        ctx, android, version="5.1.0", code="510",
        permissions=[*ANDROID_PERMISSIONS],
        released_on=today - timedelta(days=60), cert=android_cert, findings=good,
        major=["identity_verification"],
    )  # fmt: skip
    _approve(ctx, second, "新增生物辨識登入權限，已更新個資告知事項")

    ios_first = _release(
        ctx, ios, version="5.0.0", code="500", permissions=["NSCameraUsageDescription"],
        released_on=today - timedelta(days=420), cert=ios_cert, findings=[],
    )  # fmt: skip
    _approve(ctx, ios_first, "首次上架")
    # waiting at the gate: no approval yet, a location permission without a purpose and
    # no jailbreak detection; the gate refuses it, so it is a candidate, never listed
    _release(
        ctx, ios, version="5.1.0", code="510",
        permissions=[*IOS_PERMISSIONS, "NSLocationWhenInUseUsageDescription"],
        released_on=today - timedelta(days=20), cert=ios_cert,
        findings=["root_detection_absent"], status="candidate",
    )  # fmt: skip
    internal_release = _release(
        ctx, internal, version="2.3.1", code="231", permissions=["android.permission.INTERNET"],
        released_on=today - timedelta(days=200), cert=android_cert, findings=[],
    )  # fmt: skip
    _approve(ctx, internal_release, "內部使用，僅連線公司內網")
    set_purpose(
        ctx.session, ctx.clock, internal, permission="android.permission.INTERNET",
        purpose_zh="連線公司內部客戶關係管理系統", purpose_en="Reach the in-house CRM", actor=actor,
    )  # fmt: skip

    lab = MobileLabTest(
        app_id=android.id, release_id=second.id, kind="mas_baseline",
        lab="台灣電子檢驗中心", taf_accreditation_no="3245", baseline_version="v4.0",
        level="L2", version_tested="5.1.0",
        tested_from=today - timedelta(days=80), tested_to=today - timedelta(days=72),
        report_date=today - timedelta(days=70), result="pass",
        created_at=ctx.clock.now() - timedelta(days=70), created_by=security,
    )  # fmt: skip
    owasp = MobileLabTest(
        app_id=android.id, release_id=second.id, kind="owasp_top10",
        lab="資安專責單位（內部）", version_tested="5.1.0",
        tested_from=today - timedelta(days=68), tested_to=today - timedelta(days=66),
        report_date=today - timedelta(days=65), result="pass",
        created_at=ctx.clock.now() - timedelta(days=65), created_by=security,
    )  # fmt: skip
    old_ios = MobileLabTest(
        app_id=ios.id, kind="mas_baseline", lab="台灣電子檢驗中心",
        taf_accreditation_no="3245", baseline_version="v3.3", level="L2",
        version_tested="5.0.0",
        tested_from=today - timedelta(days=440), tested_to=today - timedelta(days=432),
        report_date=today - timedelta(days=430), result="conditional",
        created_at=ctx.clock.now() - timedelta(days=430), created_by=security,
    )  # fmt: skip
    ctx.session.add_all([lab, owasp, old_ios])
    ctx.session.flush()

    import_checklist(ctx.session, CHECKLIST.encode(), "appendix.csv", version="v4.0")
    review = start_review(ctx.session, ctx.clock, lab, checklist_version="v4.0", reviewer=security)
    for number in ("4.1.1.1", "4.1.1.2", "4.1.2.1", "4.1.2.3", "4.1.2.4", "4.1.4.1", "4.1.5.1"):
        record_item(
            ctx.session, ctx.clock, review, item_no=number, outcome="consistent", actor=security
        )
    # Findings and evidence need the A6.3 requirements in the rulebook.
    if "A6.3.3.3" in load_rulebook():
        record_item(
            ctx.session, ctx.clock, review, item_no="4.1.5.3", outcome="missing", actor=security,
            note="報告未載明程式碼混淆檢測結果，已請實驗室補件",
        )  # fmt: skip
        complete_review(
            ctx.session, ctx.clock, review, summary="除 4.1.5.3 外，項目與內容皆相符",
            settings=ctx.settings,
        )  # fmt: skip
    else:
        ctx.notes.append("mobile: rulebook lacks A6.3; the lab-report review is left open")
    ctx.notes.append("mobile: 3 apps, 5 releases, lab tests and one lab-report review (A6.3)")
