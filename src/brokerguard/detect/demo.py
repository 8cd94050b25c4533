"""Demo firm: a week of e-trading logins with a brute-force attack, password spraying,
credential stuffing and a login from a new country; monitoring run, alerts triaged,
daily and monthly analysis reports stored as A9.3 evidence."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.audit import service as audit_service
from brokerguard.demodata import DemoContext
from brokerguard.detect import reports, service
from brokerguard.detect.settings import DetectSettings
from brokerguard.detect.traces import attack_traces, normal_day


def load_demo(ctx: DemoContext) -> None:
    now = ctx.clock.now()
    settings = DetectSettings(never_login_accounts=["svc-batch", "test01"])
    events = []
    for back in range(7, 0, -1):
        events += normal_day(now - timedelta(days=back), customers=200, seed=back)
    traces = attack_traces(now - timedelta(days=2))
    for name in ("login.brute_force", "login.password_spraying", "login.credential_stuffing",
                 "login.non_customer_account", "login.new_country"):  # fmt: skip
        events += traces[name]
    events.sort(key=lambda e: e.time)
    for start in range(0, len(events), 2000):
        audit_service.append(ctx.session, ctx.clock, events[start : start + 2000])
    summary = service.run_detection(ctx.session, ctx.clock, settings)
    analyst = ctx.staff.get("security")
    by = analyst.username if analyst else "soc.analyst"
    alerts = service.list_alerts(ctx.session, status="new")
    for alert in alerts:
        if alert.rule_id == "login.brute_force":
            service.triage(
                ctx.session, ctx.clock, alert.id, by, "已致電客戶確認非本人操作，協助重設密碼"
            )
        elif alert.rule_id == "login.non_customer_account" and alert.group_key == "svc-batch":
            service.close(
                ctx.session, ctx.clock, alert.id, by, "resolved", "批次服務帳號誤設登入，已修正"
            )
    reports.generate_report(ctx.session, ctx.clock, ctx.settings, kind="daily",
                            detect_settings=settings, created_by=by)  # fmt: skip
    reports.generate_report(ctx.session, ctx.clock, ctx.settings, kind="monthly",
                            detect_settings=settings, created_by=by)  # fmt: skip
    ctx.notes.append(
        f"login monitoring: {summary.events_seen} login events, {summary.alerts_raised} alerts"
    )
