"""Months of the audit trail (``YYYY-MM`` of ``recorded_at``, UTC) and their retention end."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from brokerguard.errors import ValidationError

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(value: str, field: str = "period") -> tuple[int, int]:
    match = PERIOD.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(f"{field} must be YYYY-MM, got {value!r}", field=field)
    return int(match.group(1)), int(match.group(2))


def period_end(period: str) -> datetime:
    year, month = parse_period(period)
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def retention_cutoff(period: str, years: int) -> datetime:
    """The first moment at which ``period`` may be purged."""
    end = period_end(period)
    return end.replace(year=end.year + years)
