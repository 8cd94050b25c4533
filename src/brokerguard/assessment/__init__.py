"""Assessment engine: checks bound to requirement IDs, run on demand or on a schedule."""

from brokerguard.assessment.registry import (
    CheckContext,
    CheckDefinition,
    CheckResult,
    Status,
    check,
    registry,
)

__all__ = ["CheckContext", "CheckDefinition", "CheckResult", "Status", "check", "registry"]
