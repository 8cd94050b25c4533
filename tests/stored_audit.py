"""Read back what the app stored in the audit trail (audit_events), for assertions."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from brokerguard.audit.models import AuditEventRow
from brokerguard.db.engine import session_factory
from brokerguard.kernel.audit import AuditEvent


def stored_events(engine: Engine) -> list[AuditEvent]:
    """Every stored event, oldest first, as the producer handed it to the sink."""
    with session_factory(engine)() as session:
        return [
            AuditEvent(
                event_id=row.event_id,
                time=row.time,
                account=row.account,
                function=row.function,
                system=row.system,
                query=row.query,
                result_digest=row.result_digest,
                actor=row.actor,
                customer_ids=tuple(json.loads(row.customer_ids)),
                source_ip=row.source_ip,
                user_agent=row.user_agent,
                outcome=row.outcome,
                correlation_id=row.correlation_id,
                attributes=json.loads(row.attributes),
            )
            for row in session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq))
        ]
