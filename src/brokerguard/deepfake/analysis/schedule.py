"""The challenge schedule a session drew: what the customer was asked to do, and when.

Times are seconds from the start of the recording. The analyser judges each challenge
only inside its own window, so a recording made to an old or guessed schedule fails.
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from brokerguard.errors import ValidationError

KINDS = ("turn_left", "turn_right", "blink_twice")
MAX_CHALLENGES = 20
MAX_AT_S = 3600.0
MIN_WINDOW_S, MAX_WINDOW_S = 0.5, 30.0

PROMPTS = {
    "turn_left": ("請將頭轉向您的左方，再轉回正面", "Turn your head to your left, then back"),
    "turn_right": ("請將頭轉向您的右方，再轉回正面", "Turn your head to your right, then back"),
    "blink_twice": ("請眨眼兩次", "Blink twice"),
}


@dataclass(frozen=True)
class ScheduledChallenge:
    kind: str
    at: float
    window: float

    @property
    def end(self) -> float:
        return self.at + self.window

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at, "window": self.window}


def _number(item: dict[str, Any], key: str, index: int, low: float, high: float) -> float:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"challenge {index}: {key} must be a number", field=key)
    if not low <= float(value) <= high:
        raise ValidationError(
            f"challenge {index}: {key} must lie between {low} and {high}", field=key
        )
    return float(value)


def parse_schedule(data: object) -> list[ScheduledChallenge]:
    """Validate a JSON list ``[{"kind", "at", "window"}]``; challenges may not overlap."""
    if not isinstance(data, list):
        raise ValidationError("the challenge schedule must be a JSON list", field="challenges")
    if not data:
        raise ValidationError("the challenge schedule is empty", field="challenges")
    if len(data) > MAX_CHALLENGES:
        raise ValidationError(f"at most {MAX_CHALLENGES} challenges", field="challenges")
    schedule: list[ScheduledChallenge] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise ValidationError(f"challenge {index} must be an object", field="challenges")
        unknown = set(item) - {"kind", "at", "window"}
        if unknown:
            raise ValidationError(
                f"challenge {index}: unknown field {sorted(unknown)[0]!r}", field="challenges"
            )
        kind = item.get("kind")
        if kind not in KINDS:
            raise ValidationError(
                f"challenge {index}: kind must be one of {', '.join(KINDS)}", field="kind"
            )
        at = _number(item, "at", index, 0.0, MAX_AT_S)
        window = _number(item, "window", index, MIN_WINDOW_S, MAX_WINDOW_S)
        schedule.append(ScheduledChallenge(str(kind), at, window))
    ordered = sorted(schedule, key=lambda c: c.at)
    for before, after in itertools.pairwise(ordered):
        if after.at < before.end:
            raise ValidationError(
                f"challenges overlap: {before.kind} at {before.at:g}s and "
                f"{after.kind} at {after.at:g}s",
                field="challenges",
            )
    return schedule


def load_schedule(text: str) -> list[ScheduledChallenge]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"the challenge schedule is not JSON: {error.msg} (line {error.lineno})",
            field="challenges",
        ) from None
    return parse_schedule(data)


def draw_schedule(
    *, lead_in_s: float = 3.0, window_s: float = 4.0, gap_s: float = 2.0
) -> list[ScheduledChallenge]:
    """Server-random order and timing (``secrets``): one turn each way and a double blink."""
    rng = secrets.SystemRandom()
    kinds = list(KINDS)
    rng.shuffle(kinds)
    schedule = []
    at = lead_in_s
    for kind in kinds:
        at += rng.randint(0, 20) / 10  # 0-2 s of jitter so the times cannot be guessed
        schedule.append(ScheduledChallenge(kind, round(at, 1), window_s))
        at += window_s + gap_s
    return schedule


def schedule_json(schedule: Sequence[ScheduledChallenge]) -> str:
    return json.dumps([c.to_dict() for c in schedule])
