"""Assessment checks for every A6.3 requirement (mobile-app security management)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.clock import as_utc, to_taipei
from brokerguard.findings.service import list_open
from brokerguard.mobile import approvals, listing, registry, review, testing
from brokerguard.mobile.models import MobileApp, MobileRelease
from brokerguard.phishing.service import last_scan
from brokerguard.timefmt import format_when

SENSITIVE_RULES = ("cleartext_traffic", "ats_arbitrary_loads", "hardcoded_secret", "http_url")


#: one problem a check found, in zh-TW and in English
Problem = tuple[str, str]


def _failed(problems: list[Problem], refs: Sequence[str] = ()) -> CheckResult:
    """A fail whose reason lists every problem, each in the reason's own language."""
    return CheckResult.failed(
        "；".join(zh for zh, _ in problems), "; ".join(en for _, en in problems), refs
    )


def _ref(release: MobileRelease) -> str:
    return f"record:mobile_releases:{release.id}"


def _apps(ctx: CheckContext) -> list[MobileApp]:
    return registry.list_apps(ctx.session)


def _current(ctx: CheckContext) -> list[tuple[MobileApp, MobileRelease]]:
    pairs = []
    for app in _apps(ctx):
        current = registry.latest_released(ctx.session, app)
        if current is not None:
            pairs.append((app, current))
    return pairs


def _no_apps() -> CheckResult:
    return CheckResult.manual(
        "尚未登錄任何行動應用程式；若公司未提供 APP，請以文件說明",
        "No mobile app is registered; if the firm offers none, document that",
    )


DEVICE_RISK_RULES = frozenset(
    {"root_detection_absent", "debugger_detection_absent", "adb_detection_absent"}
)
"""A6.3.2.2 names rooted/jailbroken devices and USB debugging: any missing detection fails."""


def _rules(release: MobileRelease) -> set[str]:
    return {str(f.get("rule")) for f in release.findings if isinstance(f, dict)}


@check(
    "A6.3",
    id="mobile.app_registry",
    title_zh="行動應用程式已登錄且每個對客 APP 有版本紀錄",
    title_en="Mobile apps registered, each customer-facing app with release records",
)
def app_registry(ctx: CheckContext) -> CheckResult:
    apps = _apps(ctx)
    if not apps:
        return _no_apps()
    missing = [a.slug for a in apps if a.customer_facing and not registry.released(ctx.session, a)]
    if missing:
        return CheckResult.failed(
            f"對客 APP 無上架版本紀錄：{', '.join(missing)}",
            f"Customer-facing apps without a released version on record: {', '.join(missing)}",
        )
    return CheckResult.passed(
        f"已登錄 {len(apps)} 個 APP 及其版本紀錄",
        f"{len(apps)} apps registered with their releases",
        apps=len(apps),
    )


@check(
    "A6.3.1",
    id="mobile.released_official_signature",
    title_zh="上架版本皆以正式憑證簽章",
    title_en="Released builds are signed with the official certificate",
)
def released_official_signature(ctx: CheckContext) -> CheckResult:
    pairs = _current(ctx)
    if not pairs:
        return _no_apps()
    bad = [
        f"{app.slug} {rel.version_name}"
        for app, rel in pairs
        if not rel.signing_cert_sha256
        or any(c not in app.official_cert_sha256 for c in rel.signing_cert_sha256)
    ]
    refs = [_ref(r) for _, r in pairs]
    if bad:
        return CheckResult.failed(
            f"簽章憑證非正式憑證：{', '.join(bad)}",
            f"Signed with a certificate that is not the official one: {', '.join(bad)}",
            refs,
        )
    return CheckResult.passed(
        "上架版本皆以正式憑證簽章", "Released builds use the official certificate", refs
    )


@check(
    "A6.3.1.1",
    id="mobile.permission_purposes",
    title_zh="於可信任商店上架並說明每項權限用途",
    title_en="Published through trusted stores with each permission's purpose stated",
)
def permission_purposes(ctx: CheckContext) -> CheckResult:
    pairs = _current(ctx)
    if not pairs:
        return _no_apps()
    trusted = set(ctx.settings.mobile.trusted_store_hosts)
    problems: list[Problem] = []
    for app, rel in pairs:
        stated = registry.purposes(ctx.session, app)
        lacking = [
            p
            for p in rel.permissions
            if p not in stated
            or not stated[p].purpose_zh.strip()
            or not stated[p].purpose_en.strip()
        ]
        if lacking:
            problems.append(
                (
                    f"{app.slug}：{len(lacking)} 項權限未說明用途",
                    f"{app.slug}: {len(lacking)} permission(s) without purpose",
                )
            )
        hosts = {urlsplit(u).hostname or "" for u in app.store_urls}
        firm = urlsplit(app.download_url).hostname if app.download_url else None
        untrusted = sorted(h for h in hosts if h not in trusted and h != firm)
        if not app.store_urls and not app.download_url:
            problems.append(
                (
                    f"{app.slug}：未登錄上架商店或下載位置",
                    f"{app.slug}: no store or download location",
                )
            )
        if untrusted:
            hosts_text = ", ".join(untrusted)
            problems.append(
                (
                    f"{app.slug}：非可信任商店 {hosts_text}",
                    f"{app.slug}: untrusted store {hosts_text}",
                )
            )
    refs = [_ref(r) for _, r in pairs]
    if problems:
        return _failed(problems, refs)
    return CheckResult.passed(
        "所有上架版本的權限皆已說明用途，並於可信任商店發布",
        "Every permission of the released versions has a stated purpose; trusted stores only",
        refs,
    )


@check(
    "A6.3.1.2",
    id="mobile.official_listing",
    title_zh="官網列示 APP 名稱、版本與下載位置",
    title_en="Official website lists each app's name, version and download location",
)
def official_listing(ctx: CheckContext) -> CheckResult:
    settings = ctx.settings.mobile
    entries = listing.official_listing(ctx.session)
    if not entries:
        return _no_apps()
    if not settings.listing_url:
        return CheckResult.manual(
            "未設定官網 APP 清單網址（BROKERGUARD_MOBILE_LISTING_URL），請人工比對",
            "No listing URL configured (BROKERGUARD_MOBILE_LISTING_URL); compare by hand",
        )
    content = listing.fetch_published(
        settings.listing_url,
        timeout_s=settings.listing_timeout_s,
        max_bytes=settings.listing_max_bytes,
    )
    problems = listing.compare_published(entries, content)
    if problems:
        return CheckResult.failed(
            "官網 APP 清單與登錄資料不符：" + "；".join(problems),
            "The published app list differs: " + "; ".join(problems),
            url=settings.listing_url,
        )
    return CheckResult.passed(
        f"官網清單與 {len(entries)} 個 APP 的版本相符",
        f"Published list matches the {len(entries)} released apps",
        url=settings.listing_url,
    )


@check(
    "A6.3.1.3",
    id="mobile.counterfeit_reference",
    title_zh="仿冒 APP 偵測所需之正式憑證與圖示已登錄",
    title_en="Official certificates and icons recorded for counterfeit-app detection",
)
def counterfeit_reference(ctx: CheckContext) -> CheckResult:
    apps = _apps(ctx)
    if not apps:
        return _no_apps()
    missing = [a.slug for a in apps if not a.official_cert_sha256]
    if missing:
        return CheckResult.failed(
            f"未登錄正式簽章憑證，無法比對仿冒 APP：{', '.join(missing)}",
            f"No official certificate to compare counterfeits against: {', '.join(missing)}",
        )
    days = ctx.settings.phishing.scan_max_age_days
    run = last_scan(ctx.session, ("apps",), scanned_only=True)
    if run is None:
        return CheckResult.failed(
            "正式憑證已登錄，但假冒 APP 偵測從未執行（或未掃描任何名稱）",
            "Official certificates recorded, but the counterfeit-app scan never ran "
            "(or scanned no name)",
        )
    ref = [f"record:phishing_scan_runs:{run.id}"]
    age = ctx.clock.now() - as_utc(run.finished_at)
    if age > timedelta(days=days):
        return CheckResult.failed(
            f"正式憑證已登錄，但最近一次假冒 APP 偵測已逾 {days} 天",
            f"Official certificates recorded, but the last counterfeit-app scan is more than "
            f"{days} days old",
            ref,
            scan_age_days=age.days,
        )
    return CheckResult.passed(
        f"{len(apps)} 個 APP 之正式憑證已登錄，假冒 APP 偵測於 {age.days} 天內掃描 {run.names} 筆",
        f"Official certificates of {len(apps)} app(s) recorded; the counterfeit-app scan "
        f"checked {run.names} names {age.days} days ago",
        ref,
        scan_age_days=age.days,
    )


def _approval_needed(ctx: CheckContext, app: MobileApp) -> list[tuple[MobileRelease, bool]]:
    """Released versions oldest first, with whether each needed dual approval."""
    rows = sorted(
        registry.released(ctx.session, app), key=lambda r: (r.released_on is None, r.released_on)
    )
    result: list[tuple[MobileRelease, bool]] = []
    previous: set[str] | None = None
    for row in rows:
        current = set(row.permissions)
        result.append((row, previous is None or current != previous))
        previous = current
    return result


@check(
    "A6.3.1.4",
    id="mobile.release_approvals",
    title_zh="首次上架或權限異動經資安及法遵單位核准，且無可除錯版本上架",
    title_en="First releases and permission changes approved by security and compliance",
)
def release_approvals(ctx: CheckContext) -> CheckResult:
    apps = _apps(ctx)
    if not apps:
        return _no_apps()
    problems: list[Problem] = []
    refs: list[str] = []
    for app in apps:
        for row, needed in _approval_needed(ctx, app):
            refs.append(_ref(row))
            if needed and not approvals.dual_approval_complete(ctx.session, row):
                problems.append(
                    (
                        f"{app.slug} {row.version_name}：未經資安及法遵兩人核准",
                        f"{app.slug} {row.version_name}: no dual approval",
                    )
                )
            if "debuggable" in _rules(row) or "get_task_allow" in _rules(row):
                problems.append(
                    (
                        f"{app.slug} {row.version_name}：上架版本可除錯",
                        f"{app.slug} {row.version_name}: debuggable build released",
                    )
                )
    if problems:
        return _failed(problems, refs)
    if not refs:
        return CheckResult.manual("尚無上架版本", "No release yet")
    return CheckResult.passed(
        "需核准之版本皆經資安專責單位及法遵單位兩人核准",
        "Every release needing approval has security and compliance approvals",
        refs,
    )


def _sensitive_problems(pairs: list[tuple[MobileApp, MobileRelease]]) -> list[Problem]:
    problems: list[Problem] = []
    for app, rel in pairs:
        hits = sorted(_rules(rel) & set(SENSITIVE_RULES))
        if hits:
            text = f"{app.slug} {rel.version_name}: {', '.join(hits)}"
            problems.append((text, text))
    return problems


@check(
    "A6.3.2",
    id="mobile.sensitive_data_protection",
    title_zh="敏感性資料保護：傳輸、儲存與裝置風險提示",
    title_en="Sensitive-data protection: transport, storage and device-risk warning",
)
def sensitive_data_protection(ctx: CheckContext) -> CheckResult:
    pairs = _current(ctx)
    if not pairs:
        return _no_apps()
    problems = _sensitive_problems(pairs)
    problems += [
        (
            f"{app.slug} {rel.version_name}：未偵測 Root／除錯並提示風險",
            f"{app.slug} {rel.version_name}: no root/debug warning",
        )
        for app, rel in pairs
        if DEVICE_RISK_RULES & _rules(rel)
    ]
    refs = [_ref(r) for _, r in pairs]
    if problems:
        return _failed(problems, refs)
    return CheckResult.passed("上架版本未發現敏感性資料保護缺失", "No sensitive-data finding", refs)


@check(
    "A6.3.2.1",
    id="mobile.transport_and_secrets",
    title_zh="敏感資料以有效憑證加密傳輸，程式未內嵌密鑰",
    title_en="Sensitive data sent over valid TLS; no hard-coded secrets",
)
def transport_and_secrets(ctx: CheckContext) -> CheckResult:
    pairs = _current(ctx)
    if not pairs:
        return _no_apps()
    problems = _sensitive_problems(pairs)
    refs = [_ref(r) for _, r in pairs]
    if problems:
        return CheckResult.failed(
            "上架版本有明文傳輸或內嵌密鑰：" + "；".join(zh for zh, _ in problems),
            "Cleartext transport or hard-coded secrets: " + "; ".join(en for _, en in problems),
            refs,
        )
    return CheckResult.passed(
        "未允許明文傳輸且未發現內嵌密鑰", "No cleartext allowed, no hard-coded secret found", refs
    )


@check(
    "A6.3.2.2",
    id="mobile.root_debug_warning",
    title_zh="啟動時偵測 Root／越獄／USB 偵錯並提示風險",
    title_en="Start-up warning on rooted, jailbroken or USB-debugging devices",
)
def root_debug_warning(ctx: CheckContext) -> CheckResult:
    pairs = _current(ctx)
    if not pairs:
        return _no_apps()
    missing = [
        f"{app.slug} {rel.version_name}" for app, rel in pairs if DEVICE_RISK_RULES & _rules(rel)
    ]
    refs = [_ref(r) for _, r in pairs]
    if missing:
        return CheckResult.failed(
            f"程式未見 Root／除錯器／USB 偵錯偵測：{', '.join(missing)}"
            "（混淆或原生實作請人工確認）",
            f"No root, debugger or USB-debugging detection in {', '.join(missing)} "
            "(confirm by hand if obfuscated)",
            refs,
        )
    return CheckResult.passed(
        "上架版本具 Root、除錯器與 USB 偵錯偵測",
        "Root, debugger and USB-debugging detection present",
        refs,
    )


def _lab_problems(ctx: CheckContext) -> list[Problem]:
    today = to_taipei(ctx.clock.now()).date()
    days = ctx.settings.mobile.lab_test_valid_days
    problems = []
    for app in _apps(ctx):
        if not app.customer_facing:
            continue
        due = testing.lab_test_due(ctx.session, app, today, days)
        if due.last is None:
            problems.append(
                (f"{app.slug}：無通過之 TAF 實驗室檢測", f"{app.slug}: no passed TAF lab test")
            )
        elif due.overdue:
            problems.append(
                (
                    f"{app.slug}：實驗室檢測已於 {format_when(due.due, 'zh-TW', 'date')} 逾期",
                    f"{app.slug}: lab test overdue since {format_when(due.due, 'en', 'date')}",
                )
            )
    return problems


def _retest_problems(ctx: CheckContext) -> list[Problem]:
    problems: list[Problem] = []
    for app in _apps(ctx):
        for row in registry.released(ctx.session, app):
            if row.major_update and testing.owasp_test_for(ctx.session, row) is None:
                problems.append(
                    (
                        f"{app.slug} {row.version_name}：重大更新未經 OWASP 檢測",
                        f"{app.slug} {row.version_name}: major update without OWASP test",
                    )
                )
    return problems


def _lab_evidence(ctx: CheckContext) -> list[str]:
    refs = []
    for app in _apps(ctx):
        last = testing.last_passed_lab_test(ctx.session, app)
        if last is not None and last.report_evidence:
            refs.append(last.report_evidence)
    return refs


@check(
    "A6.3.3",
    id="mobile.testing_program",
    title_zh="行動應用程式檢測：年度第三方檢測與重大更新檢測",
    title_en="App testing: yearly lab test and major-update retests",
)
def testing_program(ctx: CheckContext) -> CheckResult:
    if not _apps(ctx):
        return _no_apps()
    problems = _lab_problems(ctx) + _retest_problems(ctx)
    if problems:
        return _failed(problems, _lab_evidence(ctx))
    return CheckResult.passed("檢測皆在有效期間內", "Tests are current", _lab_evidence(ctx))


@check(
    "A6.3.3.1",
    id="mobile.lab_test_yearly",
    title_zh="對客 APP 每年經 TAF 認證實驗室依基本資安檢測基準檢測",
    title_en="Customer-facing apps tested yearly by a TAF-accredited lab",
)
def lab_test_yearly(ctx: CheckContext) -> CheckResult:
    apps = [a for a in _apps(ctx) if a.customer_facing]
    if not apps:
        return CheckResult.not_applicable("無對客 APP", "No customer-facing app")
    problems = _lab_problems(ctx)
    if problems:
        return _failed(problems, _lab_evidence(ctx))
    return CheckResult.passed(
        "所有對客 APP 的年度檢測皆在有效期間內",
        "Every customer-facing app has a current lab test",
        _lab_evidence(ctx),
    )


@check(
    "A6.3.3.2",
    id="mobile.major_update_retest",
    title_zh="重大更新上架前經 OWASP Mobile Top 10 檢測",
    title_en="Major updates tested against the OWASP Mobile Top 10 before listing",
)
def major_update_retest(ctx: CheckContext) -> CheckResult:
    if not _apps(ctx):
        return _no_apps()
    problems = _retest_problems(ctx)
    if problems:
        return _failed(problems)
    return CheckResult.passed(
        "重大更新皆有 OWASP 檢測紀錄", "Every major update has an OWASP test record"
    )


@check(
    "A6.3.3.3",
    id="mobile.lab_report_review",
    title_zh="檢測報告依附表檢測項目審閱並保存紀錄，缺失追蹤改善",
    title_en="Lab reports reviewed against the appendix items; gaps tracked to closure",
)
def lab_report_review(ctx: CheckContext) -> CheckResult:
    apps = _apps(ctx)
    if not apps:
        return _no_apps()
    problems: list[Problem] = []
    refs: list[str] = []
    for app in apps:
        for test in testing.records_of(ctx.session, app, testing.LabTestKind.mas_baseline):
            reviews = review.reviews_of(ctx.session, test)
            refs += [f"record:mobile_report_reviews:{r.id}" for r in reviews]
            if not any(r.status == "completed" for r in reviews):
                problems.append(
                    (
                        f"{app.slug} {format_when(test.report_date, 'zh-TW', 'date')}：報告未審閱",
                        f"{app.slug} {format_when(test.report_date, 'en', 'date')}: "
                        "report not reviewed",
                    )
                )
            if test.result != "pass" and test.fixes_confirmed_at is None:
                problems.append(
                    (
                        f"{app.slug} {format_when(test.report_date, 'zh-TW', 'date')}："
                        "缺失改善未經資安專責單位確認",
                        f"{app.slug} {format_when(test.report_date, 'en', 'date')}: "
                        "fixes not confirmed by security",
                    )
                )
    open_gaps = [f for f in list_open(ctx.session, "A6.3.3.3") if f.source == review.FINDING_SOURCE]
    if open_gaps:
        problems.append(
            (
                f"{len(open_gaps)} 項審閱缺失尚未結案",
                f"{len(open_gaps)} review finding(s) still open",
            )
        )
    if problems:
        return _failed(problems, refs)
    if not refs:
        return CheckResult.manual("尚無檢測報告", "No lab report yet")
    return CheckResult.passed("檢測報告皆已審閱，缺失已改善", "Reports reviewed, gaps closed", refs)
