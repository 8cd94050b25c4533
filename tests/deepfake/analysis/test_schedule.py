from __future__ import annotations

import pytest

from brokerguard.deepfake.analysis.schedule import (
    KINDS,
    draw_schedule,
    load_schedule,
    parse_schedule,
    schedule_json,
)
from brokerguard.errors import ValidationError


def test_a_valid_schedule_round_trips() -> None:
    text = (
        '[{"kind": "turn_left", "at": 2, "window": 3}, '
        '{"kind": "blink_twice", "at": 6.5, "window": 2}]'
    )
    schedule = load_schedule(text)
    assert [(c.kind, c.at, c.window) for c in schedule] == [
        ("turn_left", 2.0, 3.0),
        ("blink_twice", 6.5, 2.0),
    ]
    assert load_schedule(schedule_json(schedule)) == schedule


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "not JSON"),
        ('{"kind": "turn_left"}', "JSON list"),
        ("[]", "empty"),
        ('["turn_left"]', "must be an object"),
        ('[{"kind": "smile", "at": 1, "window": 2}]', "kind must be one of"),
        ('[{"kind": "turn_left", "at": "1", "window": 2}]', "at must be a number"),
        ('[{"kind": "turn_left", "at": true, "window": 2}]', "at must be a number"),
        ('[{"kind": "turn_left", "at": -1, "window": 2}]', "between"),
        ('[{"kind": "turn_left", "at": 1, "window": 0}]', "between"),
        ('[{"kind": "turn_left", "at": 1, "window": 1e9}]', "between"),
        ('[{"kind": "turn_left", "at": 1, "window": 2, "x": 1}]', "unknown field"),
        (
            '[{"kind": "turn_left", "at": 1, "window": 3}, {"kind": "blink_twice", "at": 2, '
            '"window": 2}]',
            "overlap",
        ),
        ("[" + ",".join(['{"kind": "turn_left", "at": 1, "window": 1}'] * 21) + "]", "at most"),
    ],
)
def test_bad_schedules_name_the_problem(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        load_schedule(text)


def test_drawn_schedules_are_random_and_valid() -> None:
    drawn = [draw_schedule() for _ in range(8)]
    for schedule in drawn:
        assert sorted(c.kind for c in schedule) == sorted(KINDS)
        assert parse_schedule([c.to_dict() for c in schedule]) == schedule
    assert len({tuple((c.kind, c.at) for c in s) for s in drawn}) > 1
