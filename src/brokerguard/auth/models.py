"""Storage of the e-trading login service. Secrets: argon2id hashes or AES-GCM ciphertexts only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class EtradeCustomer(Base):
    """A customer account of the electronic-trading service."""

    __tablename__ = "auth_customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active/suspended/closed
    password_hash: Mapped[str] = mapped_column(String(256))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    identity_verified_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FailureCounter(Base):
    """Consecutive wrong passwords per submitted account name, known or not (A9.7).

    Unknown names get a row too, so they lock exactly like real accounts.
    """

    __tablename__ = "auth_failure_counters"

    account: Mapped[str] = mapped_column(String(256), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PasswordHistory(Base):
    __tablename__ = "auth_password_history"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(ForeignKey("auth_customers.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnrolledFactor(Base):
    """A credential issued to a customer: TOTP seed, device key, certificate, passkey."""

    __tablename__ = "auth_factors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(ForeignKey("auth_customers.id"), index=True)
    type: Mapped[str] = mapped_column(String(16))  # totp/device/certificate/webauthn
    status: Mapped[str] = mapped_column(String(16), default="issued")
    label: Mapped[str] = mapped_column(String(128), default="")
    device_id: Mapped[str] = mapped_column(String(128), default="")
    #: AES-GCM ciphertext (``v<N>:...``) of a TOTP seed
    secret_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_totp_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: device key or certificate public key / certificate in PEM
    public_key_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    certificate_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(128), default="", index=True)
    algorithm: Mapped[str] = mapped_column(String(32), default="")
    credential_id: Mapped[str] = mapped_column(String(512), default="", index=True)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginToken(Base):
    """A login (or recovery) in progress: which categories are proven so far."""

    __tablename__ = "auth_login_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    secret_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16), default="login")  # login/recovery
    account: Mapped[str] = mapped_column(String(256))
    customer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    categories: Mapped[str] = mapped_column(String(64), default="")
    factors_used: Mapped[str] = mapped_column(String(128), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Challenge(Base):
    """A server nonce for a signature factor; single-use."""

    __tablename__ = "auth_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    login_token_id: Mapped[str] = mapped_column(String(36), index=True)
    factor_type: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EtradeSession(Base):
    """A session issued after a successful multi-factor login."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    secret_hash: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("auth_customers.id"), index=True)
    login_token_id: Mapped[str] = mapped_column(String(36))
    categories: Mapped[str] = mapped_column(String(64))
    factors_used: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: when the session last proved the password and an enrolled factor again (step-up)
    stepped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginAttempt(Base):
    """Every login step, kept for the staff look-up and the A9.3 check."""

    __tablename__ = "auth_login_attempts"
    __table_args__ = (Index("ix_auth_login_attempts_account_time", "account", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account: Mapped[str] = mapped_column(String(256))
    account_known: Mapped[bool] = mapped_column(Boolean)
    factor: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    login_token_id: Mapped[str] = mapped_column(String(36), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CredentialEvent(Base):
    """One step of a credential's life (A9.2): apply, verify_identity, issue, deliver, ..."""

    __tablename__ = "auth_credential_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(ForeignKey("auth_customers.id"), index=True)
    factor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    step: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BiometricAssessment(Base):
    """The effectiveness assessment of an indirect biometric method (A9.1.3)."""

    __tablename__ = "auth_biometric_assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    method: Mapped[str] = mapped_column(String(64), index=True)
    assessed_by: Mapped[str] = mapped_column(String(128))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    conclusion: Mapped[str] = mapped_column(String(16))  # effective/ineffective
    summary: Mapped[str] = mapped_column(String(1024), default="")
    evidence_ref: Mapped[str] = mapped_column(String(256), default="")
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
