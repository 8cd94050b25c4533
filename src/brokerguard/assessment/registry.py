"""The check registry.

A check is a function of a :class:`CheckContext` returning a :class:`CheckResult`::

    @check("A9.7", id="auth.lockout_threshold",
           title_zh="密碼錯誤 5 次鎖定", title_en="Lock after 5 wrong passwords")
    def lockout_threshold(ctx: CheckContext) -> CheckResult:
        ...
        return CheckResult.passed("門檻為 5 次", "Threshold is 5")

Checks live in each domain's ``checks.py``, which the domain's manifest names
(:mod:`brokerguard.domains` imports them all). A check that raises is
recorded as ``error`` by the engine; it never stops a run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from brokerguard.errors import ConflictError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from brokerguard.clock import Clock
    from brokerguard.config import Settings


class Status(StrEnum):
    passed = "pass"
    failed = "fail"
    manual = "manual"
    not_applicable = "not_applicable"
    error = "error"

    @property
    def severity(self) -> int:
        """Higher is worse; a requirement takes the worst of its checks."""
        return _SEVERITY[self]

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]

    @property
    def label_en(self) -> str:
        return _LABELS_EN[self]


_SEVERITY = {
    Status.not_applicable: 0,
    Status.passed: 1,
    Status.manual: 2,
    Status.error: 3,
    Status.failed: 4,
}
_LABELS_ZH = {
    Status.passed: "符合",
    Status.failed: "不符合",
    Status.manual: "待人工確認",
    Status.not_applicable: "不適用",
    Status.error: "檢查錯誤",
}
_LABELS_EN = {
    Status.passed: "Pass",
    Status.failed: "Fail",
    Status.manual: "Manual",
    Status.not_applicable: "Not applicable",
    Status.error: "Error",
}


def worst(statuses: Iterable[Status]) -> Status | None:
    items = list(statuses)
    if not items:
        return None
    return max(items, key=lambda s: s.severity)


@dataclass(frozen=True)
class CheckResult:
    """What a check found, in both languages, with the evidence it relied on.

    ``evidence`` holds references such as ``evidence:sha256:<hex>``,
    ``policy:<id>``, ``audit:tree-head:<n>`` or ``record:<table>:<id>``.
    """

    status: Status
    reason_zh: str
    reason_en: str
    evidence: tuple[str, ...] = ()
    details: dict[str, str | int | float | bool | None] = field(default_factory=dict)

    @classmethod
    def passed(
        cls,
        zh: str,
        en: str,
        evidence: Sequence[str] = (),
        **details: str | int | float | bool | None,
    ) -> CheckResult:
        return cls(Status.passed, zh, en, tuple(evidence), dict(details))

    @classmethod
    def failed(
        cls,
        zh: str,
        en: str,
        evidence: Sequence[str] = (),
        **details: str | int | float | bool | None,
    ) -> CheckResult:
        return cls(Status.failed, zh, en, tuple(evidence), dict(details))

    @classmethod
    def manual(
        cls,
        zh: str,
        en: str,
        evidence: Sequence[str] = (),
        **details: str | int | float | bool | None,
    ) -> CheckResult:
        return cls(Status.manual, zh, en, tuple(evidence), dict(details))

    @classmethod
    def not_applicable(
        cls, zh: str, en: str, **details: str | int | float | bool | None
    ) -> CheckResult:
        return cls(Status.not_applicable, zh, en, (), dict(details))


@dataclass
class CheckContext:
    """What a check may use: a database session, the settings and the clock."""

    session: Session
    settings: Settings
    clock: Clock


CheckFunction = Callable[[CheckContext], CheckResult]


@dataclass(frozen=True)
class CheckDefinition:
    id: str
    requirement_ids: tuple[str, ...]
    title_zh: str
    title_en: str
    function: CheckFunction

    def run(self, ctx: CheckContext) -> CheckResult:
        return self.function(ctx)


class CheckRegistry:
    def __init__(self) -> None:
        self._checks: dict[str, CheckDefinition] = {}

    def register(self, definition: CheckDefinition) -> CheckDefinition:
        existing = self._checks.get(definition.id)
        if existing is not None and existing.function is not definition.function:
            raise ConflictError(f"check ID registered twice: {definition.id}", field="id")
        if not definition.requirement_ids:
            raise ConflictError(
                f"check {definition.id} names no requirement", field="requirement_ids"
            )
        self._checks[definition.id] = definition
        return definition

    def get(self, check_id: str) -> CheckDefinition | None:
        return self._checks.get(check_id)

    def all(self) -> list[CheckDefinition]:
        return sorted(self._checks.values(), key=lambda c: c.id)

    def for_requirement(self, requirement_id: str) -> list[CheckDefinition]:
        return [c for c in self.all() if requirement_id in c.requirement_ids]

    def __len__(self) -> int:
        return len(self._checks)


registry = CheckRegistry()


def check(
    *requirement_ids: str,
    id: str,
    title_zh: str,
    title_en: str,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check that proves (part of) the given requirements."""

    def decorate(function: CheckFunction) -> CheckFunction:
        registry.register(CheckDefinition(id, tuple(requirement_ids), title_zh, title_en, function))
        return function

    return decorate


def load_all_checks() -> CheckRegistry:
    """Every domain's checks: the manifests import each ``checks`` module, so its
    decorators have run."""
    from brokerguard.domains import all_domains

    all_domains()
    return registry
