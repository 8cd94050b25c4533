"""Checks on the social-media registers (Art. 5); A5.1-A5.4 policy documents are checked
by ``policies``; these check what the registers say."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.clock import today
from brokerguard.social.models import (
    AccountAdmin,
    MonitoringEntry,
    OfficialAccount,
    SocialPlatform,
    SocialPost,
)
from brokerguard.social.registers import is_high_risk
from brokerguard.social.service import APPROVED, PUBLISHED, latest_checks


def _active_accounts(ctx: CheckContext) -> list[OfficialAccount]:
    return list(
        ctx.session.scalars(
            select(OfficialAccount)
            .where(OfficialAccount.active.is_(True))
            .order_by(OfficialAccount.name)
        )
    )


def _names(items: list[str]) -> str:
    shown = "、".join(items[:8])
    return shown + (f" … +{len(items) - 8}" if len(items) > 8 else "")


@check(
    "A5.2",
    id="social.platform_risk_rated",
    title_zh="員工可使用之社群媒體均已風險分級，高風險者訂有控管措施",
    title_en="Every platform staff may use is risk-rated; high-risk ones have controls",
)
def platform_risk_rated(ctx: CheckContext) -> CheckResult:
    day = today(ctx.clock)
    limit = timedelta(days=ctx.settings.social.platform_review_max_days)
    platforms = list(ctx.session.scalars(select(SocialPlatform).order_by(SocialPlatform.name)))
    if not platforms:
        return CheckResult.failed("尚未建立社群媒體平台風險分級", "No platform is risk-rated yet")
    evidence = [f"record:social_platforms:{p.id}" for p in platforms]
    uncontrolled = [p.name for p in platforms if is_high_risk(p) and not p.controls.strip()]
    stale = [p.name for p in platforms if day - p.assessed_on > limit]
    if uncontrolled:
        return CheckResult.failed(
            f"高風險平台未訂控管措施：{_names(uncontrolled)}",
            f"High-risk platforms without controls: {', '.join(uncontrolled)}",
            evidence=evidence,
        )
    if stale:
        return CheckResult.failed(
            f"風險評估逾期未更新：{_names(stale)}",
            f"Risk ratings older than {limit.days} days: {', '.join(stale)}",
            evidence=evidence,
        )
    high = sum(1 for p in platforms if is_high_risk(p))
    return CheckResult.passed(
        f"{len(platforms)} 個平台已分級，其中 {high} 個高風險平台均訂有控管措施",
        f"{len(platforms)} platforms rated; all {high} high-risk ones have controls",
        evidence=evidence,
    )


@check(
    "A5.3.1",
    id="social.account_privacy_review",
    title_zh="官方帳號之平台隱私權政策於一年內檢視並說明風險",
    title_en="Each official account's platform privacy policy reviewed within a year, risks stated",
)
def account_privacy_review(ctx: CheckContext) -> CheckResult:
    day = today(ctx.clock)
    limit = timedelta(days=ctx.settings.social.privacy_review_max_days)
    accounts = _active_accounts(ctx)
    if not accounts:
        return CheckResult.manual("尚無官方帳號登錄", "No official account is registered")
    evidence = [f"record:social_accounts:{a.id}" for a in accounts]
    late = [
        a.name
        for a in accounts
        if a.privacy_reviewed_on is None
        or day - a.privacy_reviewed_on > limit
        or not a.privacy_risks.strip()
    ]
    if late:
        return CheckResult.failed(
            f"隱私權政策未於期限內檢視或未說明風險：{_names(late)}",
            f"Privacy policy not reviewed within {limit.days} days or risks not stated: "
            f"{', '.join(late)}",
            evidence=evidence,
        )
    return CheckResult.passed(
        f"{len(accounts)} 個官方帳號之隱私權政策均於期限內檢視",
        f"All {len(accounts)} official accounts have a current privacy-policy review",
        evidence=evidence,
    )


@check(
    "A5.3.3",
    id="social.account_admin_mfa",
    title_zh="官方帳號管理者均啟用多因子驗證",
    title_en="Every administrator of every official account uses MFA",
)
def account_admin_mfa(ctx: CheckContext) -> CheckResult:
    accounts = _active_accounts(ctx)
    if not accounts:
        return CheckResult.manual("尚無官方帳號登錄", "No official account is registered")
    admins = list(ctx.session.scalars(select(AccountAdmin)))
    by_account: dict[str, list[AccountAdmin]] = {}
    for admin in admins:
        by_account.setdefault(admin.account_id, []).append(admin)
    no_admin = [a.name for a in accounts if not by_account.get(a.id)]
    no_mfa = [
        f"{a.name}/{m.admin}"
        for a in accounts
        for m in by_account.get(a.id, [])
        if not m.mfa_enabled
    ]
    evidence = [f"record:social_account_admins:{m.id}" for m in admins][:50]
    if no_mfa:
        return CheckResult.failed(
            f"管理者未啟用多因子驗證：{_names(no_mfa)}",
            f"Administrators without MFA: {', '.join(no_mfa)}",
            evidence=evidence,
        )
    if no_admin:
        return CheckResult.failed(
            f"官方帳號未登錄管理者：{_names(no_admin)}",
            f"Official accounts with no administrator on record: {', '.join(no_admin)}",
            evidence=evidence,
        )
    return CheckResult.passed(
        f"{len(accounts)} 個官方帳號之 {len(admins)} 位管理者均啟用多因子驗證",
        f"All {len(admins)} administrators of {len(accounts)} official accounts use MFA",
        evidence=evidence,
    )


@check(
    "A5.3.3",
    id="social.publishing_approved",
    title_zh="官方帳號發布內容均經他人核准",
    title_en="Every published post was approved by another person",
)
def publishing_approved(ctx: CheckContext) -> CheckResult:
    posts = list(
        ctx.session.scalars(select(SocialPost).where(SocialPost.status.in_((APPROVED, PUBLISHED))))
    )
    published = [p for p in posts if p.status == PUBLISHED]
    if not published:
        return CheckResult.manual(
            "尚無經發布流程之貼文紀錄", "No post has gone through the publishing workflow yet"
        )
    bad = [
        p.title
        for p in posts
        if not p.approved_by or p.approved_by == p.drafted_by or p.approved_at is None
    ]
    evidence = [f"record:social_posts:{p.id}" for p in published][:50]
    if bad:
        return CheckResult.failed(
            f"貼文未經他人核准：{_names(bad)}",
            f"Posts without approval by another person: {', '.join(bad)}",
            evidence=evidence,
        )
    return CheckResult.passed(
        f"{len(published)} 則發布貼文均經撰稿人以外之人員核准",
        f"All {len(published)} published posts were approved by someone other than the author",
        evidence=evidence,
    )


def _disclosure(
    ctx: CheckContext, items: tuple[str, ...], label_zh: str, label_en: str
) -> CheckResult:
    accounts = _active_accounts(ctx)
    if not accounts:
        return CheckResult.manual("尚無官方帳號登錄", "No official account is registered")
    latest = latest_checks(ctx.session)
    max_age = timedelta(days=ctx.settings.social.disclosure_max_age_days)
    now = ctx.clock.now()
    never, errors, missing = [], [], []
    evidence = []
    for account in accounts:
        result = latest.get(account.id)
        if result is None or now - result.checked_at > max_age:
            never.append(account.name)
            continue
        evidence.append(f"record:social_disclosure_checks:{result.id}")
        if result.outcome == "error":
            errors.append(account.name)
            continue
        lacking = [i for i in (result.missing.split(",") if result.missing else []) if i in items]
        if lacking:
            missing.append(f"{account.name}（{'、'.join(lacking)}）")
    if missing:
        return CheckResult.failed(
            f"官方帳號頁面未揭露{label_zh}：{_names(missing)}",
            f"Official account pages do not show the {label_en}: {', '.join(missing)}",
            evidence=evidence,
        )
    if never:
        return CheckResult.failed(
            f"{max_age.days} 日內未執行揭露檢查：{_names(never)}",
            f"No disclosure check in the last {max_age.days} days: {', '.join(never)}",
            evidence=evidence,
        )
    if errors:
        return CheckResult.manual(
            f"頁面無法自動讀取，請人工確認：{_names(errors)}",
            f"Pages could not be fetched; confirm by hand: {', '.join(errors)}",
            evidence=evidence,
        )
    return CheckResult.passed(
        f"{len(accounts)} 個官方帳號頁面均揭露{label_zh}",
        f"All {len(accounts)} official account pages show the {label_en}",
        evidence=evidence,
    )


@check(
    "A5.3.2",
    id="social.disclosure_identity",
    title_zh="官方帳號揭露公司名稱、地址、電話及許可證照字號",
    title_en="Official accounts show the firm's name, address, phone and licence number",
)
def disclosure_identity(ctx: CheckContext) -> CheckResult:
    return _disclosure(
        ctx,
        ("name", "address", "phone", "licence"),
        "公司名稱、地址、電話及許可證照字號",
        "firm name, address, phone and licence number",
    )


@check(
    "A5.4.2",
    id="social.disclosure_complaints",
    title_zh="官方帳號揭露客戶申訴管道及處理單位",
    title_en="Official accounts show the complaint channel and who handles complaints",
)
def disclosure_complaints(ctx: CheckContext) -> CheckResult:
    return _disclosure(
        ctx, ("complaint", "handler"), "申訴管道及處理單位", "complaint channel and handler"
    )


@check(
    "A5.4.1",
    id="social.monitoring_recent",
    title_zh="官方帳號定期監看並處理不當言論及異常事件",
    title_en="Official accounts are monitored regularly and incidents/complaints handled in time",
)
def monitoring_recent(ctx: CheckContext) -> CheckResult:
    cfg = ctx.settings.social
    day = today(ctx.clock)
    accounts = _active_accounts(ctx)
    if not accounts:
        return CheckResult.manual("尚無官方帳號登錄", "No official account is registered")
    entries = list(ctx.session.scalars(select(MonitoringEntry)))
    last: dict[str, date] = {}
    for entry in entries:
        if entry.account_id not in last or last[entry.account_id] < entry.observed_on:
            last[entry.account_id] = entry.observed_on
    gap = timedelta(days=cfg.monitoring_max_gap_days)
    unwatched = [a.name for a in accounts if a.id not in last or day - last[a.id] > gap]
    stuck = [
        e
        for e in entries
        if e.kind in ("incident", "complaint")
        and e.status != "closed"
        and day - e.observed_on > timedelta(days=cfg.open_item_max_days)
    ]
    evidence = [f"record:social_monitoring:{e.id}" for e in stuck[:20]]
    if unwatched:
        return CheckResult.failed(
            f"{gap.days} 日內無監看紀錄：{_names(unwatched)}",
            f"No monitoring entry in the last {gap.days} days: {', '.join(unwatched)}",
            evidence=evidence,
        )
    if stuck:
        return CheckResult.failed(
            f"{len(stuck)} 件異常事件或申訴逾 {cfg.open_item_max_days} 日未結案",
            f"{len(stuck)} incidents or complaints open longer than {cfg.open_item_max_days} days",
            evidence=evidence,
        )
    return CheckResult.passed(
        f"{len(accounts)} 個官方帳號均於 {gap.days} 日內監看，異常事件與申訴均於期限內處理",
        f"All {len(accounts)} accounts monitored within {gap.days} days; incidents handled in time",
        evidence=[f"record:social_monitoring:{e.id}" for e in entries[-20:]],
    )
