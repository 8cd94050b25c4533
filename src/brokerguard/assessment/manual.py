"""Manual assessment of a requirement (人工評估) and how the engine counts it.

Some requirements have no automated check: a person decides them from evidence. A
manual assessment records the result (pass, fail, not applicable with a reason),
the evidence it rests on (an item of the evidence store linked to the requirement),
the reviewer (覆核紀錄: an active staff user other than the assessor) and how long it
holds (at most one review cycle of the requirement).

The engine counts a manual result only where the requirement's automated checks all
answered ``manual`` (they cannot decide it here), and only while it is valid: valid
until not passed, the evidence still current and in the store, the reviewer still an
active staff user other than the assessor. Otherwise the requirement fails and the
reason says why; a lapsed manual assessment is never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.assessment.models import ManualAssessment
from brokerguard.assessment.registry import Status
from brokerguard.assessment.results import CheckOutcome
from brokerguard.assessment.service import latest_snapshot
from brokerguard.clock import Clock, roc_date, today
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import get_evidence
from brokerguard.rulebook import Requirement, load_rulebook
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity, list_active_staff, staff_by_username

#: who may record a manual assessment (admin always): the units that keep the records
ASSESSOR_ROLES = (Role.security, Role.compliance)
MAX_REASON = 2000
#: the longest a manual assessment holds when the requirement names no review cycle
#: in days (per release, on change): one year
DEFAULT_CYCLE_DAYS = 366
#: the kind of an uploaded file when the requirement names no evidence kind
MANUAL_EVIDENCE_KIND = "review_record"


class ManualResult(StrEnum):
    passed = "pass"
    failed = "fail"
    not_applicable = "not_applicable"

    @property
    def status(self) -> Status:
        return Status(self.value)


class ManualAssessmentRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    requirement_id: str
    result: ManualResult
    reason: str
    evidence_id: str
    assessor: str
    reviewer: str
    assessed_at: datetime
    valid_until: date

    def is_valid(self, day: date) -> bool:
        return day <= self.valid_until


@dataclass(frozen=True)
class ManualVerdict:
    """What a manual assessment contributes to its requirement's status in a run."""

    status: Status
    reason_zh: str
    reason_en: str
    counted: bool


def review_cycle_days(requirement: Requirement) -> int:
    """How many days a manual assessment of ``requirement`` may hold at most."""
    return requirement.review_frequency.days or DEFAULT_CYCLE_DAYS


def accepts_manual(requirement: Requirement) -> bool:
    """Whether a manual assessment may be recorded for ``requirement``: an obligation
    (definitions and procedural articles are not assessed)."""
    return requirement.is_obligation


def decided_automatically(outcomes: Iterable[CheckOutcome]) -> bool:
    """Whether an automated check decided (pass, fail or error): then a manual result
    does not count. Checks that answer ``manual`` (not automatable here: nothing to read,
    no endpoint configured) leave the requirement to a person."""
    return any(o.status is not Status.manual for o in outcomes)


def _requirement(session: Session, requirement_id: str) -> Requirement:
    requirement = load_rulebook().get((requirement_id or "").strip())
    if not accepts_manual(requirement):
        raise ValidationError(
            f"{requirement.id} is a definition or procedural article: it is not assessed",
            field="requirement_id",
        )
    snapshot = latest_snapshot(session)
    if snapshot is not None and decided_automatically(
        c for c in snapshot.checks if requirement.id in c.requirement_ids
    ):
        raise ValidationError(
            f"an automated check decided {requirement.id} in the latest assessment: a manual "
            "assessment counts only where its checks answer manual",
            field="requirement_id",
        )
    return requirement


def _reason(result: ManualResult, reason: str) -> str:
    text = (reason or "").strip()
    if result is not ManualResult.passed and not text:
        raise ValidationError("say why the requirement fails or does not apply", field="reason")
    if len(text) > MAX_REASON:
        raise ValidationError(f"the reason is longer than {MAX_REASON} characters", field="reason")
    return text


def _reviewer(session: Session, reviewer: str, assessor: str) -> str:
    name = (reviewer or "").strip()
    identity = staff_by_username(session, name[:64]) if name else None
    if identity is None:
        raise ValidationError(
            f"the reviewer must be the username of an active staff user, not {name[:64]!r}",
            field="reviewer",
        )
    if identity.username == assessor:
        raise ValidationError(
            "the reviewer must be someone other than the assessor", field="reviewer"
        )
    return identity.username


def _valid_until(requirement: Requirement, valid_until: date | None, day: date) -> date:
    if valid_until is None:
        raise ValidationError("give the date the assessment holds until", field="valid_until")
    cycle = review_cycle_days(requirement)
    if valid_until < day:
        raise ValidationError("valid until is in the past", field="valid_until")
    if valid_until > day + timedelta(days=cycle):
        raise ValidationError(
            f"a manual assessment of {requirement.id} holds at most one review cycle "
            f"({cycle} days, until {day + timedelta(days=cycle)})",
            field="valid_until",
        )
    return valid_until


def _evidence(session: Session, evidence_id: str, requirement: Requirement, day: date) -> str:
    if not (evidence_id or "").strip():
        raise ValidationError("choose or upload the evidence", field="evidence_id")
    try:
        record = get_evidence(session, evidence_id.strip()[:36])
    except NotFoundError:
        raise ValidationError(
            f"no evidence with id {evidence_id[:36]!r} in the evidence store", field="evidence_id"
        ) from None
    if requirement.id not in record.requirement_ids:
        raise ValidationError(
            f"the evidence is not linked to {requirement.id}", field="evidence_id"
        )
    if not record.is_current(day):
        raise ValidationError("the evidence is not current", field="evidence_id")
    return record.id


def record_manual_assessment(
    session: Session,
    clock: Clock,
    *,
    requirement_id: str,
    result: str,
    reason: str,
    evidence_id: str,
    reviewer: str,
    valid_until: date | None,
    assessor: str,
) -> ManualAssessmentRecord:
    """Validate every field (a ValidationError names the first one wrong) and store."""
    requirement = _requirement(session, requirement_id)
    try:
        outcome = ManualResult(result)
    except ValueError:
        raise ValidationError(
            "the result must be pass, fail or not_applicable", field="result"
        ) from None
    day = today(clock)
    row = ManualAssessment(
        requirement_id=requirement.id,
        result=outcome.value,
        reason=_reason(outcome, reason),
        evidence_id=_evidence(session, evidence_id, requirement, day),
        assessor=assessor,
        reviewer=_reviewer(session, reviewer, assessor),
        assessed_at=clock.now(),
        valid_until=_valid_until(requirement, valid_until, day),
    )
    session.add(row)
    session.flush()
    return ManualAssessmentRecord.model_validate(row)


def manual_history(
    session: Session, requirement_id: str, *, limit: int = 20
) -> list[ManualAssessmentRecord]:
    """The manual assessments of one requirement, newest first."""
    rows = session.scalars(
        select(ManualAssessment)
        .where(ManualAssessment.requirement_id == requirement_id)
        .order_by(ManualAssessment.assessed_at.desc())
        .limit(limit)
    )
    return [ManualAssessmentRecord.model_validate(r) for r in rows]


def latest_manual(session: Session) -> dict[str, ManualAssessmentRecord]:
    """The newest manual assessment of every requirement that has one."""
    out: dict[str, ManualAssessmentRecord] = {}
    for row in session.scalars(
        select(ManualAssessment).order_by(ManualAssessment.assessed_at.desc())
    ):
        out.setdefault(row.requirement_id, ManualAssessmentRecord.model_validate(row))
    return out


def _summary(record: ManualAssessmentRecord) -> tuple[str, str]:
    until = record.valid_until
    return (
        f"評估人 {record.assessor}，覆核人 {record.reviewer}，有效至 {roc_date(until)}",
        f"assessed by {record.assessor}, reviewed by {record.reviewer}, valid until {until}",
    )


def _problem(session: Session, record: ManualAssessmentRecord, day: date) -> tuple[str, str] | None:
    """Why ``record`` does not count today (zh, en), or None when it does."""
    if not record.is_valid(day):
        return (
            f"人工評估已於 {roc_date(record.valid_until)} 到期，須重新評估",
            f"the manual assessment expired on {record.valid_until}: assess it again",
        )
    evidence: EvidenceRecord | None
    try:
        evidence = get_evidence(session, record.evidence_id)
    except NotFoundError:
        evidence = None
    if evidence is None or record.requirement_id not in evidence.requirement_ids:
        return "人工評估之佐證已不在證據庫中", "its evidence is no longer in the evidence store"
    if not evidence.is_current(day):
        return (
            f"人工評估之佐證「{evidence.title}」已非有效證據",
            f"its evidence '{evidence.title}' is no longer current",
        )
    reviewer = staff_by_username(session, record.reviewer)
    if reviewer is None or reviewer.username == record.assessor:
        return (
            f"覆核人「{record.reviewer}」非評估人以外之在職人員",
            f"its reviewer {record.reviewer!r} is not an active staff user other than the assessor",
        )
    return None


def manual_verdict(session: Session, record: ManualAssessmentRecord, day: date) -> ManualVerdict:
    """What ``record`` makes of its requirement today: its result while it holds,
    ``fail`` with the reason once it does not."""
    who_zh, who_en = _summary(record)
    problem = _problem(session, record, day)
    if problem is not None:
        return ManualVerdict(
            Status.failed, f"{problem[0]}（{who_zh}）", f"{problem[1]} ({who_en})", counted=False
        )
    said_zh = f"：{record.reason}" if record.reason else ""
    said_en = f": {record.reason}" if record.reason else ""
    reason_zh = f"人工評估{said_zh}（{who_zh}）"
    reason_en = f"Manual assessment{said_en} ({who_en})"
    return ManualVerdict(record.result.status, reason_zh, reason_en, counted=True)


def manual_verdicts(session: Session, clock: Clock) -> dict[str, ManualVerdict]:
    """The verdict of the newest manual assessment of every obligation that has one (the
    engine counts it only where the requirement's own checks all answered manual)."""
    day = today(clock)
    rulebook = load_rulebook()
    out: dict[str, ManualVerdict] = {}
    for requirement_id, record in latest_manual(session).items():
        requirement = rulebook.requirements.get(requirement_id)
        if requirement is not None and accepts_manual(requirement):
            out[requirement_id] = manual_verdict(session, record, day)
    return out


def reviewer_choices(session: Session, assessor: str) -> list[StaffIdentity]:
    """Who may review ``assessor``'s assessment: every active staff user but the assessor."""
    return [s for s in list_active_staff(session) if s.username != assessor]
