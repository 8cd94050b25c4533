"""Migration attestations_0002: rows stored while ``attested_by`` was free text stop
counting as evidence unless it names an active staff user holding the role the
requirement names (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from alembic import command
from sqlalchemy import Engine, text

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.attestations import checks
from brokerguard.attestations.models import AttestationItem
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db import migrate
from brokerguard.db.engine import session_factory
from brokerguard.staff.roles import Role
from brokerguard.staff.service import disable_staff
from tests.conftest import make_staff

#: (requirement, attested_by as stored, unverified after the upgrade)
ROWS = [
    ("A3.1", "法令遵循部 周文華", True),  # free text
    ("A3.2", "compliance-chou", False),  # a compliance user: resolves
    ("A4.1", "compliance-chou", True),  # A4.1 is the cybersecurity unit's
    ("A11.1", "compliance-gone", True),  # a compliance user no longer active
]


@pytest.fixture
def behind(engine: Engine) -> Iterator[Engine]:
    """``engine`` with the attestations branch at attestations_0001; upgraded again after."""
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "attestations_0001")
    try:
        yield engine
    finally:
        migrate.upgrade(engine)


def test_upgrade_marks_rows_whose_attester_does_not_resolve(
    behind: Engine, clock: FixedClock
) -> None:
    make_staff(behind, clock, "compliance-chou", Role.compliance)
    make_staff(behind, clock, "compliance-gone", Role.compliance)
    with session_factory(behind)() as session:
        disable_staff(session, clock, "compliance-gone")
        session.commit()
    with behind.begin() as connection:
        for number, (requirement, attested_by, _) in enumerate(ROWS):
            connection.execute(
                text(
                    "INSERT INTO attestations_items (id, requirement_id, referenced_rule, "
                    "rule_version, applicable, statement, attested_by, attested_on, next_due, "
                    "evidence_ref, updated_by, updated_at) VALUES (:id, :req, :rule, '1', "
                    ":applicable, '', :by, :on, :due, '', 'import', :at)"
                ),
                {
                    "id": f"00000000-0000-0000-0000-00000000000{number}",
                    "req": requirement,
                    "rule": f"rule {number}",
                    "applicable": requirement != "A3.2",
                    "by": attested_by,
                    "on": date(2026, 3, 1),
                    "due": date(2027, 3, 1),
                    "at": clock.now(),
                },
            )
    migrate.upgrade(behind)
    with session_factory(behind)() as session:
        stored = {item.requirement_id: item for item in session.query(AttestationItem).all()}
        assert {r: stored[r].attester_unverified for r, _, _ in ROWS} == {
            r: unverified for r, _, unverified in ROWS
        }
        assert stored["A3.1"].attested_by == "法令遵循部 周文華"  # nothing lost
        ctx = CheckContext(session=session, settings=Settings(), clock=clock)
        a3_1 = checks.a3_1(ctx)
        assert a3_1.status is Status.failed and "upgraded" in a3_1.reason_en
        assert checks.a3_2(ctx).status is Status.not_applicable  # resolved: still N/A
        # a staff account created later under the old free text does not make it count
        stored["A3.1"].attested_by = "compliance-chou"
        session.flush()
        assert checks.a3_1(ctx).status is Status.failed
