"""Demo firm: two months of personal-data reads in CRM, back office and call centre,
sealed and signed; an API key for the CRM; a legal hold for a pending case."""

from __future__ import annotations

import uuid
from datetime import timedelta

from brokerguard.audit import apikeys, retention, service
from brokerguard.demodata import DemoContext
from brokerguard.kernel.audit import AuditEvent

STAFF = ("wang.mh", "lin.yc", "chen.sf", "huang.jw", "tsai.pl", "call.center01", "call.center02")
FUNCTIONS = (
    (
        "crm",
        "crm.customer.view",
        "SELECT name, id_no_masked, phone FROM customers WHERE id = '{c}'",
    ),
    ("crm", "crm.customer.search", "name LIKE '王%' AND branch = '台北'"),
    ("backoffice", "bo.account.statement", "SELECT * FROM statements WHERE account = '{c}'"),
    ("backoffice", "bo.kyc.review", "SELECT * FROM kyc_documents WHERE customer = '{c}'"),
    ("callcenter", "cc.caller.lookup", "lookup by phone 09xx-xxx-{n:03d}"),
)


def load_demo(ctx: DemoContext) -> None:
    now = ctx.clock.now()
    events = []
    for day in range(60, 0, -1):
        for _ in range(ctx.rng.randint(60, 140)):
            system, function, pattern = ctx.rng.choice(FUNCTIONS)
            customer = f"A{100000 + ctx.rng.randint(0, 2999)}"
            when = (now - timedelta(days=day)).replace(
                hour=ctx.rng.randint(1, 11), minute=ctx.rng.randint(0, 59)
            )  # 09:00-19:59 Taipei
            events.append(
                AuditEvent(
                    event_id=uuid.UUID(int=ctx.rng.getrandbits(128), version=4),
                    time=when,
                    account=ctx.rng.choice(STAFF),
                    function=function,
                    system=system,
                    query=pattern.format(c=customer, n=ctx.rng.randint(0, 999)),
                    customer_ids=(customer,),
                    source_ip=f"10.12.{ctx.rng.randint(1, 40)}.{ctx.rng.randint(2, 250)}",
                    user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/124.0",
                    outcome="success",
                    correlation_id=f"req-{ctx.rng.getrandbits(48):012x}",
                )
            )
    events.sort(key=lambda e: e.time)
    for start in range(0, len(events), 2000):
        service.append(ctx.session, ctx.clock, events[start : start + 2000])
    service.seal_log(ctx.session, ctx.clock, ctx.settings)
    _, key = apikeys.create_key(ctx.session, ctx.clock, "crm", "demo")
    year = now.year - 1
    retention.add_hold(
        ctx.session,
        ctx.clock,
        period_from=f"{year}-03",
        period_to=f"{year}-05",
        reason="金管會檢查案件 114-0042 相關紀錄保全 / FSC inspection case 114-0042",
        created_by="legal.affairs",
    )
    ctx.notes.append(
        f"audit trail: {len(events)} personal-data events sealed; CRM API key: {key[:12]}..."
    )
