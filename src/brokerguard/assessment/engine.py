"""Run checks, roll results up the requirement tree, store the run.

A requirement's status is the worst of: its own checks, its children, and its
evidence (evidence that exists but is all expired is a ``fail``). A requirement
with none of these is ``manual`` and says what evidence would satisfy it.
Definitions and procedural articles are ``not_applicable``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from brokerguard.assessment.manual import ManualVerdict, decided_automatically, manual_verdicts
from brokerguard.assessment.models import (
    AssessmentCheckResult,
    AssessmentRequirementResult,
    AssessmentRun,
)
from brokerguard.assessment.registry import (
    CheckContext,
    CheckDefinition,
    CheckResult,
    Status,
    load_all_checks,
    worst,
)
from brokerguard.assessment.results import AssessmentSnapshot, CheckOutcome, RequirementOutcome
from brokerguard.assessment.service import get_snapshot
from brokerguard.clock import Clock, roc_date, today
from brokerguard.config import Settings
from brokerguard.db.engine import savepoint
from brokerguard.errors import UnknownRequirementError
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import evidence_by_requirement
from brokerguard.rulebook import Requirement, Rulebook, load_rulebook

ProgressCallback = Callable[[CheckDefinition], None]
MAX_ERROR_TEXT = 500


def requirements_in_scope(rulebook: Rulebook, scope: str | None) -> list[Requirement]:
    if not scope:
        return rulebook.ordered()
    selected = rulebook.matching(scope.strip())
    if not selected:
        raise UnknownRequirementError(scope)
    return selected


def checks_in_scope(
    checks: list[CheckDefinition], requirements: list[Requirement]
) -> list[CheckDefinition]:
    ids = {r.id for r in requirements}
    return [c for c in checks if ids.intersection(c.requirement_ids)]


def run_check(definition: CheckDefinition, ctx: CheckContext) -> CheckResult:
    """Run one check in a savepoint; an exception becomes an ``error`` result."""
    try:
        with savepoint(ctx.session):
            result = definition.run(ctx)
        if not isinstance(result, CheckResult):
            raise TypeError(f"check returned {type(result).__name__}, not CheckResult")
        return result
    except Exception as exc:
        text = f"{exc.__class__.__name__}: {exc}"[:MAX_ERROR_TEXT]
        return CheckResult(Status.error, f"檢查執行錯誤：{text}", f"The check raised {text}")


def _evidence_verdict(
    records: list[EvidenceRecord], clock: Clock
) -> tuple[Status, str, str] | None:
    """``fail`` when evidence exists but every item has expired; otherwise no verdict.

    Evidence that is not valid yet (``valid_from`` in the future) neither passes nor
    fails: it simply does not count.
    """
    day = today(clock)
    expired = [r for r in records if r.valid_until is not None and r.valid_until < day]
    if not expired or any(r.is_current(day) for r in records):
        return None
    latest = max(expired, key=lambda r: r.valid_until or day)
    expired_on = latest.valid_until or day
    return (
        Status.failed,
        f"證據均已逾期（最近一份「{latest.title}」於 {roc_date(expired_on)} 到期）",
        f"All evidence has expired (latest, '{latest.title}', expired {expired_on})",
    )


def _manual_reason(requirement: Requirement, records: list[EvidenceRecord]) -> tuple[str, str]:
    kinds = ", ".join(requirement.evidence_kinds) or "—"
    if records:
        return (
            f"尚無自動化檢查；已有 {len(records)} 份有效證據，待人工覆核（證據類型：{kinds}）",
            f"No automated check; {len(records)} current evidence item(s) await review "
            f"(evidence kinds: {kinds})",
        )
    return (
        f"尚無自動化檢查；請上傳證據（證據類型：{kinds}）",
        f"No automated check yet; upload evidence (evidence kinds: {kinds})",
    )


def roll_up(
    rulebook: Rulebook,
    requirements: list[Requirement],
    check_outcomes: list[CheckOutcome],
    evidence: dict[str, list[EvidenceRecord]],
    clock: Clock,
    manual: Mapping[str, ManualVerdict] | None = None,
) -> dict[str, RequirementOutcome]:
    """Each requirement's status: the worst of its checks, its children and its evidence;
    a valid manual assessment stands in for its checks where they all answered manual
    (see :mod:`brokerguard.assessment.manual`), an expired one fails."""
    manual = manual or {}
    by_requirement: dict[str, list[CheckOutcome]] = {}
    for outcome in check_outcomes:
        for requirement_id in outcome.requirement_ids:
            by_requirement.setdefault(requirement_id, []).append(outcome)
    in_scope = {r.id for r in requirements}
    results: dict[str, RequirementOutcome] = {}

    def resolve(requirement: Requirement) -> RequirementOutcome:
        if requirement.id in results:
            return results[requirement.id]
        own = by_requirement.get(requirement.id, [])
        children = [resolve(c) for c in rulebook.children(requirement.id) if c.id in in_scope]
        statuses = [o.status for o in own] + [c.status for c in children]
        reason_zh = reason_en = ""
        if not requirement.is_obligation:
            status = Status.not_applicable
            reason_zh, reason_en = "定義或程序條文，非義務", "Definition or procedural article"
        else:
            by_hand = manual.get(requirement.id)
            if by_hand is not None and not decided_automatically(own):
                # the person's result stands in for the checks that could only say "manual"
                statuses = [c.status for c in children] + [by_hand.status]
                reason_zh, reason_en = by_hand.reason_zh, by_hand.reason_en
            else:
                by_hand = None
            verdict = _evidence_verdict(evidence.get(requirement.id, []), clock)
            if verdict is not None:
                statuses.append(verdict[0])
                if by_hand is None or by_hand.counted:
                    reason_zh, reason_en = verdict[1], verdict[2]
            status = worst(statuses) or Status.manual
            if not statuses:
                reason_zh, reason_en = _manual_reason(requirement, evidence.get(requirement.id, []))
            elif not own and children and not reason_zh:
                reason_zh, reason_en = "依下層條文彙總", "Rolled up from the sub-requirements"
        outcome = RequirementOutcome(
            requirement_id=requirement.id,
            status=status,
            check_ids=tuple(o.check_id for o in own),
            reason_zh=reason_zh,
            reason_en=reason_en,
        )
        results[requirement.id] = outcome
        return outcome

    for requirement in requirements:
        resolve(requirement)
    return results


def run_assessment(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    scope: str | None = None,
    triggered_by: str = "cli",
    progress: ProgressCallback | None = None,
) -> AssessmentSnapshot:
    """Run every check bound to the requirements in ``scope`` (all when None) and store the run."""
    rulebook = load_rulebook()
    requirements = requirements_in_scope(rulebook, scope)
    checks = checks_in_scope(load_all_checks().all(), requirements)
    ctx = CheckContext(session=session, settings=settings, clock=clock)
    started = clock.now()
    outcomes: list[CheckOutcome] = []
    for definition in checks:
        if progress is not None:
            progress(definition)
        check_started = clock.now()
        tick = time.perf_counter()
        result = run_check(definition, ctx)
        outcomes.append(
            CheckOutcome(
                check_id=definition.id,
                requirement_ids=definition.requirement_ids,
                title_zh=definition.title_zh,
                title_en=definition.title_en,
                status=result.status,
                reason_zh=result.reason_zh,
                reason_en=result.reason_en,
                evidence=result.evidence,
                started_at=check_started,
                duration_ms=int((time.perf_counter() - tick) * 1000),
            )
        )
    evidence = evidence_by_requirement(session)
    statuses = roll_up(
        rulebook, requirements, outcomes, evidence, clock, manual_verdicts(session, clock)
    )
    finished = clock.now()
    snapshot = AssessmentSnapshot(
        run_id="",
        started_at=started,
        finished_at=finished,
        scope=scope or "all",
        triggered_by=triggered_by,
        checks=tuple(outcomes),
        requirements=statuses,
    )
    return get_snapshot(session, _store(session, snapshot))


def _store(session: Session, snapshot: AssessmentSnapshot) -> str:
    counts = snapshot.counts()
    run = AssessmentRun(
        started_at=snapshot.started_at,
        finished_at=snapshot.finished_at,
        scope=snapshot.scope,
        triggered_by=snapshot.triggered_by[:128],
        passed=counts[Status.passed],
        failed=counts[Status.failed],
        manual=counts[Status.manual],
        errors=counts[Status.error],
        not_applicable=counts[Status.not_applicable],
    )
    session.add(run)
    session.flush()
    session.add_all(
        AssessmentCheckResult(
            run_id=run.id,
            check_id=o.check_id,
            requirement_ids=",".join(o.requirement_ids),
            title_zh=o.title_zh[:255],
            title_en=o.title_en[:255],
            status=o.status.value,
            reason_zh=o.reason_zh,
            reason_en=o.reason_en,
            evidence=json.dumps(list(o.evidence), ensure_ascii=False),
            started_at=o.started_at,
            duration_ms=o.duration_ms,
        )
        for o in snapshot.checks
    )
    session.add_all(
        AssessmentRequirementResult(
            run_id=run.id,
            requirement_id=r.requirement_id,
            status=r.status.value,
            check_ids=",".join(r.check_ids),
            reason_zh=r.reason_zh,
            reason_en=r.reason_en,
        )
        for r in snapshot.requirements.values()
    )
    session.flush()
    return run.id
