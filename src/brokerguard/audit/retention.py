"""Retention (A9.9: at least five years), legal holds and purges of whole closed months.

A month (``YYYY-MM`` of ``recorded_at``) may be purged when its end plus the retention
period has passed, no legal hold covers it, every one of its records is sealed, and
its records verify against their signed heads. The purge deletes the month's records
(the delete trigger admits them only while a permit row for that month exists in the
same transaction), keeps every signed tree head, is recorded in ``audit_purges`` and
is itself an audited event; ``verify`` resumes after the purged range from the head's
frontier. Time always comes from the injected clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from brokerguard.audit import service
from brokerguard.audit.ingest import forget_partitions
from brokerguard.audit.models import (
    AuditEventId,
    AuditEventRow,
    AuditLegalHold,
    AuditPurge,
    AuditPurgePermit,
    AuditTreeHead,
)
from brokerguard.audit.periods import parse_period, retention_cutoff
from brokerguard.audit.settings import AuditSettings
from brokerguard.audit.signing import HeadVerifier
from brokerguard.audit.verify import PURGE_FUNCTION, verify_log
from brokerguard.clock import Clock, as_utc
from brokerguard.errors import ConflictError, NotFoundError, ValidationError

_events = cast(Table, AuditEventRow.__table__)
_ids = cast(Table, AuditEventId.__table__)
_heads = cast(Table, AuditTreeHead.__table__)
_permits = cast(Table, AuditPurgePermit.__table__)


def add_hold(
    session: Session,
    clock: Clock,
    *,
    period_from: str,
    period_to: str,
    reason: str,
    created_by: str,
) -> AuditLegalHold:
    if parse_period(period_from, "period_from") > parse_period(period_to, "period_to"):
        raise ValidationError("period_from is after period_to", field="period_to")
    reason = reason.strip()
    if not reason or len(reason) > 1024:
        raise ValidationError("a legal hold needs a reason (1-1024 characters)", field="reason")
    hold = AuditLegalHold(
        period_from=period_from,
        period_to=period_to,
        reason=reason,
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(hold)
    session.flush()
    service.record_internal(
        session,
        clock,
        account=created_by,
        function="brokerguard.audit.hold.add",
        query=f"legal hold {period_from}..{period_to}: {reason}",
        attributes={"hold_id": hold.id},
    )
    return hold


def release_hold(session: Session, clock: Clock, hold_id: str, released_by: str) -> None:
    hold = session.get(AuditLegalHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFoundError(f"no active legal hold {hold_id!r}", field="hold_id")
    hold.released_at = clock.now()
    hold.released_by = released_by
    service.record_internal(
        session,
        clock,
        account=released_by,
        function="brokerguard.audit.hold.release",
        query=f"release legal hold {hold_id}",
        attributes={"hold_id": hold_id},
    )


def active_holds(session: Session) -> list[AuditLegalHold]:
    return list(
        session.scalars(
            select(AuditLegalHold)
            .where(AuditLegalHold.released_at.is_(None))
            .order_by(AuditLegalHold.period_from)
        )
    )


@dataclass(frozen=True)
class PeriodRange:
    period: str
    first_seq: int
    end_seq: int


def _period_ranges(session: Session) -> list[PeriodRange]:
    rows = session.execute(
        select(_heads.c.period, func.min(_heads.c.first_seq), func.max(_heads.c.tree_size))
        .group_by(_heads.c.period)
        .order_by(func.min(_heads.c.first_seq))
    ).all()
    return [PeriodRange(p, int(lo), int(hi)) for p, lo, hi in rows]


def purgeable(session: Session, clock: Clock, settings: AuditSettings) -> list[PeriodRange]:
    """Closed months past retention, not held, not yet purged, fully sealed."""
    now = as_utc(clock.now())
    holds = active_holds(session)
    done = set(session.scalars(select(AuditPurge.period)))
    ranges = _period_ranges(session)
    result = []
    for index, item in enumerate(ranges):
        if item.period in done or retention_cutoff(item.period, settings.retention_years) > now:
            continue
        if any(h.period_from <= item.period <= h.period_to for h in holds):
            continue
        later = ranges[index + 1 :]
        if not later:
            continue  # the newest sealed month may still grow: never purge it
        result.append(item)
    return result


def _drop_empty_partition(session: Session, period: str) -> None:
    """PostgreSQL: give the purged month's partition back to the disk when it is empty."""
    name = "audit_events_" + period.replace("-", "_")
    if not re.fullmatch(r"audit_events_\d{4}_\d{2}", name):
        return
    try:
        with session.begin_nested():
            conn = session.connection()
            exists = conn.execute(
                text("SELECT to_regclass(:name)"), {"name": f"audit_partitions.{name}"}
            ).scalar()
            if exists is None:
                return
            left = conn.execute(text(f"SELECT count(*) FROM audit_partitions.{name}")).scalar()  # noqa: S608
            if left == 0:
                conn.execute(text(f"DROP TABLE audit_partitions.{name}"))
                forget_partitions(conn.engine)
    except DBAPIError:
        pass  # not the partition's owner: the empty partition stays, nothing is lost


def purge(
    session: Session,
    clock: Clock,
    settings: AuditSettings,
    verifier: HeadVerifier,
    *,
    purged_by: str,
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Purge every purgeable month; each is verified first and the purge is audited."""
    done: list[dict[str, Any]] = []
    conn = session.connection()
    for item in purgeable(session, clock, settings):
        report = verify_log(conn, verifier, from_seq=item.first_seq, to_seq=item.end_seq)
        if not report.ok:
            raise ConflictError(
                f"{item.period} does not verify (first bad {report.first_bad_seq}: "
                f"{report.problem}); not purged",
                field="period",
            )
        summary = {
            "period": item.period,
            "first_seq": item.first_seq,
            "end_seq": item.end_seq,
            "events_removed": item.end_seq - item.first_seq,
        }
        done.append(summary)
        if dry_run:
            continue
        conn.execute(_permits.insert().values(period=item.period))
        removed = conn.execute(
            delete(_events).where(_events.c.seq >= item.first_seq, _events.c.seq < item.end_seq)
        ).rowcount
        conn.execute(delete(_permits).where(_permits.c.period == item.period))
        if conn.dialect.name == "postgresql":
            _drop_empty_partition(session, item.period)
        conn.execute(delete(_ids).where(_ids.c.seq >= item.first_seq, _ids.c.seq < item.end_seq))
        summary["events_removed"] = removed
        session.add(
            AuditPurge(
                period=item.period,
                purged_at=clock.now(),
                purged_by=purged_by,
                first_seq=item.first_seq,
                end_seq=item.end_seq,
                events_removed=removed,
            )
        )
        service.record_internal(
            session,
            clock,
            account=purged_by,
            function=PURGE_FUNCTION,
            query=f"purge {item.period}: records [{item.first_seq}, {item.end_seq})",
            attributes={
                "period": item.period,
                "first_seq": item.first_seq,
                "end_seq": item.end_seq,
                "events_removed": removed,
                "retention_years": settings.retention_years,
            },
        )
    session.flush()
    return done


GUARD_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "audit_events_no_update",
        "audit_events_no_delete",
        "audit_events_no_delete_within_floor",
    ),
    "postgresql": (
        "audit_events_append_only",
        "audit_events_no_truncate",
        "audit_events_no_delete_within_floor",
    ),
}
"""The triggers on ``audit_events`` that make the trail append-only and keep the floor."""


def missing_guards(session: Session) -> list[str]:
    """Names of the guard triggers absent (or disabled) on ``audit_events``."""
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        sql = (
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.audit_events'::regclass "
            "AND tgenabled <> 'D'"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
    present = set(conn.execute(text(sql)).scalars())
    return [name for name in GUARD_TRIGGERS.get(dialect, ()) if name not in present]
