"""The rulebook: every requirement of the rules as data (``data/*.yaml``)."""

from brokerguard.rulebook.loader import load_rulebook, require_known
from brokerguard.rulebook.model import (
    Article,
    Requirement,
    RequirementKind,
    ReviewFrequency,
    Rulebook,
)

__all__ = [
    "Article",
    "Requirement",
    "RequirementKind",
    "ReviewFrequency",
    "Rulebook",
    "load_rulebook",
    "require_known",
]
