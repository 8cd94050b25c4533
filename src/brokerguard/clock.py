"""Time: services take a :class:`Clock` so tests can inject one. Stored times are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")


class Clock(Protocol):
    def now(self) -> datetime:
        """A timezone-aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, demo back-filling)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)


def to_taipei(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TAIPEI)


def roc_date(value: date) -> str:
    """民國 date, e.g. 2026-03-04 -> '115/03/04'."""
    return f"{value.year - 1911:03d}/{value.month:02d}/{value.day:02d}"


def parse_date(text: str) -> date:
    """Parse an ISO date (2026-03-04) or an ROC date (115/03/04, 115-03-04, 115.3.4).

    Raises ValueError naming the text when it is neither.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty date")
    for sep in ("/", "-", "."):
        parts = raw.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            year, month, day = (int(p) for p in parts)
            if len(parts[0]) <= 3:  # ROC year
                year += 1911
            try:
                return date(year, month, day)
            except ValueError as exc:
                raise ValueError(f"not a valid date: {text!r} ({exc})") from None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a date (want YYYY-MM-DD or ROC 115/03/04): {text!r}") from None


def as_utc(value: datetime) -> datetime:
    """Normalise to aware UTC; naive datetimes are taken as UTC (as SQLite returns them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def days_ago(clock: Clock, days: int) -> datetime:
    return clock.now() - timedelta(days=days)


def today(clock: Clock) -> date:
    """The firm's calendar day (Asia/Taipei) on ``clock``."""
    return to_taipei(clock.now()).date()
