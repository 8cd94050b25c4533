"""Meta-test (issue 12): every registered check has a test that drives it to ``fail``.

A pass is only worth something if the check can fail. For each check in the registry
this test looks, in the test sources, for a test function that both calls the check
(its function's name, its factory's name, or its ID) and expects ``Status.failed``.
Where enforcement makes the failing state impossible (a floor the settings or the
database refuse to go below), :data:`ENFORCED` names the test that proves the
enforcement instead; that test must exist and exercise the refusal.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from brokerguard.assessment.registry import CheckDefinition, load_all_checks

TESTS = Path(__file__).resolve().parents[1]

#: check ID -> (test file relative to tests/, test function) proving the enforcement
ENFORCED: dict[str, tuple[str, str]] = {
    # AuthSettings refuses a lock threshold above 5 and a minimum length below 6 (A9.7)
    "auth.lockout_threshold": ("auth/test_login_flow.py", "test_policy_floor_cannot_be_lowered"),
}


@dataclass
class ScannedTest:
    path: Path
    name: str
    names: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    expects_failed: bool = False
    expects_raise: bool = False


def _scan(path: Path) -> list[ScannedTest]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not node.name.startswith("test"):
            continue
        item = ScannedTest(path, node.name)
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                item.names.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                item.names.add(inner.attr)
                if (
                    inner.attr == "failed"
                    and isinstance(inner.value, ast.Name)
                    and inner.value.id == "Status"
                ):
                    item.expects_failed = True
                if inner.attr == "raises":
                    item.expects_raise = True
            elif isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                item.strings.add(inner.value)
                if inner.value == "fail":
                    item.expects_failed = True
        found.append(item)
    return found


@pytest.fixture(scope="module")
def test_functions() -> list[ScannedTest]:
    return [f for path in sorted(TESTS.rglob("test_*.py")) for f in _scan(path)]


def _handles(definition: CheckDefinition) -> set[str]:
    """Names a test uses to reach the check: its function, the factory that made it."""
    function = definition.function
    qualname = getattr(function, "__qualname__", function.__name__)
    handles = {function.__name__}
    if "<locals>" in qualname:
        handles = {qualname.split(".<locals>")[0]}
    return handles


def _drives_to_fail(definition: CheckDefinition, tests: list[ScannedTest]) -> bool:
    handles = _handles(definition)
    return any(
        t.expects_failed and (handles & t.names or definition.id in t.strings) for t in tests
    )


def test_every_check_has_a_test_driving_it_to_fail(test_functions: list[ScannedTest]) -> None:
    registry = load_all_checks()
    assert len(registry) > 50  # the registry really was loaded
    missing = [
        d.id
        for d in registry.all()
        if d.id not in ENFORCED and not _drives_to_fail(d, test_functions)
    ]
    assert missing == [], (
        "checks without a test that drives them to fail (add one, or for an enforced "
        f"floor a test of the enforcement in ENFORCED): {missing}"
    )


def test_enforced_floors_name_a_real_enforcement_test(
    test_functions: list[ScannedTest],
) -> None:
    registry = load_all_checks()
    for check_id, (relative, name) in ENFORCED.items():
        assert registry.get(check_id) is not None, f"{check_id} is not a registered check"
        matches = [t for t in test_functions if t.path == TESTS / relative and t.name == name]
        assert matches, f"{check_id}: no test {relative}::{name}"
        assert matches[0].expects_raise or matches[0].expects_failed, (
            f"{check_id}: {relative}::{name} does not test a refusal"
        )


def lonely() -> None:
    """Stands for a check function in :func:`test_the_meta_test_can_fail`."""


def test_the_meta_test_can_fail(tmp_path: Path) -> None:
    """A check whose only test expects a pass is reported as missing."""
    source = tmp_path / "test_fake.py"
    source.write_text(
        "def test_x():\n    assert checks.lonely(ctx).status is Status.passed\n",
        encoding="utf-8",
    )

    definition = CheckDefinition("fake.lonely", ("A9.9",), "", "", lonely)  # type: ignore[arg-type]
    assert not _drives_to_fail(definition, _scan(source))
    source.write_text(
        "def test_x():\n    assert checks.lonely(ctx).status is Status.failed\n",
        encoding="utf-8",
    )
    assert _drives_to_fail(definition, _scan(source))
