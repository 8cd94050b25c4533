"""The finding mapping (OWASP Mobile Top 10 2024, MASVS v2, MAS baseline) loaded from YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from brokerguard.errors import ConfigurationError

MAP_FILE = Path(__file__).with_name("data") / "finding_map.yaml"
SEVERITIES = ("low", "medium", "high", "critical")
MASVS_RE = re.compile(r"^MASVS-(STORAGE|CRYPTO|AUTH|NETWORK|PLATFORM|CODE|RESILIENCE|PRIVACY)-\d$")


@dataclass(frozen=True)
class RuleMapping:
    rule: str
    severity: str
    title_zh: str
    title_en: str
    owasp: tuple[str, ...]
    masvs: tuple[str, ...]
    mas_category: str | None
    requirement: str


@dataclass(frozen=True)
class FindingMap:
    rules: dict[str, RuleMapping]
    owasp_names: dict[str, dict[str, str]]
    mas_categories: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, rule: str) -> RuleMapping:
        mapping = self.rules.get(rule)
        if mapping is None:
            raise ConfigurationError(f"finding rule {rule!r} is not in {MAP_FILE.name}")
        return mapping


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{MAP_FILE.name}: {where} must be a list of strings")
    return tuple(value)


def parse_map(data: Any) -> FindingMap:
    if not isinstance(data, dict):
        raise ConfigurationError(f"{MAP_FILE.name}: top level must be a mapping")
    owasp = data.get("owasp_top10_2024") or {}
    categories = data.get("mas_categories") or {}
    rules: dict[str, RuleMapping] = {}
    for rule, body in (data.get("rules") or {}).items():
        where = f"rules.{rule}"
        if not isinstance(body, dict):
            raise ConfigurationError(f"{MAP_FILE.name}: {where} must be a mapping")
        severity = body.get("severity")
        if severity not in SEVERITIES:
            raise ConfigurationError(
                f"{MAP_FILE.name}: {where}.severity must be one of {SEVERITIES}"
            )
        top10 = _strings(body.get("owasp"), f"{where}.owasp")
        unknown = [m for m in top10 if m not in owasp]
        if not top10 or unknown:
            raise ConfigurationError(f"{MAP_FILE.name}: {where}.owasp names unknown {unknown}")
        masvs = _strings(body.get("masvs"), f"{where}.masvs")
        if not masvs or not all(MASVS_RE.match(m) for m in masvs):
            raise ConfigurationError(f"{MAP_FILE.name}: {where}.masvs has a bad control ID")
        category = body.get("mas_category")
        if category is not None and category not in categories:
            raise ConfigurationError(f"{MAP_FILE.name}: {where}.mas_category {category!r} unknown")
        rules[str(rule)] = RuleMapping(
            rule=str(rule),
            severity=str(severity),
            title_zh=str(body.get("title_zh", "")),
            title_en=str(body.get("title_en", "")),
            owasp=top10,
            masvs=masvs,
            mas_category=category,
            requirement=str(body.get("requirement", "A6.3")),
        )
    return FindingMap(rules, dict(owasp), dict(categories))


@lru_cache(maxsize=1)
def load_finding_map() -> FindingMap:
    return parse_map(yaml.safe_load(MAP_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class AnalysisFinding:
    """One finding of an artifact analysis with its mapping."""

    rule: str
    severity: str
    title_zh: str
    title_en: str
    detail: str
    owasp: tuple[str, ...]
    masvs: tuple[str, ...]
    mas_category: str | None
    requirement: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "detail": self.detail,
            "owasp": list(self.owasp),
            "masvs": list(self.masvs),
            "mas_category": self.mas_category,
            "requirement": self.requirement,
        }


def make_finding(rule: str, detail: str = "") -> AnalysisFinding:
    mapping = load_finding_map().get(rule)
    return AnalysisFinding(
        rule=rule,
        severity=mapping.severity,
        title_zh=mapping.title_zh,
        title_en=mapping.title_en,
        detail=detail,
        owasp=mapping.owasp,
        masvs=mapping.masvs,
        mas_category=mapping.mas_category,
        requirement=mapping.requirement,
    )
