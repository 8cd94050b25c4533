"""Builders shared by the auth tests: services on a test database, real keys, customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.auth.events import RequestMeta
from brokerguard.auth.factor_totp import INTERVAL, seed_context
from brokerguard.auth.lifecycle import CredentialService
from brokerguard.auth.login import LoginService
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.passwords import PasswordHashing, PasswordPolicy
from brokerguard.auth.policy import LoginPolicy
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.kernel.audit import MemoryAuditSink

PASSWORD = "Trade-safely-2026"
META = RequestMeta(query="POST /api/v1/etrade/login", source_ip="203.0.113.7", user_agent="pytest")


class CountingHashing(PasswordHashing):
    """argon2id with small parameters (fast tests) that counts verifications."""

    def __init__(self, time_cost: int = 1, memory_cost: int = 1024) -> None:
        super().__init__(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        self.verified: list[str] = []

    def verify(self, stored_hash: str, normalised: str) -> bool:
        self.verified.append(stored_hash)
        return super().verify(stored_hash, normalised)


@dataclass
class Kit:
    """Services bound to one test database."""

    engine: Engine
    clock: FixedClock
    data_dir: Path
    auth: AuthSettings = field(default_factory=AuthSettings)
    hashing: CountingHashing = field(default_factory=CountingHashing)
    sink: MemoryAuditSink = field(default_factory=MemoryAuditSink)

    def session(self) -> Session:
        return session_factory(self.engine)()

    @property
    def box(self) -> SecretBox:
        return SecretBox(self.data_dir, self.auth.seed_key_version)

    def login(self, session: Session) -> LoginService:
        return LoginService(
            session=session,
            clock=self.clock,
            sink=self.sink,
            auth=self.auth,
            secrets=self.box,
            hashing=self.hashing,
            policy=LoginPolicy.from_settings(self.auth),
        )

    def credentials(self, session: Session) -> CredentialService:
        return CredentialService(
            session=session,
            clock=self.clock,
            sink=self.sink,
            auth=self.auth,
            secrets=self.box,
            hashing=self.hashing,
            policy=PasswordPolicy.from_settings(self.auth),
        )

    def customer(self, account: str = "A100200", *, totp: bool = True) -> str | None:
        """Create a customer (and an active TOTP factor); returns the TOTP seed."""
        with self.session() as s:
            creds = self.credentials(s)
            customer = creds.create_customer(account, PASSWORD, META, display_name="王小明")
            seed = None
            if totp:
                enrolment = creds.enroll_totp(customer, META, device_id="phone-1", activate=True)
                seed = pyotp.parse_uri(enrolment.uri).secret
            s.commit()
            return seed

    def totp_code(self, seed: str, steps_ahead: int = 0) -> str:
        when = int(self.clock.now().timestamp()) + steps_ahead * INTERVAL
        return str(pyotp.TOTP(seed).at(when))

    def seed_of(self, factor_id: str) -> str:
        with self.session() as s:
            factor = s.get(EnrolledFactor, factor_id)
            assert factor is not None and factor.secret_ciphertext is not None
            return self.box.decrypt(factor.secret_ciphertext, seed_context(factor.id)).decode()
