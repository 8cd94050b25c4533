"""The rulebook: every requirement of the rules as data (``data/*.yaml``)."""

from brokerguard.rulebook.loader import load_rulebook, require_known
from brokerguard.rulebook.model import Requirement, RequirementKind, Rulebook

__all__ = ["Requirement", "RequirementKind", "Rulebook", "load_rulebook", "require_known"]
