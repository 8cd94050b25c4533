"""audit: append-only event log, signed tree heads, retention, API keys

Revision ID: audit_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "audit_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("audit",)
depends_on: str | Sequence[str] | None = None

WRITER_ROLE = "brokerguard_audit_writer"
GUARDED = ("audit_events", "audit_tree_heads")

PG_EVENTS = """
CREATE TABLE audit_events (
    seq BIGINT NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    event_id VARCHAR(36) NOT NULL,
    time TIMESTAMP WITH TIME ZONE NOT NULL,
    account VARCHAR(256) NOT NULL,
    function VARCHAR(256) NOT NULL,
    system VARCHAR(128) NOT NULL,
    query TEXT,
    result_digest VARCHAR(256),
    actor VARCHAR(256),
    customer_ids TEXT NOT NULL,
    source_ip VARCHAR(64),
    user_agent VARCHAR(1024),
    outcome VARCHAR(16),
    correlation_id VARCHAR(128),
    attributes TEXT NOT NULL,
    leaf_hash VARCHAR(64) NOT NULL,
    CONSTRAINT pk_audit_events PRIMARY KEY (seq, recorded_at)
) PARTITION BY RANGE (recorded_at)
"""

PG_FUNCTIONS = """
CREATE SCHEMA IF NOT EXISTS audit_partitions;

CREATE OR REPLACE FUNCTION audit_ensure_partition(at TIMESTAMPTZ) RETURNS void AS $$
DECLARE
    lower_bound TIMESTAMPTZ := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    upper_bound TIMESTAMPTZ := lower_bound + INTERVAL '1 month';
    name TEXT := 'audit_events_' || to_char(lower_bound AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass('audit_partitions.' || name) IS NOT NULL THEN
        RETURN;
    END IF;
    BEGIN
        EXECUTE format(
            'CREATE TABLE audit_partitions.%I PARTITION OF public.audit_events '
            'FOR VALUES FROM (%L) TO (%L)', name, lower_bound, upper_bound);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL;
    END;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME LIKE 'audit_events%' THEN
        IF EXISTS (
            SELECT 1 FROM audit_purge_permits p
            WHERE p.period = to_char(OLD.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM')
        ) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def _pg_guards() -> None:
    op.execute(PG_FUNCTIONS)
    for table in GUARDED:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
        )
    op.execute(
        f"""DO $$ BEGIN  -- constant role name, no input
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WRITER_ROLE}') THEN
                CREATE ROLE {WRITER_ROLE} NOLOGIN;
            END IF;
        END $$"""  # noqa: S608
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {WRITER_ROLE}")
    for table in ("audit_events", "audit_event_ids", "audit_tree_heads"):
        op.execute(f"REVOKE ALL ON {table} FROM {WRITER_ROLE}")
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {WRITER_ROLE}")
    op.execute(f"GRANT SELECT, UPDATE ON audit_state TO {WRITER_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION audit_ensure_partition(TIMESTAMPTZ) TO {WRITER_ROLE}")


def _sqlite_guards() -> None:
    for table in GUARDED:
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
        )
    op.execute(
        "CREATE TRIGGER audit_tree_heads_no_delete BEFORE DELETE ON audit_tree_heads "
        "BEGIN SELECT RAISE(ABORT, 'audit_tree_heads is append-only: DELETE refused'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permits p "
        "WHERE p.period = strftime('%Y-%m', OLD.recorded_at)) "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END"
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_EVENTS)
    else:
        op.create_table(
            "audit_events",
            sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("recorded_at", brokerguard.db.base.UTCDateTime(), nullable=False),
            sa.Column("event_id", sa.String(36), nullable=False),
            sa.Column("time", brokerguard.db.base.UTCDateTime(), nullable=False),
            sa.Column("account", sa.String(256), nullable=False),
            sa.Column("function", sa.String(256), nullable=False),
            sa.Column("system", sa.String(128), nullable=False),
            sa.Column("query", sa.Text(), nullable=True),
            sa.Column("result_digest", sa.String(256), nullable=True),
            sa.Column("actor", sa.String(256), nullable=True),
            sa.Column("customer_ids", sa.Text(), nullable=False),
            sa.Column("source_ip", sa.String(64), nullable=True),
            sa.Column("user_agent", sa.String(1024), nullable=True),
            sa.Column("outcome", sa.String(16), nullable=True),
            sa.Column("correlation_id", sa.String(128), nullable=True),
            sa.Column("attributes", sa.Text(), nullable=False),
            sa.Column("leaf_hash", sa.String(64), nullable=False),
            sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        )
    for column in ("time", "account", "function", "system"):
        op.create_index(f"ix_audit_events_{column}", "audit_events", [column])
    op.create_table(
        "audit_event_ids",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_event_ids")),
    )
    op.create_table(
        "audit_tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.Column("sealed_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("prev_head_hash", sa.String(64), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_tree_heads")),
    )
    op.create_table(
        "audit_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_state")),
    )
    op.create_table(
        "audit_legal_holds",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("period_from", sa.String(7), nullable=False),
        sa.Column("period_to", sa.String(7), nullable=False),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("released_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("released_by", sa.String(256), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_legal_holds")),
    )
    op.create_table(
        "audit_purges",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("purged_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("purged_by", sa.String(256), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("end_seq", sa.BigInteger(), nullable=False),
        sa.Column("events_removed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_audit_purges")),
    )
    op.create_table(
        "audit_purge_permits",
        sa.Column("period", sa.String(7), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_audit_purge_permits")),
    )
    op.create_table(
        "audit_api_keys",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("system", sa.String(128), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_api_keys")),
    )
    op.execute("INSERT INTO audit_state (id, next_seq) VALUES (1, 0)")
    if postgres:
        _pg_guards()
    else:
        _sqlite_guards()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in (
        "audit_api_keys",
        "audit_purge_permits",
        "audit_purges",
        "audit_legal_holds",
        "audit_state",
        "audit_tree_heads",
        "audit_event_ids",
    ):
        op.drop_table(table)
    op.execute("DROP TABLE audit_events CASCADE" if postgres else "DROP TABLE audit_events")
    if postgres:
        op.execute("DROP SCHEMA IF EXISTS audit_partitions CASCADE")
        for name in ("audit_ensure_partition(TIMESTAMPTZ)", "audit_refuse_change()"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate()")
