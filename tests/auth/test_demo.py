from __future__ import annotations

import random
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.auth import checks, demo
from brokerguard.auth.models import EtradeCustomer, LoginAttempt
from brokerguard.auth.settings import ARGON2_MEMORY_KIB, ARGON2_TIME_COST, AuthSettings
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.demodata import DemoContext
from brokerguard.kernel.audit import MemoryAuditSink


def test_demo_customers_load_and_show_a_gap(
    sqlite_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # the demo firm's passwords with the production (OWASP) costs, not the tests' cheap ones:
    # the A9.5 check reads them and passes only on OWASP-strength hashes
    production = AuthSettings(
        argon2_time_cost=ARGON2_TIME_COST, argon2_memory_kib=ARGON2_MEMORY_KIB
    )
    settings = Settings(data_dir=tmp_path / "var", auth=production)
    with session_factory(sqlite_engine)() as s:
        ctx = DemoContext(
            session=s, settings=settings, clock=clock, rng=random.Random(7), audit=MemoryAuditSink()
        )
        demo.load_demo(ctx)
        s.commit()
        assert s.query(EtradeCustomer).count() == len(demo.CUSTOMERS)
        assert s.query(LoginAttempt).filter(LoginAttempt.account_known.is_(False)).count() > 0
        check_ctx = CheckContext(session=s, settings=settings, clock=clock)
        result = checks.two_categories(check_ctx)
        assert result.status is Status.failed and "A123000107" in result.reason_en
        assert checks.stored_credentials(check_ctx).status is Status.passed
        assert checks.indirect_biometric_assessed(check_ctx).status is Status.passed
        assert checks.server_side_verification(check_ctx).status is Status.passed
    (note,) = [n for n in ctx.notes if "otpauth://" in n]
    password = note.split("password (shown this once): ", 1)[1].split(";", 1)[0]
    with session_factory(sqlite_engine)() as s:
        stored = s.query(EtradeCustomer).filter_by(account="A123000101").one().password_hash
    assert PasswordHasher().verify(stored, password)  # the printed password is the real one
    assert demo.demo_customer_password() != demo.demo_customer_password()  # never a fixed one
