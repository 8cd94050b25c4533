"""Phishing cases (A8.1, A6.3.1.3): new -> triaged -> takedown_requested -> closed.

- :func:`open_site_case` / :func:`open_app_case` open a case from a scoring verdict
  (idempotent: one open case per target);
- :func:`triage` confirms (-> ``triaged``) or dismisses (-> ``closed``) a case; a
  confirmation calls ``on_confirmed`` (the customer-reminder trigger);
- :func:`request_takedown` renders the zh-TW letters, stores each as evidence
  (A8.1 or A6.3.1.3) and moves the case to ``takedown_requested``;
- :func:`close_case` records the outcome.

Each step writes a :class:`CaseEvent` and, when a sink is given, an audit event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, to_taipei
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.kernel.audit import AuditEvent, AuditSink
from brokerguard.phishing.apps import AppVerdict
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.letters import Letter, recipients_for, render_letter
from brokerguard.phishing.models import CaseEvent, PhishingCase, ScanRun
from brokerguard.phishing.scoring import Verdict
from brokerguard.phishing.settings import PhishingSettings

STATUSES = ("new", "triaged", "takedown_requested", "closed")
OPEN_STATUSES = ("new", "triaged", "takedown_requested")
REQUIREMENT = {"site": "A8.1", "app": "A6.3.1.3"}


def _event(
    session: Session,
    clock: Clock,
    case: PhishingCase,
    actor: str,
    action: str,
    detail: str = "",
    sink: AuditSink | None = None,
) -> None:
    session.add(
        CaseEvent(case_id=case.id, at=clock.now(), actor=actor, action=action, detail=detail)
    )
    if sink is not None:
        sink.record(
            AuditEvent(
                event_id=uuid.uuid4(),
                time=clock.now(),
                account=actor,
                function=f"phishing.case.{action}",
                system="brokerguard",
                query=f"{case.number} {case.target}"[:16384],
                actor=actor,
                outcome="success",
                attributes={"case": case.number, "status": case.status},
            )
        )


def _number(session: Session, clock: Clock) -> str:
    day = to_taipei(clock.now()).strftime("%Y%m%d")
    prefix = f"PH-{day}-"
    count = session.scalar(
        select(func.count()).select_from(PhishingCase).where(PhishingCase.number.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:04d}"


def get_case(session: Session, case_id: str) -> PhishingCase:
    case = session.get(PhishingCase, case_id)
    if case is None:
        raise NotFoundError(f"no phishing case {case_id!r}", field="case_id")
    return case


def list_cases(session: Session, status: str | None = None) -> list[PhishingCase]:
    query = select(PhishingCase).order_by(PhishingCase.opened_at.desc())
    if status is not None:
        if status not in STATUSES:
            raise ValidationError(f"unknown status {status!r}", field="status")
        query = query.where(PhishingCase.status == status)
    return list(session.scalars(query))


def case_events(session: Session, case: PhishingCase) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at)
        )
    )


def _open(
    session: Session,
    clock: Clock,
    *,
    kind: str,
    target: str,
    brand_key: str,
    score: float,
    detection_kind: str,
    reasons: list[dict[str, str]],
    source: str,
    actor: str,
    sink: AuditSink | None,
) -> PhishingCase:
    if not target or len(target) > 512:
        raise ValidationError("target must be 1-512 characters", field="target")
    existing = session.scalar(
        select(PhishingCase).where(
            PhishingCase.target == target, PhishingCase.status.in_(OPEN_STATUSES)
        )
    )
    if existing is not None:
        return existing
    now = clock.now()
    case = PhishingCase(
        number=_number(session, clock),
        kind=kind,
        target=target,
        brand_key=brand_key,
        score=round(score * 100),
        detection_kind=detection_kind,
        reasons=json.dumps(reasons, ensure_ascii=False),
        evidence="[]",
        status="new",
        source=source[:32],
        registrar="",
        hosting="",
        opened_at=now,
        updated_at=now,
        resolution="",
    )
    session.add(case)
    session.flush()
    _event(session, clock, case, actor, "opened", f"{source}: {detection_kind}", sink)
    return case


def open_site_case(
    session: Session,
    clock: Clock,
    verdict: Verdict,
    *,
    source: str,
    actor: str,
    sink: AuditSink | None = None,
) -> PhishingCase:
    if not verdict.flagged:
        raise ValidationError(f"{verdict.domain} is not flagged", field="domain")
    return _open(
        session,
        clock,
        kind="site",
        target=verdict.domain,
        brand_key=verdict.brand or "",  # "": a homograph of no known brand
        score=verdict.score,
        detection_kind=verdict.kind or "",
        reasons=[r.as_dict() for r in verdict.reasons],
        source=source,
        actor=actor,
        sink=sink,
    )


def open_app_case(
    session: Session,
    clock: Clock,
    verdict: AppVerdict,
    *,
    actor: str,
    sink: AuditSink | None = None,
) -> PhishingCase:
    if not verdict.flagged or verdict.brand is None:
        raise ValidationError(f"{verdict.package} is not a counterfeit", field="package")
    return _open(
        session,
        clock,
        kind="app",
        target=verdict.package,
        brand_key=verdict.brand,
        score=1.0 if verdict.decisive == "certificate" else 0.8,
        detection_kind=f"counterfeit-app:{verdict.decisive}",
        reasons=[r.as_dict() for r in verdict.reasons],
        source=verdict.source.split(":", 1)[0],
        actor=actor,
        sink=sink,
    )


def triage(
    session: Session,
    clock: Clock,
    case: PhishingCase,
    *,
    actor: str,
    confirmed: bool,
    note: str = "",
    registrar: str = "",
    hosting: str = "",
    on_confirmed: Callable[[PhishingCase], object] | None = None,
    sink: AuditSink | None = None,
) -> PhishingCase:
    """覆核: confirm the case as phishing (-> triaged) or dismiss it (-> closed)."""
    if case.status != "new":
        raise ConflictError(f"case {case.number} is {case.status}, not new", field="status")
    if not confirmed and not note.strip():
        raise ValidationError("say why the case is dismissed", field="note")
    now = clock.now()
    case.registrar, case.hosting = registrar[:256], hosting[:256]
    case.updated_at = now
    if confirmed:
        case.status = "triaged"
        _event(session, clock, case, actor, "confirmed", note, sink)
        session.flush()
        if on_confirmed is not None:
            on_confirmed(case)
    else:
        case.status, case.closed_at, case.resolution = (
            "closed",
            now,
            f"誤判 / false positive: {note}"[:256],
        )
        _event(session, clock, case, actor, "dismissed", note, sink)
    session.flush()
    return case


def letters_for(
    case: PhishingCase, brand: Brand | None, settings: Settings, phishing: PhishingSettings
) -> list[Letter]:
    official = list(brand.domains) if brand is not None and case.kind == "site" else []
    if brand is not None and case.kind == "app":
        official = sorted(brand.official_packages())
    return [
        render_letter(
            case,
            key,
            firm=settings.firm_name_zh,
            brand_name=brand.spec.name_zh if brand is not None else case.brand_key,
            official=official,
            contact_unit=phishing.contact_unit,
            contact_phone=phishing.contact_phone,
            contact_email=phishing.contact_email,
        )
        for key in recipients_for(case)
    ]


def add_evidence(case: PhishingCase, reference: str) -> None:
    refs = [r for r in json.loads(case.evidence or "[]") if isinstance(r, str)]
    if reference not in refs:
        refs.append(reference)
    case.evidence = json.dumps(refs)


def request_takedown(
    session: Session,
    clock: Clock,
    settings: Settings,
    case: PhishingCase,
    *,
    actor: str,
    brand: Brand | None,
    phishing: PhishingSettings | None = None,
    sink: AuditSink | None = None,
) -> list[Letter]:
    """Render and file the takedown letters (each stored as evidence); -> takedown_requested."""
    from brokerguard.evidence.service import store_evidence

    if case.status != "triaged":
        raise ConflictError(
            f"case {case.number} is {case.status}: confirm it (triage) first", field="status"
        )
    letters = letters_for(case, brand, settings, phishing or settings.phishing)
    for letter in letters:
        record = store_evidence(
            session,
            clock,
            settings,
            content=letter.text.encode("utf-8"),
            filename=f"{case.number}-{letter.filename}",
            title=f"{case.number} 下架請求：{letter.title}"[:255],
            requirement_ids=[REQUIREMENT[case.kind]],
            kind="takedown_records",
            uploaded_by=actor,
            unit="資安專責單位",
        )
        add_evidence(case, record.reference)
    now = clock.now()
    case.status, case.takedown_requested_at, case.updated_at = "takedown_requested", now, now
    _event(session, clock, case, actor, "takedown_requested",
           ", ".join(letter.recipient for letter in letters), sink)  # fmt: skip
    session.flush()
    return letters


def close_case(
    session: Session,
    clock: Clock,
    case: PhishingCase,
    *,
    actor: str,
    resolution: str,
    sink: AuditSink | None = None,
) -> PhishingCase:
    if case.status == "closed":
        raise ConflictError(f"case {case.number} is already closed", field="status")
    if case.status == "new":
        raise ConflictError("triage the case before closing it", field="status")
    if not resolution.strip():
        raise ValidationError("a resolution is required (e.g. 網域已停用)", field="resolution")
    now = clock.now()
    case.status, case.closed_at, case.updated_at = "closed", now, now
    case.resolution = resolution.strip()[:256]
    _event(session, clock, case, actor, "closed", case.resolution, sink)
    session.flush()
    return case


def record_scan(
    session: Session,
    clock: Clock,
    *,
    source: str,
    started_at: datetime,
    names: int,
    flagged: int,
    rejected: int,
    description: str = "",
    settings: Settings | None = None,
    actor: str = "system",
) -> ScanRun:
    """Record a scan; with ``settings`` its summary is also filed as monitoring evidence."""
    run = ScanRun(
        source=source,
        description=description[:256],
        started_at=started_at,
        finished_at=clock.now(),
        names=names,
        flagged=flagged,
        rejected=rejected,
    )
    session.add(run)
    session.flush()
    if settings is not None:
        from brokerguard.evidence.service import store_evidence

        summary = {
            "scan": run.id,
            "source": source,
            "description": run.description,
            "started_at": started_at.isoformat(),
            "finished_at": run.finished_at.isoformat(),
            "names": names,
            "flagged": flagged,
            "rejected": rejected,
        }
        stamp = to_taipei(run.finished_at).strftime("%Y%m%d-%H%M%S")
        store_evidence(
            session,
            clock,
            settings,
            content=json.dumps(summary, ensure_ascii=False, indent=1).encode("utf-8"),
            filename=f"scan-{source}-{stamp}.json",
            title=f"仿冒偵測掃描紀錄 {source} {stamp}",
            requirement_ids=["A6.3.1.3" if source == "apps" else "A8.1"],
            kind="monitoring_report",
            uploaded_by=actor,
            unit="資安專責單位",
        )
    return run


def last_scan(
    session: Session, sources: Sequence[str], *, scanned_only: bool = False
) -> ScanRun | None:
    """The newest run of ``sources``; ``scanned_only``: one that scanned at least one name."""
    query = select(ScanRun).where(ScanRun.source.in_(list(sources)))
    if scanned_only:
        query = query.where(ScanRun.names > 0)
    return session.scalar(query.order_by(ScanRun.finished_at.desc()).limit(1))


def overdue_takedowns(
    session: Session, clock: Clock, within_days: int, kind: str | None = None
) -> list[PhishingCase]:
    """Confirmed cases still without a takedown request after ``within_days``."""
    cutoff = clock.now() - timedelta(days=within_days)
    query = select(PhishingCase).where(
        PhishingCase.status == "triaged", PhishingCase.updated_at <= cutoff
    )
    if kind is not None:
        query = query.where(PhishingCase.kind == kind)
    return list(session.scalars(query))


def confirm_case(
    session: Session,
    clock: Clock,
    settings: Settings,
    case: PhishingCase,
    *,
    actor: str,
    brands: Sequence[Brand],
    note: str = "",
    registrar: str = "",
    hosting: str = "",
    sink: AuditSink | None = None,
) -> PhishingCase:
    """Confirm a case and announce it to customers (web banner and in-app feed, A8.1)."""
    from brokerguard.phishing import reminders

    domains = [d for b in brands for d in b.domains]
    channels = reminders.default_channels(settings, clock, settings.phishing, email=False)

    def announce(confirmed: PhishingCase) -> None:
        reminders.send_reminder(
            session,
            clock,
            settings,
            template="case_confirmed",
            channels=channels,
            recipients=[],
            domains=domains,
            trigger="case",
            actor=actor,
            case=confirmed,
        )

    return triage(
        session,
        clock,
        case,
        actor=actor,
        confirmed=True,
        note=note,
        registrar=registrar,
        hosting=hosting,
        on_confirmed=announce,
        sink=sink,
    )


def brand_of(brands: Sequence[Brand], key: str) -> Brand | None:
    return next((b for b in brands if b.key == key), None)
