"""A9.3 checks: monitoring runs, alerts are triaged in time, analysis reports are kept."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.clock import as_utc
from brokerguard.detect.reports import latest_report
from brokerguard.detect.service import last_run, overdue_alerts


@check(
    "A9.3",
    id="detect.monitoring_ran",
    title_zh="登入失敗監控於期限內執行",
    title_en="Login-failure monitoring ran recently",
)
def monitoring_ran(ctx: CheckContext) -> CheckResult:
    settings = ctx.settings.detect
    run = last_run(ctx.session)
    if run is None:
        return CheckResult.failed("登入監控從未執行", "Login monitoring has never run")
    age = ctx.clock.now() - as_utc(run.finished_at)
    if age > timedelta(hours=settings.max_run_age_hours):
        return CheckResult.failed(
            f"登入監控已 {int(age.total_seconds() // 3600)} 小時未執行",
            f"Login monitoring last ran {int(age.total_seconds() // 3600)} hours ago",
            [f"record:detect_runs:{run.id}"],
        )
    return CheckResult.passed(
        f"最近一次監控分析 {run.events_seen} 筆登入事件",
        f"The last run analysed {run.events_seen} login events",
        [f"record:detect_runs:{run.id}"],
    )


@check(
    "A9.3",
    id="detect.alerts_triaged",
    title_zh="登入告警於期限內完成初判",
    title_en="Login alerts are triaged in time",
)
def alerts_triaged(ctx: CheckContext) -> CheckResult:
    settings = ctx.settings.detect
    late = overdue_alerts(ctx.session, ctx.clock, settings.untriaged_max_hours)
    if late:
        return CheckResult.failed(
            f"{len(late)} 件告警逾 {settings.untriaged_max_hours} 小時未初判",
            f"{len(late)} alerts untriaged for more than {settings.untriaged_max_hours} hours",
            [f"record:detect_alerts:{a.id}" for a in late[:20]],
            overdue=len(late),
        )
    return CheckResult.passed("無逾期未初判之告警", "No alert is waiting past the triage deadline")


@check(
    "A9.3",
    id="detect.analysis_reports",
    title_zh="保存登入監控分析日報與月報",
    title_en="Daily and monthly login analysis reports are kept",
)
def analysis_reports(ctx: CheckContext) -> CheckResult:
    daily = latest_report(ctx.session, "daily")
    monthly = latest_report(ctx.session, "monthly")
    now = ctx.clock.now()
    problems = []
    if daily is None or now - as_utc(daily.created_at) > timedelta(days=2):
        problems.append(("日報逾 2 日未產出", "no daily report in the last 2 days"))
    if monthly is None or now - as_utc(monthly.created_at) > timedelta(days=35):
        problems.append(("月報逾 35 日未產出", "no monthly report in the last 35 days"))
    evidence = [r.evidence_ref for r in (daily, monthly) if r is not None]
    if problems:
        return CheckResult.failed(
            "；".join(p[0] for p in problems), "; ".join(p[1] for p in problems), evidence
        )
    return CheckResult.passed(
        f"最新日報 {daily.period if daily else ''}、月報 {monthly.period if monthly else ''}",
        f"Latest daily report {daily.period if daily else ''}, "
        f"monthly {monthly.period if monthly else ''}",
        evidence,
    )
