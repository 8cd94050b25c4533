"""Which checks prove which requirement.

Checks bind themselves to requirement IDs with ``@check("A9.7", ...)`` in each
domain's ``checks.py``; the rulebook data does not list check IDs (one source
of truth). This module reads the registry back against the rulebook.
"""

from __future__ import annotations

from dataclasses import dataclass

from brokerguard.assessment.registry import CheckDefinition, CheckRegistry
from brokerguard.rulebook.model import Requirement, RequirementKind, Rulebook


@dataclass(frozen=True)
class UnknownBinding:
    check_id: str
    requirement_id: str

    def __str__(self) -> str:
        return f"check {self.check_id} names unknown requirement {self.requirement_id}"


def unknown_bindings(registry: CheckRegistry, rulebook: Rulebook) -> list[UnknownBinding]:
    """Every (check, requirement ID) pair whose ID is not in the rulebook."""
    return [
        UnknownBinding(definition.id, requirement_id)
        for definition in registry.all()
        for requirement_id in definition.requirement_ids
        if requirement_id not in rulebook
    ]


def without_checks(
    registry: CheckRegistry,
    rulebook: Rulebook,
    kinds: frozenset[RequirementKind] = frozenset(
        {RequirementKind.technical, RequirementKind.record}
    ),
) -> list[Requirement]:
    """Requirements of ``kinds`` that no registered check names (ADR 0003)."""
    bound = {rid for definition in registry.all() for rid in definition.requirement_ids}
    return [r for r in rulebook if r.kind in kinds and r.id not in bound]


def checks_for(registry: CheckRegistry, requirement_id: str) -> list[CheckDefinition]:
    """The checks bound to exactly this requirement ID."""
    return registry.for_requirement(requirement_id)


def loaded_registry() -> CheckRegistry:
    """The global registry after every domain's ``checks`` module has been imported."""
    from brokerguard.assessment.registry import load_all_checks

    return load_all_checks()
