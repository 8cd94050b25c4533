"""Demo e-trading customers: factors of several kinds, a month of login history, one
locked account, one customer still holding only a password (a gap the A9.1 check shows)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.events import RequestMeta
from brokerguard.auth.models import EtradeCustomer, EtradeSession, FailureCounter, LoginAttempt
from brokerguard.auth.service import credential_service
from brokerguard.db.base import new_uuid
from brokerguard.demodata import DemoContext

CUSTOMERS = [
    ("A123000101", "陳怡君", "totp"),
    ("A123000102", "林志豪", "device"),
    ("A123000103", "黃淑芬", "totp"),
    ("A123000104", "張家豪", "device"),
    ("A123000105", "李美玲", "totp"),
    ("A123000106", "王建民", "totp"),
    ("A123000107", "吳雅婷", "none"),
]
LOCKED = "A123000106"
IPS = ["203.69.12.40", "114.32.8.77", "61.220.5.9", "1.34.120.18", "36.226.91.3"]
FOREIGN_IPS = ["185.220.101.4", "45.83.64.12"]


def demo_customer_password() -> str:
    """A random password that meets the policy (letters, digits, a symbol, 16+ chars)."""
    return f"Trade-{secrets.token_urlsafe(12)}-{secrets.randbelow(90) + 10}"


def load_demo(ctx: DemoContext) -> None:
    auth = ctx.settings.auth
    creds = credential_service(ctx.session, ctx.clock, ctx.audit, ctx.settings, auth)
    security = ctx.staff.get("security")
    officer = security.username if security is not None else "demo-security"
    meta = RequestMeta.cli("demo", officer)
    now = ctx.clock.now()
    password = demo_customer_password()  # generated per demo, printed once, never in the repo
    for account, name, kind in CUSTOMERS:
        customer = creds.create_customer(
            account, password, meta, display_name=name, identity_verified_by=officer
        )
        customer.created_at = now - timedelta(days=ctx.rng.randint(60, 360))
        customer.password_changed_at = now - timedelta(days=ctx.rng.randint(5, 200))
        if kind == "totp":
            enrolment = creds.enroll_totp(customer, meta, device_id="otp-app", activate=True)
            if account == CUSTOMERS[0][0]:
                ctx.notes.append(
                    f"e-trading demo customers {CUSTOMERS[0][0]}..{CUSTOMERS[-1][0]} "
                    f"password (shown this once): {password}; {account} TOTP: {enrolment.uri}"
                )
        elif kind == "device":
            pem = (
                ed25519.Ed25519PrivateKey.generate()
                .public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                .decode()
            )
            creds.enroll_device(
                customer, meta, device_id=f"app-{account[-3:]}", public_key_pem=pem, label="iPhone"
            )
    record_assessment(
        ctx.session,
        ctx.clock,
        method="app-face-v3",
        assessed_by="資安專責單位 林資安經理",
        conclusion="effective",
        summary="行動下單 APP 臉部辨識（裝置端）誤接受率測試與活體偵測評估",
        assessed_at=now - timedelta(days=120),
        valid_until=now + timedelta(days=245),
    )
    _history(ctx)
    ctx.session.add(
        FailureCounter(
            account=LOCKED, failed_count=5, locked_at=now - timedelta(hours=3), updated_at=now
        )
    )
    ctx.session.flush()


def _history(ctx: DemoContext) -> None:
    now = ctx.clock.now()
    second = {a: ("device" if kind == "device" else "totp") for a, _, kind in CUSTOMERS}
    ids = {
        c.account: c.id
        for c in ctx.session.scalars(
            select(EtradeCustomer).where(EtradeCustomer.account.in_(list(second)))
        )
    }
    accounts = [a for a, _, kind in CUSTOMERS if kind != "none"]
    for day in range(30):
        for _ in range(ctx.rng.randint(3, 8)):
            account = ctx.rng.choice(accounts)
            when = now - timedelta(days=day, minutes=ctx.rng.randint(0, 600))
            ip = ctx.rng.choice(IPS)
            if ctx.rng.random() < 0.15:
                _attempt(ctx, account, True, "password", "failure", "invalid_credentials", ip, when)
            token = new_uuid()
            _attempt(ctx, account, True, "password", "success", "ok", ip, when, token)
            _attempt(ctx, account, True, second[account], "success", "ok", ip, when, token)
            ctx.session.add(
                EtradeSession(
                    secret_hash=hashlib.sha256(token.encode()).hexdigest(),
                    customer_id=ids[account],
                    login_token_id=token,
                    categories="knowledge,possession",
                    factors_used=f"password,{second[account]}",
                    created_at=when,
                    expires_at=when + timedelta(hours=8),
                    revoked_at=when + timedelta(hours=2),
                )
            )
        if ctx.rng.random() < 0.3:
            ghost = f"A9{ctx.rng.randint(10000000, 99999999)}"
            when = now - timedelta(days=day, minutes=ctx.rng.randint(0, 600))
            ip = ctx.rng.choice(FOREIGN_IPS)
            _attempt(ctx, ghost, False, "password", "failure", "unknown_account", ip, when)
    for i in range(5):
        when = now - timedelta(hours=3, minutes=10 - i)
        _attempt(
            ctx, LOCKED, True, "password", "failure", "invalid_credentials", FOREIGN_IPS[0], when
        )


def _attempt(
    ctx: DemoContext,
    account: str,
    known: bool,
    factor: str,
    outcome: str,
    reason: str,
    ip: str,
    when: datetime,
    token: str = "",
) -> None:
    ctx.session.add(
        LoginAttempt(
            account=account,
            account_known=known,
            factor=factor,
            outcome=outcome,
            reason=reason,
            source_ip=ip,
            login_token_id=token,
            created_at=when,
        )
    )
