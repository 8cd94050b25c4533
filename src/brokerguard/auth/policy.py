"""The login policy (A9.1): at least two different categories; configurable upward only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from brokerguard.auth.factors import Category
from brokerguard.auth.settings import MIN_CATEGORIES_FLOOR, AuthSettings


@dataclass(frozen=True)
class LoginPolicy:
    min_categories: int = MIN_CATEGORIES_FLOOR
    required_factor_types: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.min_categories < MIN_CATEGORIES_FLOOR:
            object.__setattr__(self, "min_categories", MIN_CATEGORIES_FLOOR)

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> LoginPolicy:
        return cls(settings.min_categories, frozenset(settings.required_factor_types))

    def satisfied(self, categories: Iterable[Category], factors_used: Iterable[str]) -> bool:
        proven = set(categories)
        used = set(factors_used)
        return len(proven) >= self.min_categories and self.required_factor_types <= used
