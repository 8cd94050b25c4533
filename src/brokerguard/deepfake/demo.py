"""Demo firm video identity sessions: a year of approved sessions with every step, one rejected,
one still in progress."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import FixedClock
from brokerguard.deepfake import service
from brokerguard.deepfake.detector import NoDetector
from brokerguard.deepfake.evidence import approve_and_keep
from brokerguard.demodata import DemoContext


class _DemoPhone:
    """Stands in for the SMS gateway: the customer 'reads back' what was sent."""

    def __init__(self) -> None:
        self.last = ""

    def send(self, channel: str, destination: str, code: str) -> None:
        self.last = code


def load_demo(ctx: DemoContext) -> None:
    cfg = ctx.settings.deepfake
    operators = ["許家豪", "鄭美玲"]
    reviewer = "經紀業務部主管 林"
    phone = _DemoPhone()
    for index in range(14):
        when = FixedClock(
            ctx.clock.now() - timedelta(days=350 - index * 25, hours=ctx.rng.randint(1, 8))
        )
        operator = operators[index % 2]
        row = service.start_session(
            ctx.session,
            when,
            customer_ref=f"9801-{ctx.rng.randint(100000, 999999)}",
            purpose="account_opening" if index % 3 else "credential_reissue",
            operator=operator,
        )
        service.send_otp(
            ctx.session,
            when,
            cfg,
            phone,
            row.id,
            channel="sms",
            registered_destination=f"09{ctx.rng.randint(10000000, 99999999)}",
        )
        when.advance(timedelta(seconds=40))
        service.verify_otp(ctx.session, when, cfg, row.id, phone.last)
        service.record_challenges(ctx.session, when, row.id, [True, True, True], operator)
        mismatch = index == 9
        service.record_id_photo(
            ctx.session,
            when,
            row.id,
            result="mismatch" if mismatch else "match",
            note="臉部特徵與證件照不符，疑似換臉影片" if mismatch else "",
            actor=operator,
        )
        recording = f"demo-recording-{row.id}".encode()
        service.attach_recording(ctx.session, when, cfg, row.id, recording, NoDetector())
        when.advance(timedelta(minutes=30))
        if mismatch:
            service.reject(
                ctx.session, when, row.id, reviewer=reviewer, note="證件照比對不符，請客戶臨櫃辦理"
            )
        else:
            approve_and_keep(
                ctx.session, when, ctx.settings, row.id, reviewer=reviewer, note="核驗步驟完整"
            )
    recent = FixedClock(ctx.clock.now() - timedelta(hours=2))
    service.start_session(
        ctx.session,
        recent,
        customer_ref="9801-778812",
        purpose="account_opening",
        operator="許家豪",
    )
