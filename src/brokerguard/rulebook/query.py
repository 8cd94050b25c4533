"""Filtering the rulebook by article and kind, with input checked and errors naming the field."""

from __future__ import annotations

from brokerguard.errors import UnknownRequirementError, ValidationError
from brokerguard.rulebook.model import Requirement, RequirementKind, Rulebook

MAX_SHOWN_ID = 32


def unknown(requirement_id: str) -> UnknownRequirementError:
    """The error for an ID not in the rulebook, naming it (shortened when very long)."""
    shown = requirement_id
    if len(shown) > MAX_SHOWN_ID:
        shown = shown[:MAX_SHOWN_ID] + "…"
    return UnknownRequirementError(shown)


def find(rulebook: Rulebook, requirement_id: str) -> Requirement:
    if requirement_id not in rulebook:
        raise unknown(requirement_id)
    return rulebook.get(requirement_id)


def parse_kind(value: str | None) -> RequirementKind | None:
    if value is None or value == "":
        return None
    try:
        return RequirementKind(value.strip().lower())
    except ValueError:
        raise ValidationError(
            f"unknown kind {value[:40]!r}; use one of {[k.value for k in RequirementKind]}",
            field="kind",
        ) from None


def select(
    rulebook: Rulebook, *, article: int | None = None, kind: RequirementKind | None = None
) -> list[Requirement]:
    """Requirements in reading order, optionally of one article and/or one kind."""
    if article is not None and article not in rulebook.articles:
        raise ValidationError(
            f"unknown article {article}; the rules have articles "
            f"{min(rulebook.articles)} to {max(rulebook.articles)}",
            field="article",
        )
    return [
        r
        for r in rulebook
        if (article is None or r.article == article) and (kind is None or r.kind is kind)
    ]
