"""Turn failed register checks into findings (缺失改善追蹤) through the findings service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status, load_all_checks
from brokerguard.clock import Clock, today
from brokerguard.config import Settings
from brokerguard.findings.schemas import FindingRecord
from brokerguard.findings.service import open_finding

DEFAULT_DUE_DAYS = 30


def findings_from_checks(
    session: Session,
    clock: Clock,
    settings: Settings,
    check_ids: Sequence[str],
    *,
    owner: str = "",
    due_days: int = DEFAULT_DUE_DAYS,
) -> list[FindingRecord]:
    """Run ``check_ids`` now; every failure opens (or finds the still-open) finding.

    The finding's source is ``check`` and its reference ``<check ID>@<requirement>``
    (as the findings area's own "from check" uses), so running this again, or
    opening the same check's finding from an assessment run, finds the open one.
    """
    registry = load_all_checks()
    context = CheckContext(session=session, settings=settings, clock=clock)
    opened = []
    for check_id in check_ids:
        definition = registry.get(check_id)
        if definition is None:
            continue
        result = definition.run(context)
        if result.status is not Status.failed:
            continue
        requirement = definition.requirement_ids[0]
        evidence = "\n".join(result.evidence)
        opened.append(
            open_finding(
                session,
                clock,
                requirement_id=requirement,
                title=f"{definition.title_zh}（{result.status.label_zh}）",
                # the same reference as findings.intake.finding_from_check, so a finding
                # opened from an assessment run and one opened here are the same finding
                source="check",
                source_ref=f"{check_id}@{requirement}",
                description=f"{result.reason_zh}\n{result.reason_en}"
                + (f"\n{evidence}" if evidence else ""),
                owner=owner,
                due_date=today(clock) + timedelta(days=due_days),
            )
        )
    return opened
