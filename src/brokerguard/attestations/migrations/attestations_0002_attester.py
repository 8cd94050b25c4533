"""attestations: the attester is a staff user holding the role the requirement names

Rows stored before this check whose ``attested_by`` does not name an active staff user
holding that role are marked ``attester_unverified``: they stop counting as evidence (the
checks say why) until saved again with a verified attester. Nothing is deleted: the
free text stays in ``attested_by``.

Revision ID: attestations_0002
Revises: attestations_0001
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "attestations_0002"
down_revision: str | Sequence[str] | None = "attestations_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the roles as this revision knows them (brokerguard.attestations.service.ATTESTER_ROLES)
ATTESTER_ROLES = {
    "A3.1": "compliance",
    "A3.2": "compliance",
    "A4.1": "security",
    "A11.1": "compliance",
}


def upgrade() -> None:
    with op.batch_alter_table("attestations_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attester_unverified", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    connection = op.get_bind()
    staff = {
        username: set(roles.split(","))
        for username, roles, active in connection.execute(
            sa.text("SELECT username, roles, active FROM staff_users")
        )
        if active
    }
    items = connection.execute(
        sa.text("SELECT id, requirement_id, attested_by FROM attestations_items")
    ).all()
    unresolved = [
        item_id
        for item_id, requirement, attested_by in items
        if ATTESTER_ROLES.get(requirement) not in staff.get(attested_by.strip(), set())
    ]
    for item_id in unresolved:
        connection.execute(
            sa.text("UPDATE attestations_items SET attester_unverified = :yes WHERE id = :id"),
            {"yes": True, "id": item_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("attestations_items", schema=None) as batch_op:
        batch_op.drop_column("attester_unverified")
