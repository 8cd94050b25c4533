"""Running the rules over new login events, and the alert workflow (new / triaged / closed).

A run reads the login events after the last run's cursor (``seq``), first replaying
the events of the preceding window without raising alerts so that a burst split
across two runs is still seen, then merges the alerts it raised into stored ones (an
open alert for the same rule and group within the window is extended, not repeated).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from brokerguard.audit import service as audit_service
from brokerguard.clock import Clock, as_utc
from brokerguard.config import get_settings
from brokerguard.detect.engine import AlertCandidate, DetectionEngine
from brokerguard.detect.models import DetectAlert, DetectRun, DetectSeenValue
from brokerguard.detect.rules import LoginEvent, Rule, load_rules
from brokerguard.detect.settings import DetectSettings
from brokerguard.errors import NotFoundError, ValidationError

CLOSE_REASONS = ("false_positive", "resolved", "duplicate", "accepted_risk")
STATUSES = ("new", "triaged", "closed")


def to_login_event(row: tuple[Any, ...]) -> LoginEvent:
    seq, when, account, function, system, outcome, ip, agent, attributes = row
    try:
        attrs = json.loads(attributes) if attributes else {}
    except ValueError:
        attrs = {}
    return LoginEvent(
        seq=int(seq),
        ts=as_utc(when).timestamp(),
        account=account,
        function=function,
        system=system,
        outcome=outcome,
        source_ip=ip,
        user_agent=agent,
        attributes=attrs if isinstance(attrs, dict) else {},
    )


@dataclass(frozen=True)
class RunSummary:
    from_seq: int
    to_seq: int
    events_seen: int
    alerts_raised: int
    alerts_updated: int


def last_run(session: Session) -> DetectRun | None:
    return session.scalars(
        select(DetectRun).order_by(DetectRun.finished_at.desc()).limit(1)
    ).first()


def _cursor(session: Session) -> int:
    value = session.execute(select(func.max(DetectRun.to_seq))).scalar()
    return -1 if value is None else int(value)


def _load_seen(session: Session) -> dict[tuple[str, str], set[str]]:
    seen: dict[tuple[str, str], set[str]] = {}
    for row in session.execute(
        select(DetectSeenValue.kind, DetectSeenValue.account, DetectSeenValue.value)
    ):
        seen.setdefault((row[0], row[1]), set()).add(row[2])
    return seen


def _rows(session: Session, settings: DetectSettings, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
    return audit_service.iter_login_rows(
        session, system=settings.login_system, function_prefix=settings.function_prefix, **kwargs
    )


#: the PostgreSQL advisory lock one detection run holds until its transaction ends
DETECTION_LOCK = 0x62_67_64_65_74  # "bgdet"


def lock_detection(session: Session) -> None:
    """Hold the detection lock for the rest of ``session``'s transaction, so two runs
    (the one-minute job and the JetStream consumer, or two workers) never read the
    same cursor at once and raise one alert twice. PostgreSQL: a transaction-level
    advisory lock (re-entrant); SQLite: every write transaction already begins
    ``IMMEDIATE`` (db/engine.py), one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DETECTION_LOCK})


def run_detection(
    session: Session,
    clock: Clock,
    settings: DetectSettings | None = None,
    rules: Iterable[Rule] | None = None,
) -> RunSummary:
    settings = settings or get_settings().detect
    lock_detection(session)
    rule_list = list(rules) if rules is not None else load_rules(settings.rules_dir)
    started = clock.now()
    cursor = _cursor(session)
    top = audit_service.last_seq(session)
    engine = DetectionEngine(
        rule_list,
        lists={"never_login": settings.never_login_accounts},
        seen=_load_seen(session),
    )
    longest = max((r.window_s for r in rule_list), default=0)
    first_new = next(iter(_rows(session, settings, after_seq=cursor, up_to_seq=top)), None)
    if first_new is not None and cursor >= 0 and longest:
        since = as_utc(first_new[1]) - timedelta(seconds=longest)
        for row in _rows(session, settings, after_seq=-1, up_to_seq=cursor, time_from=since):
            engine.process(to_login_event(row), warm=True)
    events = 0
    for row in _rows(session, settings, after_seq=cursor, up_to_seq=top):
        engine.process(to_login_event(row))
        events += 1
    raised, updated = _store_alerts(session, clock, engine.alerts)
    for account, kind, value, ts in engine.new_seen:
        session.merge(
            DetectSeenValue(
                account=account[:256],
                kind=kind,
                value=value,
                first_seen=datetime.fromtimestamp(ts, UTC),
            )
        )
    session.add(
        DetectRun(
            started_at=started,
            finished_at=clock.now(),
            from_seq=cursor + 1,
            to_seq=max(top, cursor),
            events_seen=events,
            alerts_raised=raised,
        )
    )
    session.flush()
    return RunSummary(cursor + 1, max(top, cursor), events, raised, updated)


def _store_alerts(
    session: Session, clock: Clock, candidates: list[AlertCandidate]
) -> tuple[int, int]:
    raised = updated = 0
    for candidate in candidates:
        rule = candidate.rule
        horizon = candidate.first_seen - timedelta(seconds=rule.window_s)
        existing = session.scalars(
            select(DetectAlert)
            .where(
                DetectAlert.rule_id == rule.id,
                DetectAlert.group_key == candidate.group_key[:512],
                DetectAlert.status != "closed",
                DetectAlert.last_seen >= horizon,
            )
            .order_by(DetectAlert.last_seen.desc())
            .limit(1)
        ).first()
        if existing is not None and rule.kind == "threshold":
            existing.last_seen = max(as_utc(existing.last_seen), candidate.last_seen)
            existing.last_seq = max(existing.last_seq, candidate.last_seq)
            existing.event_count = max(existing.event_count, candidate.count)
            updated += 1
            continue
        session.add(
            DetectAlert(
                rule_id=rule.id,
                severity=rule.severity,
                status="new",
                group_key=candidate.group_key[:512],
                title=f"{rule.title_zh} / {rule.title_en}: {candidate.group_key}"[:512],
                first_seen=candidate.first_seen,
                last_seen=candidate.last_seen,
                event_count=candidate.count,
                first_seq=candidate.first_seq,
                last_seq=candidate.last_seq,
                details=json.dumps(candidate.details, ensure_ascii=False),
                created_at=clock.now(),
                note="",
            )
        )
        raised += 1
    session.flush()
    return raised, updated


def list_alerts(
    session: Session, *, status: str | None = None, limit: int = 500
) -> list[DetectAlert]:
    if status is not None and status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}", field="status")
    query = select(DetectAlert).order_by(DetectAlert.last_seen.desc()).limit(limit)
    if status is not None:
        query = query.where(DetectAlert.status == status)
    return list(session.scalars(query))


def alert_accounts(alerts: list[DetectAlert]) -> list[str]:
    """The customer accounts the alerts name (alerts of rules grouped by account)."""
    accounts = []
    for alert in alerts:
        try:
            details = json.loads(alert.details or "{}")
        except ValueError:
            details = {}
        if isinstance(details, dict) and details.get("group_by") == "account":
            accounts.append(alert.group_key)
    return accounts


def _alert(session: Session, alert_id: str) -> DetectAlert:
    alert = session.get(DetectAlert, alert_id) if len(alert_id) <= 36 else None
    if alert is None:
        raise NotFoundError(f"no alert {alert_id!r}", field="alert_id")
    return alert


def triage(session: Session, clock: Clock, alert_id: str, by: str, note: str = "") -> DetectAlert:
    alert = _alert(session, alert_id)
    if alert.status != "new":
        raise ValidationError(
            f"alert is {alert.status}, only new alerts are triaged", field="status"
        )
    if len(note) > 4000:
        raise ValidationError("the note is longer than 4000 characters", field="note")
    alert.status, alert.triaged_at, alert.triaged_by = "triaged", clock.now(), by
    alert.note = note.strip()
    session.flush()
    return alert


def close(
    session: Session, clock: Clock, alert_id: str, by: str, reason: str, note: str = ""
) -> DetectAlert:
    alert = _alert(session, alert_id)
    if reason not in CLOSE_REASONS:
        raise ValidationError(f"reason must be one of {', '.join(CLOSE_REASONS)}", field="reason")
    if alert.status == "closed":
        raise ValidationError("alert is already closed", field="status")
    if len(note) > 4000:
        raise ValidationError("the note is longer than 4000 characters", field="note")
    if alert.triaged_at is None:
        alert.triaged_at, alert.triaged_by = clock.now(), by
    alert.status, alert.closed_at, alert.closed_by = "closed", clock.now(), by
    alert.close_reason = reason
    if note.strip():
        alert.note = (alert.note + "\n" + note.strip()).strip()
    session.flush()
    return alert


def overdue_alerts(session: Session, clock: Clock, max_hours: int) -> list[DetectAlert]:
    limit = clock.now() - timedelta(hours=max_hours)
    return list(
        session.scalars(
            select(DetectAlert).where(DetectAlert.status == "new", DetectAlert.created_at < limit)
        )
    )
