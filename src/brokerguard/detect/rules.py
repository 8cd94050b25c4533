"""Detection rules as YAML data (Sigma-style), validated and compiled to matchers.

A rule file holds one rule::

    id: login.brute_force            # stable ID, used in alerts
    title_zh: 單一帳號密碼暴力破解
    title_en: Brute force on one account
    severity: high                   # low / medium / high / critical
    kind: threshold                  # threshold / new_value / time_of_day
    selection:                       # every field must match (AND)
      function: etrade.login.password
      outcome: failure
      attributes.reason: [invalid_credentials, locked]    # a list is any-of
    any_of:                          # optional: at least one of these maps matches
      - attributes.account_known: 0
      - account|in_list: never_login # a named list from the settings
    group_by: [account]
    window: 10m                      # s, m, h, d
    threshold: 10                    # alert when the count reaches this
    distinct: account                # optional: count distinct values, not events
    value: attributes.device_id      # new_value: alert on a value unseen for the group
    hours: [1, 5]                    # time_of_day: local (Asia/Taipei) hours [start, end)

Field names: ``account``, ``function``, ``system``, ``outcome``, ``source_ip``,
``user_agent``, ``attributes.<name>``. Modifiers: ``|in_list``, ``|startswith``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from brokerguard.errors import ValidationError

FIELDS = ("account", "function", "system", "outcome", "source_ip", "user_agent")
WINDOW = re.compile(r"^(\d{1,6})([smhd])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_RULE_BYTES = 64 * 1024


@dataclass(slots=True)
class LoginEvent:
    seq: int
    ts: float  # POSIX seconds
    account: str
    function: str
    system: str
    outcome: str | None
    source_ip: str | None
    user_agent: str | None
    attributes: Mapping[str, str | int]


Getter = Callable[[LoginEvent], Any]
Matcher = Callable[[LoginEvent], bool]


def getter(name: str) -> Getter:
    if name.startswith("attributes."):
        key = name.removeprefix("attributes.")
        return lambda e: e.attributes.get(key)
    if name in FIELDS:
        return attrgetter(name)
    raise ValueError(f"unknown field {name!r}; use {', '.join(FIELDS)} or attributes.<name>")


def _field_ok(name: str) -> None:
    base = name.split("|", 1)[0]
    getter(base)
    if "|" in name and name.split("|", 1)[1] not in ("in_list", "startswith"):
        raise ValueError(f"unknown modifier in {name!r}; use |in_list or |startswith")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_.-]{3,128}$")
    title_zh: str = Field(min_length=1, max_length=256)
    title_en: str = Field(min_length=1, max_length=256)
    severity: Literal["low", "medium", "high", "critical"]
    kind: Literal["threshold", "new_value", "time_of_day"] = "threshold"
    description: str = ""
    selection: dict[str, Any] = Field(default_factory=dict)
    any_of: list[dict[str, Any]] = Field(default_factory=list)
    group_by: list[str] = Field(default_factory=list, max_length=4)
    window: str = "1h"
    threshold: int = Field(default=1, ge=1, le=1_000_000)
    distinct: str | None = None
    value: str | None = None
    hours: tuple[int, int] | None = None

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        match = WINDOW.match(value)
        if match is None or int(match.group(1)) == 0:
            raise ValueError("window is a number and a unit: 30s, 10m, 1h, 1d")
        if int(match.group(1)) * UNITS[match.group(2)] > 31 * 86400:
            raise ValueError("window is at most 31 days")
        return value

    @model_validator(mode="after")
    def _fields(self) -> Rule:
        for mapping in [self.selection, *self.any_of]:
            for name, expected in mapping.items():
                _field_ok(name)
                if isinstance(expected, list):
                    if not expected or any(not isinstance(v, str | int) for v in expected):
                        raise ValueError(f"{name}: a list of strings or integers")
                elif isinstance(expected, bool) or not isinstance(expected, str | int):
                    raise ValueError(f"{name}: expected a string, integer or list")
        for name in [*self.group_by, *(x for x in (self.distinct, self.value) if x)]:
            getter(name)
        if self.kind == "new_value" and (self.value is None or not self.group_by):
            raise ValueError("a new_value rule needs value and group_by")
        if self.kind == "time_of_day":
            if self.hours is None:
                raise ValueError("a time_of_day rule needs hours: [start, end]")
            start, end = self.hours
            if not (0 <= start <= 23 and 0 <= end <= 24 and start != end):
                raise ValueError("hours are [start, end] with 0 <= start <= 23, end <= 24")
        return self

    @property
    def window_s(self) -> int:
        match = WINDOW.match(self.window)
        assert match is not None
        return int(match.group(1)) * UNITS[match.group(2)]


def _compile_map(mapping: Mapping[str, Any], lists: Mapping[str, Sequence[str]]) -> Matcher:
    tests: list[Matcher] = []
    for name, expected in mapping.items():
        base, _, modifier = name.partition("|")
        get = getter(base)
        if modifier == "in_list":
            members = frozenset(
                str(m) for key in _as_list(expected) for m in lists.get(str(key), ())
            )
            tests.append(lambda e, g=get, m=members: g(e) in m)  # type: ignore[misc]
        elif modifier == "startswith":
            prefixes = tuple(str(p) for p in _as_list(expected))
            tests.append(
                lambda e, g=get, p=prefixes: isinstance(v := g(e), str) and v.startswith(p)  # type: ignore[misc]
            )
        elif isinstance(expected, list):
            options = frozenset(expected)
            tests.append(lambda e, g=get, o=options: g(e) in o)  # type: ignore[misc]
        else:
            tests.append(lambda e, g=get, x=expected: g(e) == x)  # type: ignore[misc]
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda e: first(e) and second(e)
    if len(tests) == 3:
        one, two, three = tests
        return lambda e: one(e) and two(e) and three(e)

    def every(e: LoginEvent) -> bool:
        for test in tests:  # noqa: SIM110 (a plain loop is faster than all() here)
            if not test(e):
                return False
        return True

    return every


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def compile_rule(rule: Rule, lists: Mapping[str, Sequence[str]]) -> Matcher:
    base = _compile_map(rule.selection, lists) if rule.selection else None
    alternatives = [_compile_map(m, lists) for m in rule.any_of]
    if base is not None and not alternatives:
        return base
    if base is None and alternatives:
        return lambda e: any(a(e) for a in alternatives)
    if base is None:
        return lambda e: True
    return lambda e: base(e) and any(a(e) for a in alternatives)


def functions_of(rule: Rule) -> frozenset[str] | None:
    """The ``function`` values a rule can match, or None when it may match any."""
    expected = rule.selection.get("function")
    if expected is None:
        return None
    return frozenset(str(v) for v in _as_list(expected))


def parse_rule(text: str, source: str = "<rule>") -> Rule:
    if len(text.encode("utf-8")) > MAX_RULE_BYTES:
        raise ValidationError(f"{source}: rule file over {MAX_RULE_BYTES} bytes", field="rule")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ValidationError(f"{source}:{where} not YAML", field="rule") from None
    if not isinstance(data, dict):
        raise ValidationError(f"{source}: a rule is a YAML mapping", field="rule")
    try:
        return Rule.model_validate(data)
    except PydanticValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "rule"
        raise ValidationError(f"{source}: {where}: {first.get('msg')}", field=where) from None


def load_rules(directory: Path | None = None) -> list[Rule]:
    """The packaged rules, or every ``*.yaml`` in ``directory``; IDs must be unique."""
    if directory is None:
        files = [
            (item.name, item.read_text(encoding="utf-8"))
            for item in resources.files("brokerguard.detect").joinpath("rules").iterdir()
            if item.name.endswith(".yaml")
        ]
    else:
        files = [(p.name, p.read_text(encoding="utf-8")) for p in directory.glob("*.yaml")]
    rules = [parse_rule(text, name) for name, text in sorted(files)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ValidationError(f"rule ID {rule.id!r} appears twice", field="id")
        seen.add(rule.id)
    return rules
