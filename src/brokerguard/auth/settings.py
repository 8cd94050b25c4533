"""Settings of the e-trading login service (``BROKERGUARD_AUTH_*``).

Floors from the rules (A9.1, A9.7, A9.8) are enforced here: a value below a
floor is refused at start-up, so the firm can raise the policy but never lower it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: A9.1: factors of at least two different categories.
MIN_CATEGORIES_FLOOR = 2
#: A9.7: at least 6 characters.
MIN_PASSWORD_LENGTH_FLOOR = 6
#: A9.7: lock after 5 consecutive wrong passwords (a firm may lock sooner, never later).
LOCK_THRESHOLD_CEILING = 5
#: A9.5: the OWASP argon2id parameters (m=19456 KiB, t=2, p=1), the production defaults of
#: the customers' and the staff's password hashing
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19456
#: OWASP's argon2id settings of equal strength, (memory KiB, passes) at parallelism 1;
#: costs are strong enough when they reach one of them (more memory or more passes)
OWASP_ARGON2ID_FLOOR = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


def meets_owasp_costs(memory_kib: int, time_cost: int) -> bool:
    """Whether argon2id with these costs reaches one of OWASP's minimum settings."""
    return any(
        memory_kib >= memory and time_cost >= passes for memory, passes in OWASP_ARGON2ID_FLOOR
    )


class Argon2Costs(BaseSettings):
    """The argon2id costs of new password hashes (customers' in ``auth``, staff's in
    ``staff``); a sign-in with a hash of other costs rehashes it. Below OWASP's minimum
    they are refused in production (``Settings``) and fail the A9.5 check's stored hashes."""

    argon2_time_cost: int = Field(
        default=ARGON2_TIME_COST,
        ge=1,
        le=64,
        description="argon2id passes of a new password hash (OWASP: 2).",
    )
    argon2_memory_kib: int = Field(
        default=ARGON2_MEMORY_KIB,
        ge=8,
        le=4 * 1024 * 1024,
        description="argon2id memory of a new password hash in KiB (OWASP: 19456).",
    )

    @property
    def argon2_meets_owasp(self) -> bool:
        return meets_owasp_costs(self.argon2_memory_kib, self.argon2_time_cost)


class AuthSettings(Argon2Costs):
    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_AUTH_", extra="forbid")

    min_categories: int = Field(default=2, description="Factor categories a login must prove.")
    required_factor_types: tuple[str, ...] = Field(
        default=(), description="Factor types every login must include (e.g. certificate)."
    )
    lock_threshold: int = 5
    password_min_length: int = 8
    password_history: int = Field(default=5, ge=0, le=24)
    password_max_age_days: int = Field(default=180, ge=0, le=3650)
    enforce_password_change: bool = Field(
        default=True,
        description="Past the maximum age, a session serves only to change the password.",
    )
    password_blocklist_file: Path | None = None
    brand_words: tuple[str, ...] = ("brokerguard", "demo", "securities", "yuanta", "fubon")
    login_token_ttl_s: int = Field(default=300, gt=0, le=3600)
    session_ttl_s: int = Field(default=8 * 3600, gt=0, le=86400)
    challenge_ttl_s: int = Field(default=120, gt=0, le=3600)
    max_factor_failures: int = Field(default=5, gt=0, le=20)
    step_up_ttl_s: int = Field(
        default=300,
        ge=30,
        le=300,
        description="How long a step-up (password + enrolled factor) allows credential changes.",
    )
    recovery_factor_min_age_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="A factor enrolled more recently than this cannot be used for recovery.",
    )
    rate_limit_ip: str = "60/minute"
    rate_limit_account: str = "20/minute"
    rate_limit_storage: str | None = Field(
        default=None, description="limits storage URI; default: Redis when configured, else memory"
    )
    verify_workers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Password steps (argon2) one server process runs at once; more wait.",
    )
    seed_key_version: int = Field(default=1, ge=1, le=999)
    tls_check_host: str | None = None
    tls_check_port: int = Field(default=443, ge=1, le=65535)
    tls_check_ca_file: Path | None = None
    ca_cert_files: tuple[Path, ...] = Field(
        default=(), description="Trust anchors for customer certificates (PEM)."
    )
    intermediate_cert_files: tuple[Path, ...] = Field(
        default=(), description="CAs that may link a customer certificate to an anchor."
    )
    crl_files: tuple[Path, ...] = Field(
        default=(), description="The CAs' revocation lists (PEM or DER), one or more per CA."
    )
    crl_file: Path | None = Field(default=None, description="One more CRL (kept for old configs).")
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "brokerguard e-trading"
    webauthn_origin: str = "https://localhost"
    trust_geo_header: bool = Field(
        default=False, description="Read X-Geo-Country (set only by a trusted proxy)."
    )

    @field_validator("min_categories")
    @classmethod
    def _categories_floor(cls, value: int) -> int:
        if value < MIN_CATEGORIES_FLOOR or value > 3:
            raise ValueError("min_categories must be 2 or 3 (A9.1 needs two categories)")
        return value

    @field_validator("lock_threshold")
    @classmethod
    def _lock_ceiling(cls, value: int) -> int:
        if value < 1 or value > LOCK_THRESHOLD_CEILING:
            raise ValueError("lock_threshold must be 1-5 (A9.7 locks at 5 wrong passwords)")
        return value

    @field_validator("password_min_length")
    @classmethod
    def _length_floor(cls, value: int) -> int:
        if value < MIN_PASSWORD_LENGTH_FLOOR or value > 128:
            raise ValueError("password_min_length must be 6-128 (A9.7 floor is 6)")
        return value

    @field_validator("required_factor_types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from brokerguard.auth.factor_registry import FACTORS  # the factors read these settings

        for item in value:
            FACTORS.factor_name(item)
        return value
