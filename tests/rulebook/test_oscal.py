"""OSCAL 1.1 exports load back and are schema-shaped."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from brokerguard.assessment.registry import Status
from brokerguard.assessment.results import AssessmentSnapshot, CheckOutcome, RequirementOutcome
from brokerguard.errors import UnknownRequirementError, ValidationError
from brokerguard.rulebook import load_rulebook
from brokerguard.rulebook.oscal import NS, assessment_results, catalog, dumps, iso
from tests.rulebook.oscal_shape import assessment_results_problems, catalog_problems

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def snapshot(**changes: Any) -> AssessmentSnapshot:
    checks = (
        CheckOutcome(
            check_id="auth.lockout_threshold",
            requirement_ids=("A9.7",),
            title_zh="密碼錯誤 5 次鎖定",
            title_en="Lock after 5 wrong passwords",
            status=Status.passed,
            reason_zh="門檻為 5 次",
            reason_en="Threshold is 5",
            evidence=("evidence:sha256:" + "ab" * 32,),
            started_at=T0,
            duration_ms=12,
        ),
        CheckOutcome(
            check_id="policies.a5_1",
            requirement_ids=("A5.1",),
            title_zh="社群媒體管理辦法",
            title_en="Social media policy",
            status=Status.failed,
            reason_zh="無核定之辦法",
            reason_en="No approved policy",
            evidence=(),
            started_at=T0 + timedelta(seconds=1),
            duration_ms=3,
        ),
    )
    requirements = {
        "A9.7": RequirementOutcome("A9.7", Status.passed, ("auth.lockout_threshold",), T0),
        "A5.1": RequirementOutcome("A5.1", Status.failed, ("policies.a5_1",), None),
        "A8.1": RequirementOutcome("A8.1", Status.manual, (), None),
    }
    values: dict[str, Any] = {
        "run_id": "run-0001",
        "started_at": T0,
        "finished_at": T0 + timedelta(seconds=2),
        "scope": "",
        "triggered_by": "tester",
        "checks": checks,
        "requirements": requirements,
    }
    values.update(changes)
    return AssessmentSnapshot(**values)


def test_catalog_round_trips_and_is_schema_shaped(tmp_path: Path) -> None:
    rulebook = load_rulebook()
    path = tmp_path / "catalog.json"
    path.write_text(dumps(catalog(rulebook, generated_at=T0)), encoding="utf-8")
    document = json.loads(path.read_text(encoding="utf-8"))
    problems, found = catalog_problems(document)
    assert problems == []
    assert sorted(found) == sorted(rulebook.requirements)
    groups = document["catalog"]["groups"]
    assert [g["id"] for g in groups] == [f"art-{n}" for n in range(1, 14)]
    assert document["catalog"]["metadata"]["last-modified"] == "2026-11-26T02:00:00Z"


def find_control(document: dict[str, Any], control_id: str) -> dict[str, Any]:
    stack: list[dict[str, Any]] = [
        c for g in document["catalog"]["groups"] for c in g.get("controls", [])
    ]
    while stack:
        control = stack.pop()
        if control["id"] == control_id:
            return control
        stack.extend(control.get("controls", []))
    raise KeyError(control_id)


def test_control_carries_both_languages_and_props() -> None:
    rulebook = load_rulebook()
    document = catalog(rulebook, generated_at=T0)
    control = find_control(document, "A9.7")
    statements = {p["id"]: p["prose"] for p in control["parts"]}
    assert statements["A9.7_smt"] == rulebook.get("A9.7").text_zh
    assert statements["A9.7_smt.en"] == rulebook.get("A9.7").text_en
    props = {(p["name"], p["value"]) for p in control["props"]}
    assert ("requirement-kind", "technical") in props
    assert ("review-frequency", "continuous") in props
    assert ("evidence-kind", "system_configuration") in props
    nested = find_control(document, "A6.3")
    assert [c["id"] for c in nested["controls"]] == ["A6.3.1", "A6.3.2", "A6.3.3"]


def test_catalog_uuid_is_stable_and_follows_content() -> None:
    rulebook = load_rulebook()
    first = catalog(rulebook, generated_at=T0)["catalog"]["uuid"]
    assert catalog(rulebook, generated_at=T0 + timedelta(days=1))["catalog"]["uuid"] == first
    changed = copy.deepcopy(rulebook)
    from dataclasses import replace

    changed.requirements["A9.7"] = replace(changed.requirements["A9.7"], text_en="changed")
    assert catalog(changed, generated_at=T0)["catalog"]["uuid"] != first


def test_shape_validator_catches_broken_catalogs() -> None:
    document = catalog(load_rulebook(), generated_at=T0)
    broken = copy.deepcopy(document)
    broken["catalog"]["uuid"] = "not-a-uuid"
    del broken["catalog"]["metadata"]["oscal-version"]
    broken["catalog"]["groups"][8]["controls"][0]["id"] = "9 bad"
    broken["catalog"]["groups"][0]["controls"][0]["props"].append({"name": "x"})
    broken["catalog"]["metadata"]["last-modified"] = "2026-11-26T02:00:00"
    problems, _ = catalog_problems(broken)
    text = "\n".join(problems)
    for words in (
        "not a UUID",
        "missing oscal-version",
        "not a token",
        "missing value",
        "time zone",
    ):
        assert words in text


def test_assessment_results_round_trip_and_shape(tmp_path: Path) -> None:
    rulebook = load_rulebook()
    path = tmp_path / "results.json"
    path.write_text(
        dumps(assessment_results(snapshot(), rulebook, generated_at=T0)), encoding="utf-8"
    )
    document = json.loads(path.read_text(encoding="utf-8"))
    assert assessment_results_problems(document) == []
    result = document["assessment-results"]["results"][0]
    findings = {f["target"]["target-id"]: f for f in result["findings"]}
    assert set(findings) == {"A5.1_smt", "A8.1_smt", "A9.7_smt"}
    assert findings["A9.7_smt"]["target"]["status"]["state"] == "satisfied"
    assert findings["A5.1_smt"]["target"]["status"] == {"state": "not-satisfied", "reason": "fail"}
    assert findings["A8.1_smt"]["target"]["status"]["state"] == "not-satisfied"
    assert "related-observations" not in findings["A8.1_smt"]
    evidence = result["observations"][0]["relevant-evidence"][0]["href"]
    assert evidence == "evidence:sha256:" + "ab" * 32
    selected = result["reviewed-controls"]["control-selections"][0]["include-controls"]
    assert [c["control-id"] for c in selected] == ["A5.1", "A8.1", "A9.7"]
    catalog_ids = set(rulebook.requirements)
    assert {c["control-id"] for c in selected} <= catalog_ids


def test_every_status_maps_to_an_oscal_state() -> None:
    rulebook = load_rulebook()
    requirements = {
        rid: RequirementOutcome(rid, status, ())
        for rid, status in zip(("A9.1", "A9.2", "A9.3", "A9.4", "A9.5"), Status, strict=True)
    }
    document = assessment_results(
        snapshot(checks=(), requirements=requirements), rulebook, generated_at=T0
    )
    assert assessment_results_problems(document) == []
    states = {
        f["props"][0]["value"]: f["target"]["status"]["state"]
        for f in document["assessment-results"]["results"][0]["findings"]
    }
    assert states == {
        "pass": "satisfied",
        "not_applicable": "satisfied",
        "fail": "not-satisfied",
        "error": "not-satisfied",
        "manual": "not-satisfied",
    }


def test_empty_run_selects_all_controls() -> None:
    document = assessment_results(
        snapshot(checks=(), requirements={}), load_rulebook(), generated_at=T0
    )
    assert assessment_results_problems(document) == []
    result = document["assessment-results"]["results"][0]
    assert result["reviewed-controls"]["control-selections"] == [{"include-all": {}}]
    assert "findings" not in result


def test_unknown_requirement_in_a_snapshot_is_named() -> None:
    bad = {"A99.1": RequirementOutcome("A99.1", Status.passed, ())}
    with pytest.raises(UnknownRequirementError) as info:
        assessment_results(snapshot(requirements=bad), load_rulebook(), generated_at=T0)
    assert info.value.requirement_id == "A99.1"
    outcome = snapshot().checks[0]
    from dataclasses import replace

    odd = replace(outcome, requirement_ids=("A9.7", "B1"))
    with pytest.raises(UnknownRequirementError, match="B1"):
        assessment_results(snapshot(checks=(odd,)), load_rulebook(), generated_at=T0)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError):
        iso(datetime(2026, 1, 1))
    taipei = timezone(timedelta(hours=8))
    assert iso(datetime(2026, 1, 1, 8, 0, tzinfo=taipei)) == "2026-01-01T00:00:00Z"


def test_shape_validator_catches_broken_results() -> None:
    document = assessment_results(snapshot(), load_rulebook(), generated_at=T0)
    broken = copy.deepcopy(document)
    ar = broken["assessment-results"]
    ar["import-ap"]["href"] = "#00000000-0000-4000-8000-000000000000"
    result = ar["results"][0]
    result["start"] = "yesterday"
    result["findings"][0]["target"]["status"]["state"] = "green"
    result["findings"][1]["related-observations"] = [{"observation-uuid": "nope"}]
    del result["observations"][0]["collected"]
    text = "\n".join(assessment_results_problems(broken))
    for words in (
        "points to no back-matter",
        "yesterday",
        "bad state",
        "related observation",
        "missing collected",
    ):
        assert words in text


def test_catalog_with_registry_lists_bound_checks() -> None:
    from brokerguard.assessment.registry import CheckDefinition, CheckRegistry, CheckResult

    rulebook = load_rulebook()
    registry = CheckRegistry()

    def probe(ctx: object) -> CheckResult:
        return CheckResult.manual("人工", "manual")

    registry.register(CheckDefinition("auth.lockout", ("A9.7",), "鎖定", "Lockout", probe))
    plain = catalog(rulebook, generated_at=T0)
    bound = catalog(rulebook, generated_at=T0, registry=registry)
    assert catalog_problems(bound)[0] == []
    props = find_control(bound, "A9.7")["props"]
    assert {"name": "check-id", "value": "auth.lockout", "ns": NS} in props
    assert not any(p["name"] == "check-id" for p in find_control(bound, "A9.8")["props"])
    assert not any(p["name"] == "check-id" for p in find_control(plain, "A9.7")["props"])
    assert bound["catalog"]["uuid"] != plain["catalog"]["uuid"]


def test_finding_description_carries_the_reasons() -> None:
    outcome = RequirementOutcome(
        "A8.1", Status.manual, (), None, reason_zh="請上傳偵測報告", reason_en="Upload a report"
    )
    document = assessment_results(
        snapshot(checks=(), requirements={"A8.1": outcome}), load_rulebook(), generated_at=T0
    )
    finding = document["assessment-results"]["results"][0]["findings"][0]
    assert finding["description"] == "待人工確認 / Manual\n\n請上傳偵測報告\n\nUpload a report"


def test_article_intro_is_a_group_overview() -> None:
    document = catalog(load_rulebook(), generated_at=T0)
    groups = {g["id"]: g for g in document["catalog"]["groups"]}
    parts = groups["art-5"]["parts"]
    assert [p["id"] for p in parts] == ["art-5_ovw", "art-5_ovw.en"]
    assert parts[0]["prose"].startswith("證券商應訂定社群媒體相關資訊安全規範")
    assert "parts" not in groups["art-9"]
