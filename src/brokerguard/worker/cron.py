"""Cron schedules, read in Asia/Taipei.

Five fields, ``minute hour day-of-month month day-of-week``, each ``*``, a number,
a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of those. Day of week
0-7 (0 and 7 are Sunday). As in cron, when both day fields are restricted a day
matching either one matches. The times a schedule fires are minute boundaries
in Asia/Taipei, returned as UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from brokerguard.clock import TAIPEI
from brokerguard.errors import ValidationError

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
#: how far back or forward a fire time is looked for (a yearly 29 February is not)
HORIZON = timedelta(days=400)


def _values(text: str, name: str, low: int, high: int, field: str) -> frozenset[int]:
    chosen: set[int] = set()
    for piece in text.split(","):
        base, slash, step_text = piece.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValidationError(
                    f"{field}: {name}: step {step_text!r} must be a positive number", field=field
                )
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            if not (first.isdigit() and last.isdigit()):
                raise ValidationError(f"{field}: {name}: {piece!r} is not a range a-b", field=field)
            start, end = int(first), int(last)
        elif base.isdigit():
            start = end = int(base)
            if slash:
                end = high
        else:
            raise ValidationError(
                f"{field}: {name}: {piece!r} is not *, a number, a range or a step", field=field
            )
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ValidationError(
                f"{field}: {name}: {piece!r} is outside {low}-{high} or reversed", field=field
            )
        chosen.update(range(start, end + 1, step))
    return frozenset(chosen)


@dataclass(frozen=True)
class Schedule:
    """A parsed cron expression (see the module's docstring)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    def matches(self, when: datetime) -> bool:
        """Whether the schedule fires in the minute of ``when`` (aware; read in Taipei)."""
        local = when.astimezone(TAIPEI)
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.month in self.months
            and self._day_matches(local)
        )

    def _day_matches(self, local: datetime) -> bool:
        by_day = local.day in self.days
        by_weekday = local.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday

    def previous(self, now: datetime) -> datetime | None:
        """The latest fire time at or before ``now`` (UTC, on a minute), within
        :data:`HORIZON`."""
        return self._search(_minute(now), -1)

    def next(self, now: datetime) -> datetime | None:
        """The first fire time after ``now`` (UTC, on a minute), within :data:`HORIZON`."""
        return self._search(_minute(now) + timedelta(minutes=1), 1)

    def _search(self, start: datetime, direction: int) -> datetime | None:
        local = start.astimezone(TAIPEI)
        limit = local + direction * HORIZON
        while (local <= limit) if direction > 0 else (local >= limit):
            if not (local.month in self.months and self._day_matches(local)):
                local = _day_edge(local, direction)
                continue
            if local.hour not in self.hours:
                local = _hour_edge(local, direction)
                continue
            if local.minute in self.minutes:
                return local.astimezone(UTC)
            local += timedelta(minutes=direction)
        return None


def _minute(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("a schedule needs a timezone-aware time")
    return when.astimezone(UTC).replace(second=0, microsecond=0)


def _day_edge(local: datetime, direction: int) -> datetime:
    """The first minute of the next day, or the last minute of the previous one."""
    midnight = local.replace(hour=0, minute=0)
    return midnight + timedelta(days=1) if direction > 0 else midnight - timedelta(minutes=1)


def _hour_edge(local: datetime, direction: int) -> datetime:
    top = local.replace(minute=0)
    return top + timedelta(hours=1) if direction > 0 else top - timedelta(minutes=1)


def parse_cron(expression: str, field: str = "schedule") -> Schedule:
    """Parse ``expression``; a bad one raises :class:`ValidationError` naming ``field``
    and the part that is wrong."""
    parts = expression.split()
    if len(parts) != len(_FIELDS):
        raise ValidationError(
            f"{field}: a cron schedule has 5 fields (minute hour day month weekday), "
            f"got {len(parts)} in {expression[:80]!r}",
            field=field,
        )
    sets = [
        _values(text, name, low, high, field)
        for text, (name, low, high) in zip(parts, _FIELDS, strict=True)
    ]
    return Schedule(
        expression=" ".join(parts),
        minutes=sets[0],
        hours=sets[1],
        days=sets[2],
        months=sets[3],
        weekdays=frozenset(d % 7 for d in sets[4]),
        any_day=parts[2] == "*",
        any_weekday=parts[4] == "*",
    )
