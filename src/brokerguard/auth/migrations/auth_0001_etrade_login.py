"""auth: e-trading customers, factors, lock counters, login tokens, sessions, lifecycle

Revision ID: auth_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "auth_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_biometric_assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("assessed_by", sa.String(length=128), nullable=False),
        sa.Column("assessed_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("conclusion", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.String(length=1024), nullable=False),
        sa.Column("evidence_ref", sa.String(length=256), nullable=False),
        sa.Column("valid_until", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_biometric_assessments")),
    )
    op.create_index(
        op.f("ix_auth_biometric_assessments_method"),
        "auth_biometric_assessments",
        ["method"],
        unique=False,
    )
    op.create_table(
        "auth_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("login_token_id", sa.String(length=36), nullable=False),
        sa.Column("factor_type", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_challenges")),
        sa.UniqueConstraint("nonce", name=op.f("uq_auth_challenges_nonce")),
    )
    op.create_index(
        op.f("ix_auth_challenges_login_token_id"),
        "auth_challenges",
        ["login_token_id"],
        unique=False,
    )
    op.create_table(
        "auth_customers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("password_changed_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("identity_verified_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("identity_verified_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_customers")),
        sa.UniqueConstraint("account", name=op.f("uq_auth_customers_account")),
    )
    op.create_table(
        "auth_failure_counters",
        sa.Column("account", sa.String(length=256), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("locked_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("updated_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_auth_failure_counters")),
    )
    op.create_table(
        "auth_login_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=256), nullable=False),
        sa.Column("account_known", sa.Boolean(), nullable=False),
        sa.Column("factor", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.Column("login_token_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_login_attempts")),
    )
    op.create_index(
        "ix_auth_login_attempts_account_time",
        "auth_login_attempts",
        ["account", "created_at"],
        unique=False,
    )
    op.create_table(
        "auth_login_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=256), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("categories", sa.String(length=64), nullable=False),
        sa.Column("factors_used", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_login_tokens")),
    )
    op.create_table(
        "auth_credential_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("factor_id", sa.String(length=36), nullable=True),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("note", sa.String(length=512), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["auth_customers.id"],
            name=op.f("fk_auth_credential_events_customer_id_auth_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_credential_events")),
    )
    op.create_index(
        op.f("ix_auth_credential_events_customer_id"),
        "auth_credential_events",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "auth_factors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=True),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sa.String(length=512), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("expires_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["auth_customers.id"],
            name=op.f("fk_auth_factors_customer_id_auth_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_factors")),
    )
    op.create_index(
        op.f("ix_auth_factors_credential_id"), "auth_factors", ["credential_id"], unique=False
    )
    op.create_index(
        op.f("ix_auth_factors_customer_id"), "auth_factors", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_auth_factors_fingerprint"), "auth_factors", ["fingerprint"], unique=False
    )
    op.create_table(
        "auth_password_history",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["auth_customers.id"],
            name=op.f("fk_auth_password_history_customer_id_auth_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_password_history")),
    )
    op.create_index(
        op.f("ix_auth_password_history_customer_id"),
        "auth_password_history",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("login_token_id", sa.String(length=36), nullable=False),
        sa.Column("categories", sa.String(length=64), nullable=False),
        sa.Column("factors_used", sa.String(length=128), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["auth_customers.id"],
            name=op.f("fk_auth_sessions_customer_id_auth_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(
        op.f("ix_auth_sessions_customer_id"), "auth_sessions", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_auth_sessions_secret_hash"), "auth_sessions", ["secret_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_sessions_secret_hash"), table_name="auth_sessions")
    op.drop_index(op.f("ix_auth_sessions_customer_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_index(op.f("ix_auth_password_history_customer_id"), table_name="auth_password_history")
    op.drop_table("auth_password_history")
    op.drop_index(op.f("ix_auth_factors_fingerprint"), table_name="auth_factors")
    op.drop_index(op.f("ix_auth_factors_customer_id"), table_name="auth_factors")
    op.drop_index(op.f("ix_auth_factors_credential_id"), table_name="auth_factors")
    op.drop_table("auth_factors")
    op.drop_index(
        op.f("ix_auth_credential_events_customer_id"), table_name="auth_credential_events"
    )
    op.drop_table("auth_credential_events")
    op.drop_table("auth_login_tokens")
    op.drop_index("ix_auth_login_attempts_account_time", table_name="auth_login_attempts")
    op.drop_table("auth_login_attempts")
    op.drop_table("auth_failure_counters")
    op.drop_table("auth_customers")
    op.drop_index(op.f("ix_auth_challenges_login_token_id"), table_name="auth_challenges")
    op.drop_table("auth_challenges")
    op.drop_index(
        op.f("ix_auth_biometric_assessments_method"), table_name="auth_biometric_assessments"
    )
    op.drop_table("auth_biometric_assessments")
