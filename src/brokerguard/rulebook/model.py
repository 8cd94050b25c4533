"""Typed rulebook entries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from brokerguard.errors import UnknownRequirementError

ID_PATTERN = re.compile(r"^(A\d{1,2}(\.\d{1,2})*|D2\.\d{1,2}|A1|A12|A13)$")


class RequirementKind(StrEnum):
    policy = "policy"  # the firm must have rules containing X
    technical = "technical"  # a system must do X
    record = "record"  # records must be kept
    referenced = "referenced"  # follow another rulebook
    definition = "definition"  # scope only, no obligation
    procedural = "procedural"  # Arts. 12-13: not obligations of the firm's systems

    @property
    def label_zh(self) -> str:
        return _KIND_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _KIND_LABELS[self][1]


_KIND_LABELS = {
    RequirementKind.policy: ("規範文件", "Policy"),
    RequirementKind.technical: ("技術控制", "Technical control"),
    RequirementKind.record: ("紀錄留存", "Records"),
    RequirementKind.referenced: ("引用規範", "Referenced rules"),
    RequirementKind.definition: ("用詞定義", "Definition"),
    RequirementKind.procedural: ("程序條文", "Procedural"),
}


class ReviewFrequency(StrEnum):
    continuous = "continuous"
    monthly = "monthly"
    quarterly = "quarterly"
    semiannual = "semiannual"
    annual = "annual"
    per_release = "per_release"
    on_change = "on_change"
    none = "none"

    @property
    def label_zh(self) -> str:
        return _FREQUENCY_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _FREQUENCY_LABELS[self][1]

    @property
    def days(self) -> int | None:
        return {
            "continuous": 1,
            "monthly": 31,
            "quarterly": 92,
            "semiannual": 183,
            "annual": 366,
        }.get(self.value)


_FREQUENCY_LABELS = {
    ReviewFrequency.continuous: ("持續", "Continuous"),
    ReviewFrequency.monthly: ("每月", "Monthly"),
    ReviewFrequency.quarterly: ("每季", "Quarterly"),
    ReviewFrequency.semiannual: ("每半年", "Semi-annual"),
    ReviewFrequency.annual: ("每年", "Annual"),
    ReviewFrequency.per_release: ("每次上架", "Every release"),
    ReviewFrequency.on_change: ("異動時", "On change"),
    ReviewFrequency.none: ("不適用", "None"),
}


@dataclass(frozen=True)
class Requirement:
    id: str
    article: int
    kind: RequirementKind
    text_zh: str
    text_en: str
    parent: str | None = None
    title_zh: str = ""
    title_en: str = ""
    evidence_kinds: tuple[str, ...] = ()
    review_frequency: ReviewFrequency = ReviewFrequency.annual
    source_file: str = ""
    source_line: int = 0

    @property
    def is_obligation(self) -> bool:
        return self.kind not in (RequirementKind.definition, RequirementKind.procedural)


@dataclass(frozen=True)
class Article:
    number: int
    title_zh: str
    title_en: str
    #: the article's lead-in sentence when no entry holds it (Arts. 5 and 6)
    intro_zh: str = ""
    intro_en: str = ""

    @property
    def label_zh(self) -> str:
        """``第九條``."""
        return f"第{chinese_number(self.number)}條"

    @property
    def label_en(self) -> str:
        return f"Article {self.number}"


_DIGITS = "〇一二三四五六七八九"


def chinese_number(value: int) -> str:
    """1..99 in Chinese numerals as used for article numbers: 9 -> 九, 13 -> 十三, 20 -> 二十."""
    if not 1 <= value <= 99:
        raise ValueError(f"article numbers run from 1 to 99, not {value}")
    tens, units = divmod(value, 10)
    if tens == 0:
        return _DIGITS[units]
    prefix = "" if tens == 1 else _DIGITS[tens]
    return prefix + "十" + (_DIGITS[units] if units else "")


@dataclass
class Rulebook:
    requirements: dict[str, Requirement] = field(default_factory=dict)
    articles: dict[int, Article] = field(default_factory=dict)

    def get(self, requirement_id: str) -> Requirement:
        try:
            return self.requirements[requirement_id]
        except KeyError:
            raise UnknownRequirementError(requirement_id) from None

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.requirements

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self.ordered())

    def __len__(self) -> int:
        return len(self.requirements)

    def ordered(self) -> list[Requirement]:
        return sorted(self.requirements.values(), key=lambda r: sort_key(r.id))

    def children(self, requirement_id: str) -> list[Requirement]:
        return [r for r in self.ordered() if r.parent == requirement_id]

    def descendants(self, requirement_id: str) -> list[Requirement]:
        out: list[Requirement] = []
        for child in self.children(requirement_id):
            out.append(child)
            out.extend(self.descendants(child.id))
        return out

    def obligations(self) -> list[Requirement]:
        return [r for r in self.ordered() if r.is_obligation]

    def in_article(self, article: int) -> list[Requirement]:
        return [r for r in self.ordered() if r.article == article]

    def of_kind(self, kind: RequirementKind) -> list[Requirement]:
        return [r for r in self.ordered() if r.kind is kind]

    def matching(self, prefix: str) -> list[Requirement]:
        """Requirements whose ID is ``prefix`` or lies below it (``A9`` -> A9.1 ... A9.9)."""
        return [r for r in self.ordered() if r.id == prefix or r.id.startswith(prefix + ".")]


def sort_key(requirement_id: str) -> tuple[int, ...]:
    """Reading order: article first (D2.x sit between A1 and A3.1), then each level."""
    return tuple(int(n) for n in re.findall(r"\d+", requirement_id))


def article_of(requirement_id: str) -> int:
    """The article an ID belongs to: ``A9.7`` -> 9, ``D2.3`` -> 2, ``A12`` -> 12."""
    match = re.match(r"^[AD](\d+)", requirement_id)
    if match is None:
        raise UnknownRequirementError(requirement_id)
    return int(match.group(1))
