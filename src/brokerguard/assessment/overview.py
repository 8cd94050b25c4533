"""What the dashboard and the requirement page show, gathered from the services.

Plain data only (no web code): the article-by-article status matrix, counts,
the pass-rate trend, overdue findings, evidence about to expire, and for one
requirement its checks, history, evidence, policies and findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.assessment.manual import (
    ManualAssessmentRecord,
    ManualVerdict,
    accepts_manual,
    decided_automatically,
    manual_history,
    manual_verdict,
)
from brokerguard.assessment.models import AssessmentRun
from brokerguard.assessment.registry import CheckDefinition, Status, load_all_checks
from brokerguard.assessment.results import AssessmentSnapshot, CheckOutcome, RequirementOutcome
from brokerguard.assessment.service import (
    RunSummary,
    latest_snapshot,
    requirement_history,
    run_history,
)
from brokerguard.clock import Clock, today
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import evidence_for, list_evidence
from brokerguard.findings.schemas import FindingRecord
from brokerguard.findings.service import list_open, overdue
from brokerguard.policies.schemas import PolicyRecord
from brokerguard.policies.service import policies_covering
from brokerguard.rulebook import Requirement, Rulebook, load_rulebook

EXPIRY_WINDOW_DAYS = 30
#: ``triggered_by`` of the runs ``brokerguard demo`` stores (some at back-dated times)
DEMO_TRIGGER_PREFIX = "demo"


@dataclass(frozen=True)
class MatrixCell:
    requirement: Requirement
    status: Status | None  # None: not assessed yet


@dataclass(frozen=True)
class MatrixRow:
    article: int
    title_zh: str
    title_en: str
    cells: list[MatrixCell]

    @property
    def worst(self) -> Status | None:
        statuses = [c.status for c in self.cells if c.status is not None]
        return max(statuses, key=lambda s: s.severity) if statuses else None

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cells if c.status is Status.passed)

    @property
    def applicable(self) -> int:
        """Requirements that count: all but those not applicable."""
        return sum(1 for c in self.cells if c.status is not Status.not_applicable)


@dataclass
class Dashboard:
    rows: list[MatrixRow]
    counts: dict[Status, int]
    total: int
    history: list[RunSummary]
    overdue_findings: list[FindingRecord]
    open_findings: int
    expiring: list[EvidenceRecord]
    expired: int
    last_run: AssessmentSnapshot | None
    today: date
    #: requirements with an outcome in the latest run
    assessed: int = 0

    @property
    def pass_rate(self) -> float | None:
        """Passed over every applicable requirement (not assessed counts against);
        ``None`` before the first assessment."""
        if self.last_run is None:
            return None
        applicable = sum(row.applicable for row in self.rows)
        passed = sum(row.passed for row in self.rows)
        return passed / applicable if applicable else None


def status_matrix(rulebook: Rulebook, snapshot: AssessmentSnapshot | None) -> list[MatrixRow]:
    """One row per article, one cell per requirement, in rulebook order."""
    outcomes = snapshot.requirements if snapshot else {}
    by_article: dict[int, list[MatrixCell]] = {}
    for requirement in rulebook.ordered():
        outcome = outcomes.get(requirement.id)
        by_article.setdefault(requirement.article, []).append(
            MatrixCell(requirement, outcome.status if outcome else None)
        )
    rows = []
    for number in sorted(by_article):
        article = rulebook.articles.get(number)
        rows.append(
            MatrixRow(
                article=number,
                title_zh=article.title_zh if article else "",
                title_en=article.title_en if article else "",
                cells=by_article[number],
            )
        )
    return rows


def expiring_evidence(
    records: list[EvidenceRecord], day: date, window_days: int = EXPIRY_WINDOW_DAYS
) -> list[EvidenceRecord]:
    """Evidence still valid today that expires within ``window_days``, soonest first."""
    horizon = day + timedelta(days=window_days)
    soon = [r for r in records if r.valid_until is not None and day <= r.valid_until <= horizon]
    return sorted(soon, key=lambda r: (r.valid_until or day, r.title))


def build_dashboard(session: Session, clock: Clock) -> Dashboard:
    rulebook = load_rulebook()
    snapshot = latest_snapshot(session)
    day = today(clock)
    evidence = list_evidence(session)
    counts = snapshot.counts() if snapshot else dict.fromkeys(Status, 0)
    return Dashboard(
        rows=status_matrix(rulebook, snapshot),
        counts=counts,
        total=len(rulebook),
        history=run_history(session),
        overdue_findings=overdue(session, day),
        open_findings=len(list_open(session)),
        expiring=expiring_evidence(evidence, day),
        expired=sum(1 for r in evidence if r.valid_until is not None and r.valid_until < day),
        last_run=snapshot,
        today=day,
        assessed=len(snapshot.requirements) if snapshot else 0,
    )


@dataclass(frozen=True)
class BoundCheck:
    definition: CheckDefinition
    latest: CheckOutcome | None


@dataclass
class RequirementDetail:
    requirement: Requirement
    parent: Requirement | None
    children: list[Requirement]
    outcome: RequirementOutcome | None
    checks: list[BoundCheck]
    history: list[tuple[datetime, Status]]
    evidence: list[EvidenceRecord]
    policies: list[PolicyRecord]
    findings: list[FindingRecord]
    today: date
    child_status: dict[str, Status]
    #: whether a manual assessment decides it: an obligation whose checks all answered
    #: manual in the latest run (or have not run yet)
    accepts_manual: bool = False
    #: its manual assessments, newest first, each with what it makes of the
    #: requirement today (only the newest counts)
    manual: list[tuple[ManualAssessmentRecord, ManualVerdict]] = field(default_factory=list)


def requirement_detail(session: Session, clock: Clock, requirement_id: str) -> RequirementDetail:
    """Everything known about one requirement; raises UnknownRequirementError for a bad ID."""
    rulebook = load_rulebook()
    requirement = rulebook.get(requirement_id)
    snapshot = latest_snapshot(session)
    latest_checks = {c.check_id: c for c in snapshot.checks} if snapshot else {}
    bound = [
        BoundCheck(definition, latest_checks.get(definition.id))
        for definition in load_all_checks().for_requirement(requirement.id)
    ]
    children = rulebook.children(requirement.id)
    outcomes = snapshot.requirements if snapshot else {}
    day = today(clock)
    return RequirementDetail(
        requirement=requirement,
        parent=rulebook.requirements.get(requirement.parent) if requirement.parent else None,
        children=children,
        outcome=outcomes.get(requirement.id),
        checks=bound,
        history=requirement_history(session, requirement.id),
        evidence=evidence_for(session, requirement.id),
        policies=policies_covering(session, requirement.id),
        findings=list_open(session, requirement.id),
        today=day,
        child_status={c.id: outcomes[c.id].status for c in children if c.id in outcomes},
        accepts_manual=accepts_manual(requirement)
        and not decided_automatically(b.latest for b in bound if b.latest is not None),
        manual=[
            (record, manual_verdict(session, record, day))
            for record in manual_history(session, requirement.id)
        ],
    )


def has_generated_history(session: Session) -> bool:
    """True when some stored runs were generated by ``brokerguard demo`` (back-dated)."""
    found = session.scalar(
        select(AssessmentRun.id)
        .where(AssessmentRun.triggered_by.startswith(DEMO_TRIGGER_PREFIX))
        .limit(1)
    )
    return found is not None
