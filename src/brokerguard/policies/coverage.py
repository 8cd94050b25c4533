"""Coverage of the policy-kind requirements by approved, in-date policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from brokerguard.policies.schemas import PolicyRecord
from brokerguard.rulebook import Requirement, RequirementKind, load_rulebook


@dataclass(frozen=True)
class Coverage:
    requirement: Requirement
    policies: list[PolicyRecord]
    in_force: list[PolicyRecord]

    @property
    def state(self) -> str:
        """``covered`` (an in-force policy), ``pending`` (only drafts or lapsed) or ``missing``."""
        if self.in_force:
            return "covered"
        return "pending" if self.policies else "missing"


def policy_coverage(policies: list[PolicyRecord], day: date) -> list[Coverage]:
    """One row per policy-kind requirement of the rulebook, in rulebook order."""
    by_requirement: dict[str, list[PolicyRecord]] = {}
    for policy in policies:
        if policy.status == "retired":
            continue
        for requirement_id in policy.requirement_ids:
            by_requirement.setdefault(requirement_id, []).append(policy)
    rows = []
    for requirement in load_rulebook().ordered():
        if requirement.kind is not RequirementKind.policy:
            continue
        covering = by_requirement.get(requirement.id, [])
        rows.append(Coverage(requirement, covering, [p for p in covering if p.is_in_force(day)]))
    return rows
