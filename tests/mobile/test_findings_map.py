from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from brokerguard.errors import ConfigurationError
from brokerguard.mobile.finding_map import MAP_FILE, load_finding_map, make_finding, parse_map

SOURCES = Path(__file__).resolve().parents[2] / "src" / "brokerguard" / "mobile"


def test_every_emitted_rule_is_mapped() -> None:
    emitted: set[str] = set()
    for module in ("heuristics.py", "analysis.py"):
        text = (SOURCES / module).read_text(encoding="utf-8")
        emitted.update(re.findall(r'make_finding\(\s*"([a-z0-9_]+)"', text))
    assert emitted, "no rules found: the pattern is stale"
    mapping = load_finding_map()
    assert emitted <= set(mapping.rules), emitted - set(mapping.rules)


def test_mapping_fields() -> None:
    mapping = load_finding_map()
    assert set(mapping.owasp_names) == {f"M{i}" for i in range(1, 11)}
    debuggable = mapping.get("debuggable")
    assert "M8" in debuggable.owasp and debuggable.masvs
    assert mapping.get("hardcoded_secret").mas_category == "sensitive_data"
    finding = make_finding("http_url", "http://x")
    assert finding.to_dict()["owasp"] == ["M5"]


def test_unknown_rule_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        make_finding("no_such_rule")


def _base() -> dict[str, object]:
    data = yaml.safe_load(MAP_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owasp", ["M11"]),
        ("owasp", []),
        ("masvs", ["MASVS-FOO-1"]),
        ("severity", "urgent"),
        ("mas_category", "nonsense"),
    ],
)
def test_malformed_mapping_is_refused(field: str, value: object) -> None:
    data = _base()
    rules = data["rules"]
    assert isinstance(rules, dict)
    rules["debuggable"][field] = value
    with pytest.raises(ConfigurationError):
        parse_map(data)


def test_non_mapping_refused() -> None:
    with pytest.raises(ConfigurationError):
        parse_map(["a"])
