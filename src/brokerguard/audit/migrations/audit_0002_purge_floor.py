"""audit: the database refuses deleting records younger than the 5-year retention floor

A permit row opens the delete trigger for one month, and anyone with write access to
the database can insert one. This revision adds a second guard that no row can open:
a record of a month whose end plus five years (A9.9) is still in the future cannot be
deleted, whatever the permit table says. The time is the database server's own clock.

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "audit_0002"
down_revision: str | Sequence[str] | None = "audit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOOR_YEARS = 5  # brokerguard.audit.settings.RETENTION_FLOOR_YEARS, frozen at this revision
TRIGGER = "audit_events_no_delete_within_floor"
MESSAGE = (
    f"audit_events is append-only: records younger than the {FLOOR_YEARS}-year retention floor "
    "(A9.9) cannot be deleted: DELETE refused"
)

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_refuse_young_delete() RETURNS trigger AS $$
BEGIN
    IF date_trunc('month', OLD.recorded_at AT TIME ZONE 'UTC')
            + INTERVAL '1 month' + INTERVAL '{FLOOR_YEARS} years'
            > (clock_timestamp() AT TIME ZONE 'UTC') THEN
        RAISE EXCEPTION '{MESSAGE} (record %, month %)', OLD.seq,
            to_char(OLD.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_young_delete()"
        )
        return
    # SQLite stores recorded_at as naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'); a value
    # that does not parse gives NULL, which counts as young (refused), never as old.
    op.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE DELETE ON audit_events "
        "WHEN coalesce(datetime(strftime('%Y-%m-01', OLD.recorded_at), '+1 month', "
        f"'+{FLOOR_YEARS} years') <= datetime('now'), 0) = 0 "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_young_delete()")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
