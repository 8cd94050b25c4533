"""Checks for A8.1 (phishing sites, customer reminders) and A6.3.1.3 (counterfeit apps)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.phishing.models import PhishingCase
from brokerguard.phishing.reminders import last_periodic, reminded_for
from brokerguard.phishing.service import last_scan, overdue_takedowns
from brokerguard.timefmt import format_when

SITE_SOURCES = ("ct", "nrd", "urls", "sms", "domains")


def _when(value: datetime, language: str) -> str:
    return format_when(value, language)


def _scan_result(
    ctx: CheckContext, sources: tuple[str, ...], what_zh: str, what_en: str
) -> CheckResult:
    days = ctx.settings.phishing.scan_max_age_days
    run = last_scan(ctx.session, sources, scanned_only=True)
    if run is None:
        return CheckResult.failed(
            f"尚無掃描到任何名稱之{what_zh}掃描紀錄",
            f"no {what_en} scan that scanned at least one name has run",
        )
    ref = f"record:phishing_scan_runs:{run.id}"
    age = ctx.clock.now() - run.finished_at
    if age > timedelta(days=days):
        return CheckResult.failed(
            f"最近一次{what_zh}掃描在 {_when(run.finished_at, 'zh-TW')}，超過 {days} 天",
            f"the last {what_en} scan ran {_when(run.finished_at, 'en')}, "
            f"more than {days} days ago",
            [ref],
        )
    return CheckResult.passed(
        f"{_when(run.finished_at, 'zh-TW')} 掃描 {run.names} 筆，標示 {run.flagged} 筆",
        f"scanned {run.names} names at {_when(run.finished_at, 'en')}, {run.flagged} flagged",
        [ref],
        names=run.names,
        flagged=run.flagged,
    )


@check(
    "A8.1",
    id="phishing.site_scans_recent",
    title_zh="定期偵測仿冒網站與惡意連結",
    title_en="Phishing sites and malicious links are scanned for regularly",
)
def site_scans_recent(ctx: CheckContext) -> CheckResult:
    return _scan_result(ctx, SITE_SOURCES, "仿冒網站", "phishing-site")


@check(
    "A6.3.1.3",
    id="phishing.app_scans_recent",
    title_zh="定期偵測假冒 App",
    title_en="Counterfeit apps are scanned for regularly",
)
def app_scans_recent(ctx: CheckContext) -> CheckResult:
    return _scan_result(ctx, ("apps",), "假冒 App ", "counterfeit-app")


def _takedowns(ctx: CheckContext, kind: str, what_zh: str, what_en: str) -> CheckResult:
    days = ctx.settings.phishing.takedown_within_days
    late = overdue_takedowns(ctx.session, ctx.clock, days, kind)
    if late:
        numbers = ", ".join(c.number for c in late[:5])
        return CheckResult.failed(
            f"{len(late)} 件已確認之{what_zh}案件逾 {days} 天未提出下架請求：{numbers}",
            f"{len(late)} confirmed {what_en} case(s) without a takedown request after "
            f"{days} days: {numbers}",
            [f"record:phishing_cases:{c.id}" for c in late[:20]],
        )
    handled = ctx.session.scalars(
        select(PhishingCase).where(
            PhishingCase.kind == kind,
            PhishingCase.status.in_(("takedown_requested", "closed")),
            PhishingCase.takedown_requested_at.is_not(None),
        )
    ).all()
    evidence = [f"record:phishing_cases:{c.id}" for c in handled[:20]]
    return CheckResult.passed(
        f"已確認之{what_zh}案件皆已提出下架請求（{len(handled)} 件）",
        f"every confirmed {what_en} case has a takedown request ({len(handled)})",
        evidence,
    )


@check(
    "A8.1",
    id="phishing.site_takedowns",
    title_zh="確認之仿冒網站均已請求下架",
    title_en="Confirmed phishing sites have a takedown request",
)
def site_takedowns(ctx: CheckContext) -> CheckResult:
    return _takedowns(ctx, "site", "仿冒網站", "phishing-site")


@check(
    "A6.3.1.3",
    id="phishing.app_takedowns",
    title_zh="確認之假冒 App 均已請求下架",
    title_en="Confirmed counterfeit apps have a takedown request",
)
def app_takedowns(ctx: CheckContext) -> CheckResult:
    return _takedowns(ctx, "app", "假冒 App ", "counterfeit-app")


@check(
    "A8.1",
    id="phishing.reminders_on_schedule",
    title_zh="依排程及案件提醒客戶防範釣魚",
    title_en="Customers are reminded about phishing on schedule and after each confirmed case",
)
def reminders_on_schedule(ctx: CheckContext) -> CheckResult:
    days = ctx.settings.phishing.reminder_every_days
    last = last_periodic(ctx.session, delivered=True)
    if last is None:
        return CheckResult.failed(
            "尚未有定期防詐提醒送達客戶（網站橫幅與 App 訊息僅為公告，不計為送達）",
            "no periodic anti-phishing reminder has reached customers (the web banner and "
            "in-app feed only publish a file; they do not count as delivery)",
        )
    ref = f"record:phishing_reminder_sends:{last.id}"
    if ctx.clock.now() - last.sent_at > timedelta(days=days):
        return CheckResult.failed(
            f"最近一次定期提醒在 {_when(last.sent_at, 'zh-TW')}，超過 {days} 天",
            f"the last periodic reminder went out {_when(last.sent_at, 'en')}, "
            f"over {days} days ago",
            [ref],
        )
    confirmed = ctx.session.scalars(
        select(PhishingCase).where(
            PhishingCase.status.in_(("triaged", "takedown_requested", "closed")),
            PhishingCase.takedown_requested_at.is_not(None) | (PhishingCase.status == "triaged"),
        )
    ).all()
    missing = [c for c in confirmed if not reminded_for(ctx.session, c)]
    if missing:
        numbers = ", ".join(c.number for c in missing[:5])
        return CheckResult.failed(
            f"{len(missing)} 件已確認案件未觸發客戶提醒：{numbers}",
            f"{len(missing)} confirmed case(s) did not trigger a customer reminder: {numbers}",
            [ref],
        )
    return CheckResult.passed(
        f"定期提醒於 {_when(last.sent_at, 'zh-TW')} 發送，已確認案件皆已提醒",
        f"periodic reminder sent {_when(last.sent_at, 'en')}; every confirmed case was announced",
        [ref],
    )
