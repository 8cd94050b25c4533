"""Cron schedules read in Asia/Taipei, and their errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brokerguard.errors import ValidationError
from brokerguard.worker.cron import parse_cron


def test_a_nightly_schedule_fires_at_taipei_time() -> None:
    nightly = parse_cron("30 2 * * *")
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 20:00 in Taipei
    assert nightly.next(now) == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)  # 02:30 +08:00
    assert nightly.previous(now) == datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
    assert nightly.matches(datetime(2026, 12, 2, 18, 30, 59, tzinfo=UTC))
    assert not nightly.matches(datetime(2026, 12, 2, 2, 30, tzinfo=UTC))


def test_every_minute_previous_is_this_minute() -> None:
    every = parse_cron("* * * * *")
    now = datetime(2026, 12, 3, 12, 0, 42, tzinfo=UTC)
    assert every.previous(now) == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert every.next(now) == datetime(2026, 12, 3, 12, 1, tzinfo=UTC)


def test_weekly_on_monday_and_steps() -> None:
    weekly = parse_cron("0 9 * * 1")
    # Thursday 2026-12-03; the next Monday 09:00 Taipei is 2026-12-07 01:00 UTC
    assert weekly.next(datetime(2026, 12, 3, 0, 0, tzinfo=UTC)) == datetime(
        2026, 12, 7, 1, 0, tzinfo=UTC
    )
    quarter = parse_cron("*/15 8-9 * * *")
    assert sorted(quarter.minutes) == [0, 15, 30, 45]
    assert sorted(quarter.hours) == [8, 9]
    assert parse_cron("0 0 * * 7").weekdays == frozenset({0})  # 7 is Sunday


def test_day_of_month_or_day_of_week_as_in_cron() -> None:
    either = parse_cron("0 0 1 * 1")  # the 1st, or any Monday
    assert either.matches(datetime(2026, 12, 6, 16, 0, tzinfo=UTC))  # Mon 7 Dec, 00:00 Taipei
    assert either.matches(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # Tue 1 Dec
    assert not either.matches(datetime(2026, 12, 1, 16, 0, tzinfo=UTC))  # Wed 2 Dec


def test_a_schedule_that_never_fires_within_the_horizon() -> None:
    never = parse_cron("0 0 31 2 *")
    assert never.next(datetime(2026, 12, 3, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("* * * *", "5 fields"),
        ("61 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"),
        ("* * * * 8", "day of week"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "reversed"),
        ("a * * * *", "minute"),
        ("", "5 fields"),
    ],
)
def test_bad_expressions_name_the_field_and_the_part(expression: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_cron(expression, field="worker.schedules.audit.seal")
    assert caught.value.field == "worker.schedules.audit.seal"
    assert words in caught.value.message
