"""Demo firm: its policy register (社群媒體、行動裝置、APP、物聯網規範及作業程序).

Which requirement IDs each policy covers is read from the rulebook (the policy-kind
requirements of the article), never listed here, so the demo follows the rulebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.evidence.service import store_evidence
from brokerguard.policies.service import approve_policy, register_policy
from brokerguard.rulebook import Requirement, RequirementKind, load_rulebook


@dataclass(frozen=True)
class DemoPolicy:
    title: str
    owner_unit: str
    #: requirement ID prefix whose policy-kind requirements the policy covers
    prefix: str
    #: approved this many days ago (None: still a draft)
    approved_days_ago: int | None
    #: review cycle in days after approval
    cycle_days: int = 365
    version: str = "1.0"


POLICIES = (
    DemoPolicy("社群媒體資訊安全管理辦法", "法令遵循處", "A5", 130, version="2.1"),
    # approved long ago and never reviewed: overdue for review
    DemoPolicy("公務行動裝置管理要點", "資訊安全處", "A6.1", 420, version="1.3"),
    DemoPolicy("員工自攜裝置（BYOD）管理要點", "資訊安全處", "A6.2", 100),
    DemoPolicy("行動應用程式資訊安全管理程序", "數位金融部", "A6.3", 95, version="3.0"),
    # still a draft awaiting the board
    DemoPolicy("物聯網設備資訊安全管理辦法", "資訊安全處", "A7", None, version="0.9"),
)

PROCEDURE_KINDS = frozenset({"procedure", "policy"})


def _covered(prefix: str) -> list[Requirement]:
    return [r for r in load_rulebook().matching(prefix) if r.kind is RequirementKind.policy]


def _procedure_requirements() -> dict[int, list[Requirement]]:
    """Requirements (outside the policy kind) whose evidence is a written procedure."""
    out: dict[int, list[Requirement]] = {}
    for requirement in load_rulebook().obligations():
        if requirement.kind is RequirementKind.policy:
            continue
        if PROCEDURE_KINDS.intersection(requirement.evidence_kinds):
            out.setdefault(requirement.article, []).append(requirement)
    return out


def load_demo(ctx: DemoContext) -> None:
    day = today(ctx.clock)
    approver = ctx.staff.get("compliance")
    author = approver.username if approver is not None else "demo"
    registered = 0
    plans = [(p, [r.id for r in _covered(p.prefix)]) for p in POLICIES]
    rulebook = load_rulebook()
    for article, requirements in sorted(_procedure_requirements().items()):
        title = rulebook.articles[article].title_zh if article in rulebook.articles else ""
        plans.append(
            (
                DemoPolicy(f"{title}作業程序", "資訊安全處", f"A{article}", 60, version="1.2"),
                [r.id for r in requirements],
            )
        )
    for plan, ids in plans:
        if not ids:
            continue  # the rulebook has no such requirements (yet)
        document = store_evidence(
            ctx.session,
            ctx.clock,
            ctx.settings,
            content=f"{plan.title} 第 {plan.version} 版（示範資料）\n".encode(),
            filename=f"policy-{plan.prefix}-{plan.version}.txt",
            title=f"{plan.title} 第 {plan.version} 版",
            requirement_ids=ids,
            kind="policy_document",
            uploaded_by=author,
            unit=plan.owner_unit,
        )
        policy = register_policy(
            ctx.session,
            ctx.clock,
            title=plan.title,
            version=plan.version,
            owner_unit=plan.owner_unit,
            requirement_ids=ids,
            created_by=author,
            document_evidence_id=document.id,
            notes="示範資料",
        )
        registered += 1
        if plan.approved_days_ago is not None and approver is not None:
            approved = day - timedelta(days=plan.approved_days_ago)
            approve_policy(
                ctx.session,
                policy.id,
                approver=approver.username,
                approved_on=approved,
                next_review=approved + timedelta(days=plan.cycle_days),
            )
    ctx.notes.append(f"policies: {registered} documents registered")
    if approver is None:
        ctx.notes.append("policies: no compliance staff user, so every policy stays a draft")
