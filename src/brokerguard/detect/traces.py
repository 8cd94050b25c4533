"""Generated login traces in the e-trading login service's event format.

Used by the tests (attacks must fire, a normal day must stay quiet), the benchmark
and the demo. Events are :class:`AuditEvent` with ``system="brokerguard-etrade"``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from brokerguard.clock import TAIPEI
from brokerguard.kernel.audit import AuditEvent

SYSTEM = "brokerguard-etrade"
AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) DemoTrade/5.2",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) DemoTrade/5.2",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
)


def login_event(
    when: datetime,
    account: str,
    *,
    function: str = "etrade.login.password",
    known: bool = True,
    success: bool = True,
    reason: str | None = None,
    ip: str = "203.69.10.20",
    device: str | None = None,
    country: str | None = "TW",
    agent: str = AGENTS[0],
) -> AuditEvent:
    attributes: dict[str, str | int] = {
        "reason": reason or ("ok" if success else "invalid_credentials"),
        "account_known": 1 if known else 0,
    }
    if device:
        attributes["device_id"] = device
    if country:
        attributes["country"] = country
    return AuditEvent(
        event_id=uuid.uuid4(),
        time=when,
        account=account,
        function=function,
        system=SYSTEM,
        result_digest="login:" + ("ok" if success else "denied"),
        customer_ids=(account,) if known else (),
        source_ip=ip,
        user_agent=agent,
        outcome="success" if success else "failure",
        attributes=attributes,
    )


def _session(when: datetime, account: str, ip: str, device: str, country: str) -> AuditEvent:
    return login_event(
        when, account, function="etrade.session.issue", ip=ip, device=device, country=country
    )


def normal_day(day: datetime, customers: int = 300, seed: int = 7) -> list[AuditEvent]:
    """A quiet business day: customers log in from their own device, 07:00-23:00 Taipei,
    with the occasional mistyped password followed by success."""
    rng = random.Random(seed)
    start = day.astimezone(TAIPEI).replace(hour=0, minute=0, second=0, microsecond=0)
    events: list[AuditEvent] = []
    for n in range(customers):
        account = f"A{100000 + n}"
        ip = f"61.{rng.randint(216, 231)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        device = f"dev-{n:05d}"
        for _ in range(rng.randint(1, 3)):
            when = start + timedelta(hours=rng.randint(7, 22), minutes=rng.randint(0, 59))
            if rng.random() < 0.08:
                events.append(login_event(when, account, success=False, ip=ip, device=device))
                when += timedelta(seconds=20)
            events.append(login_event(when, account, ip=ip, device=device))
            events.append(_session(when + timedelta(seconds=15), account, ip, device, "TW"))
    events.sort(key=lambda e: e.time)
    return events


def attack_traces(day: datetime, never_login: str = "svc-batch") -> dict[str, list[AuditEvent]]:
    """One trace per attack the rules must catch, at 10:00 Taipei on ``day``."""
    base = day.astimezone(TAIPEI).replace(hour=10, minute=0, second=0, microsecond=0)
    brute = [
        login_event(base + timedelta(seconds=20 * i), "A100001", success=False, ip="45.9.1.7")
        for i in range(12)
    ]
    spray = [
        login_event(base + timedelta(minutes=i), f"A{100100 + i}", success=False, ip="185.220.1.9")
        for i in range(15)
    ]
    stuffing = [
        login_event(
            base + timedelta(seconds=40 * i),
            f"leaked{i:04d}",
            known=False,
            success=False,
            reason="unknown_account",
            ip="91.200.8.3",
            agent="python-requests/2.31",
        )
        for i in range(30)
    ]
    non_customer = [
        login_event(base, never_login, success=False, ip="10.1.2.3"),
        login_event(
            base + timedelta(minutes=1),
            "nosuchuser",
            known=False,
            success=False,
            reason="unknown_account",
        ),
    ]
    history = [
        _session(base - timedelta(days=1), "A100050", "61.220.1.1", "dev-00050", "TW"),
    ]
    new_device = [*history, _session(base, "A100050", "61.220.1.1", "dev-evil", "TW")]
    new_country = [*history, _session(base, "A100050", "5.188.1.1", "dev-00050", "RU")]
    night = base.replace(hour=3, minute=12)
    unusual = [
        login_event(night, "A100070", device="dev-00070"),
        _session(night + timedelta(seconds=5), "A100070", "61.220.1.2", "dev-00070", "TW"),
    ]
    otp = [
        login_event(
            base + timedelta(seconds=30 * i),
            "A100090",
            function="etrade.login.factor",
            success=False,
            reason="invalid_code",
            ip="61.220.9.9",
        )
        for i in range(6)
    ]
    return {
        "login.brute_force": brute,
        "login.factor_brute_force": otp,
        "login.password_spraying": spray,
        "login.credential_stuffing": stuffing,
        "login.non_customer_account": non_customer,
        "login.new_device": new_device,
        "login.new_country": new_country,
        "login.unusual_hours": unusual,
    }


def endless(start: datetime, seed: int = 1) -> Iterator[AuditEvent]:
    """A long mixed stream for the benchmark (normal days with attacks folded in)."""
    day = start
    while True:
        yield from normal_day(day, customers=2000, seed=seed)
        for trace in attack_traces(day).values():
            yield from trace
        day += timedelta(days=1)
        seed += 1
