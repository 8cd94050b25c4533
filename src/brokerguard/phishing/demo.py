"""Demo firm data for A8.1 and A6.3.1.3.

The demo firm's brand (示範證券, demo-sec.com.tw and its Android app), daily CT
scans, a store-listing scan that is overdue, cases in every state (one confirmed
case still waiting for its takedown request, so the dashboard shows a failure),
a dismissed false positive and the monthly customer reminder.
"""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import FixedClock
from brokerguard.demodata import DemoContext
from brokerguard.errors import UnknownRequirementError
from brokerguard.phishing import reminders, service
from brokerguard.phishing.apps import assess_app, brand_looks
from brokerguard.phishing.brands import Brand, parse_brands
from brokerguard.phishing.models import PhishingCase
from brokerguard.phishing.registry import save_brands
from brokerguard.phishing.scoring import Scorer
from brokerguard.rulebook import require_known

DEMO_CERT = "5f2a9c0e8b7d6a4f3e2c1b0a99887766554433221100ffeeddccbbaa99887766"

DEMO_BRAND = {
    "name_zh": "示範證券",
    "name_en": "Demo Securities",
    "aliases": ["demosec", "demo-sec", "demotrade"],
    "stock_code": "9999",
    "domains": ["demo-sec.com.tw", "demotrade.com.tw"],
    "apps": [
        {
            "platform": "android",
            "package": "tw.com.demosec.trade",
            "cert_sha256": DEMO_CERT,
            "name": "示範證券 e 點通",
        }
    ],
}


def _at(ctx: DemoContext, days: float) -> FixedClock:
    return FixedClock(ctx.clock.now() - timedelta(days=days))


def _actor(ctx: DemoContext) -> str:
    staff = ctx.staff.get("security")
    return staff.username if staff is not None else "demo"


def load_demo(ctx: DemoContext) -> None:
    brands = parse_brands([DEMO_BRAND], source="demo")
    save_brands(ctx.session, ctx.clock, brands)
    actor = _actor(ctx)
    _scans(ctx)
    try:
        require_known("A8.1", "A6.3.1.3")
    except UnknownRequirementError:
        ctx.notes.append("phishing: A8.1/A6.3.1.3 not in the rulebook yet; cases left untriaged")
        _open_only(ctx, brands, actor)
        return
    _cases(ctx, brands, actor)
    channels = reminders.default_channels(
        ctx.settings, ctx.clock, ctx.settings.phishing, email=False
    )
    reminders.send_reminder(
        ctx.session,
        _at(ctx, 25),
        ctx.settings,
        template="periodic",
        channels=channels,
        recipients=[],
        domains=list(brands[0].domains),
        trigger="periodic",
        actor=actor,
    )
    ctx.notes.append("phishing: 6 cases, CT scans daily, store-listing scan overdue")


def _scans(ctx: DemoContext) -> None:
    for day in range(14, -1, -1):
        clock = _at(ctx, day)
        names = 1_150_000 + ctx.rng.randint(0, 90_000)
        service.record_scan(
            ctx.session,
            clock,
            source="ct",
            started_at=clock.now(),
            names=names,
            flagged=ctx.rng.randint(0, 3),
            rejected=ctx.rng.randint(50, 400),
            description="ct-log-daily.jsonl",
        )
    clock = _at(ctx, 12)
    service.record_scan(
        ctx.session,
        clock,
        source="apps",
        started_at=clock.now(),
        names=340,
        flagged=1,
        rejected=2,
        description="third-party store listings",
    )


def _open_only(ctx: DemoContext, brands: list[Brand], actor: str) -> None:
    scorer = Scorer(brands)
    for target in ("demosec-login.top", "shifan-zhengquan.vip"):
        service.open_site_case(
            ctx.session, ctx.clock, scorer.check(target), source="ct", actor=actor
        )


def _cases(ctx: DemoContext, brands: list[Brand], actor: str) -> None:
    scorer = Scorer(brands)
    session, settings, brand = ctx.session, ctx.settings, brands[0]

    def site(target: str, days: float, source: str = "ct") -> PhishingCase:
        return service.open_site_case(
            session,
            _at(ctx, days),
            scorer.check(target),
            source=source,
            actor=actor,
            sink=ctx.audit,
        )

    def confirm(case: PhishingCase, days: float, registrar: str = "") -> None:
        service.confirm_case(
            session,
            _at(ctx, days),
            settings,
            case,
            actor=actor,
            brands=brands,
            registrar=registrar,
            hosting="Cloud hosting",
            sink=ctx.audit,
        )

    closed = site("demosec-login.top", 21)
    confirm(closed, 20.9, "NameCheap, Inc.")
    service.request_takedown(session, _at(ctx, 20), settings, closed, actor=actor, brand=brand)
    service.close_case(session, _at(ctx, 10), closed, actor=actor, resolution="網域已停用")

    pending = site("demo-sec.com.tw.verify-account.xyz", 3, source="sms")
    confirm(pending, 2.8, "GoDaddy.com, LLC")
    service.request_takedown(session, _at(ctx, 2), settings, pending, actor=actor, brand=brand)

    late = site("demosec-app.com", 7)
    confirm(late, 6)  # no takedown request yet: A8.1 takedown check fails

    site("shifan-zhengquan.vip", 0.2)

    dismissed = site("demotrade-club.com", 9)
    service.triage(
        session,
        _at(ctx, 8),
        dismissed,
        actor=actor,
        confirmed=False,
        note="本公司行銷活動網站，已於品牌清冊補登",
    )

    verdict = assess_app(
        brand_looks(brands),
        source="listing:apkpure",
        title="示範證券 VIP 飆股",
        package="com.demosec.vip",
        certs=["ab" * 32],
    )
    app_case = service.open_app_case(session, _at(ctx, 12), verdict, actor=actor)
    confirm(app_case, 11.5)
    service.request_takedown(session, _at(ctx, 11), settings, app_case, actor=actor, brand=brand)
