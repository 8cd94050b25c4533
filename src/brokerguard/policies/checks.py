"""One check per policy-kind requirement: an approved, in-date policy must cover it."""

from __future__ import annotations

from brokerguard.assessment.registry import CheckContext, CheckDefinition, CheckResult, registry
from brokerguard.clock import roc_date, today
from brokerguard.policies.service import approval_problem, policies_covering
from brokerguard.rulebook import RequirementKind, load_rulebook


def make_policy_check(requirement_id: str) -> CheckDefinition:
    def policy_in_force(ctx: CheckContext) -> CheckResult:
        day = today(ctx.clock)
        policies = policies_covering(ctx.session, requirement_id)
        dated = [p for p in policies if p.is_in_force(day)]
        problems = {p.id: approval_problem(ctx.session, p) for p in dated}
        in_force = [p for p in dated if problems[p.id] is None]
        if in_force:
            best = max(in_force, key=lambda p: p.next_review or day)
            return CheckResult.passed(
                f"「{best.title}」第 {best.version} 版已核定（{best.approver}），"
                f"下次檢視日 {roc_date(best.next_review or day)}",
                f"'{best.title}' v{best.version} approved by {best.approver}; "
                f"next review {best.next_review}",
                evidence=[f"policy:{p.id}" for p in in_force],
            )
        overdue = [
            p for p in policies if p.status == "approved" and p.next_review and p.next_review < day
        ]
        if overdue:
            late = overdue[0]
            return CheckResult.failed(
                f"「{late.title}」已逾檢視期限（{roc_date(late.next_review or day)}）",
                f"'{late.title}' is past its review date ({late.next_review})",
                evidence=[f"policy:{late.id}"],
            )
        if dated:
            first = dated[0]
            zh, en = problems[first.id] or ("", "")
            return CheckResult.failed(
                f"「{first.title}」第 {first.version} 版之核定無法證明：{zh}",
                f"'{first.title}' v{first.version} cannot prove its approval: {en}",
                evidence=[f"policy:{p.id}" for p in dated],
            )
        if policies:
            return CheckResult.failed(
                "涵蓋本條之規範尚未核定",
                "The policy covering this requirement is not approved yet",
                evidence=[f"policy:{p.id}" for p in policies],
            )
        return CheckResult.failed(
            "尚無涵蓋本條之規範文件",
            "No policy document covers this requirement",
        )

    return CheckDefinition(
        id=f"policies.in_force.{requirement_id}",
        requirement_ids=(requirement_id,),
        title_zh=f"{requirement_id} 規範文件已核定且在有效期內",
        title_en=f"{requirement_id} covered by an approved, in-date policy",
        function=policy_in_force,
    )


def register_policy_checks() -> None:
    for requirement in load_rulebook().ordered():
        if requirement.kind is RequirementKind.policy:
            check_id = f"policies.in_force.{requirement.id}"
            if registry.get(check_id) is None:
                registry.register(make_policy_check(requirement.id))


register_policy_checks()
