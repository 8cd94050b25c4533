"""OSCAL 1.1 exports: the rulebook as a catalog, an assessment run as assessment-results.

Mapping (JSON format of OSCAL 1.1.2):

- one ``group`` per article (``id`` ``art-9``), its zh-TW and English titles;
- one ``control`` per requirement, nested as in the rulebook (A9.1.1 inside
  A9.1), ``id`` = the requirement ID (``A9.7`` is a valid OSCAL token);
- two ``statement`` parts per control: ``<id>_smt`` holds the binding zh-TW
  text, ``<id>_smt.en`` the English gloss; each carries a ``language`` prop;
- props in the brokerguard namespace: ``requirement-kind``,
  ``review-frequency``, one ``evidence-kind`` per kind, ``obligation``;
- assessment-results: one ``result`` per run, one ``observation`` per check
  outcome (with its evidence references as ``relevant-evidence``), one
  ``finding`` per requirement whose target is the control's zh-TW statement.

UUIDs are version 5, derived from the content, so the same rulebook (or the
same run) always exports the same document; timestamps are ISO 8601 with an
offset.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from brokerguard import __version__
from brokerguard.assessment.registry import CheckRegistry, Status
from brokerguard.assessment.results import AssessmentSnapshot, CheckOutcome, RequirementOutcome
from brokerguard.errors import ValidationError
from brokerguard.rulebook.model import Requirement, Rulebook

OSCAL_VERSION = "1.1.2"
NS = "https://brokerguard.dev/ns/oscal"
UUID_NAMESPACE = uuid.UUID("6f1b8f34-4a0c-5d8e-9a57-2f7f0b3c2a11")
CATALOG_TITLE = "新興科技資通安全自律規範 / Emerging Technology Cybersecurity Self-Regulatory Rules"
RULES_VERSION = "2026-03-04 (民國115年3月4日公告實施)"
SOURCE_TEXT_TITLE = "中華民國證券商業同業公會新興科技資通安全自律規範"
FSC_APPROVAL = "金融監督管理委員會115年2月25日金管證券字第1140368846號函准予備查"

JSONObject = dict[str, Any]


def stable_uuid(*parts: str) -> str:
    """A version-5 UUID of ``parts``: the same input always gives the same UUID."""
    return str(uuid.uuid5(UUID_NAMESPACE, "\x1f".join(parts)))


def iso(value: datetime) -> str:
    """ISO 8601 with an explicit offset (OSCAL ``date-time-with-timezone``)."""
    if value.tzinfo is None:
        raise ValidationError("timestamps must be timezone-aware", field="timestamp")
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _prop(name: str, value: str, *, ns: str | None = NS) -> JSONObject:
    prop: JSONObject = {"name": name, "value": value}
    if ns is not None:
        prop["ns"] = ns
    return prop


def _digest(rulebook: Rulebook, registry: CheckRegistry | None) -> str:
    payload: list[Any] = [
        [r.id, r.parent or "", r.kind.value, r.text_zh, r.text_en, list(r.evidence_kinds)]
        for r in rulebook
    ]
    payload.append(
        [
            [a.number, a.title_zh, a.title_en, a.intro_zh, a.intro_en]
            for a in rulebook.articles.values()
        ]
    )
    if registry is not None:
        payload.append([[c.id, list(c.requirement_ids)] for c in registry.all()])
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _control(
    requirement: Requirement, rulebook: Rulebook, registry: CheckRegistry | None
) -> JSONObject:
    title = requirement.title_zh or requirement.id
    if requirement.title_en:
        title = f"{title} / {requirement.title_en}"
    props = [
        _prop("label", requirement.id, ns=None),
        _prop("requirement-kind", requirement.kind.value),
        _prop("review-frequency", requirement.review_frequency.value),
        _prop("obligation", "true" if requirement.is_obligation else "false"),
        *(_prop("evidence-kind", kind) for kind in requirement.evidence_kinds),
    ]
    if registry is not None:
        props.extend(_prop("check-id", c.id) for c in registry.for_requirement(requirement.id))
    control: JSONObject = {
        "id": requirement.id,
        "class": requirement.kind.value,
        "title": title,
        "props": props,
        "parts": [
            {
                "id": f"{requirement.id}_smt",
                "name": "statement",
                "props": [_prop("language", "zh-TW")],
                "prose": requirement.text_zh,
            },
            {
                "id": f"{requirement.id}_smt.en",
                "name": "statement",
                "class": "translation",
                "props": [_prop("language", "en")],
                "prose": requirement.text_en,
            },
        ],
    }
    children = rulebook.children(requirement.id)
    if children:
        control["controls"] = [_control(child, rulebook, registry) for child in children]
    return control


def catalog(
    rulebook: Rulebook, *, generated_at: datetime, registry: CheckRegistry | None = None
) -> JSONObject:
    """The rulebook as an OSCAL 1.1 catalog (``{"catalog": {...}}``).

    With a check ``registry``, each control also lists the checks bound to it
    (``check-id`` props), so GRC tools get the requirement-to-check mapping.
    """
    digest = _digest(rulebook, registry)
    source_uuid = stable_uuid("source-text", digest)
    groups = []
    for number in sorted(rulebook.articles):
        article = rulebook.articles[number]
        top = [r for r in rulebook.in_article(number) if r.parent is None]
        group: JSONObject = {
            "id": f"art-{number}",
            "class": "article",
            "title": f"{article.label_zh} {article.title_zh} / "
            f"{article.label_en} – {article.title_en}",
            "props": [_prop("label", f"Art. {number}", ns=None)],
            "controls": [_control(r, rulebook, registry) for r in top],
        }
        if article.intro_zh:
            group["parts"] = [
                {
                    "id": f"art-{number}_ovw",
                    "name": "overview",
                    "props": [_prop("language", "zh-TW")],
                    "prose": article.intro_zh,
                },
                {
                    "id": f"art-{number}_ovw.en",
                    "name": "overview",
                    "class": "translation",
                    "props": [_prop("language", "en")],
                    "prose": article.intro_en,
                },
            ]
        groups.append(group)
    return {
        "catalog": {
            "uuid": stable_uuid("catalog", digest),
            "metadata": {
                "title": CATALOG_TITLE,
                "last-modified": iso(generated_at),
                "version": RULES_VERSION,
                "oscal-version": OSCAL_VERSION,
                "props": [
                    _prop("rulebook-digest", digest),
                    _prop("generator", f"brokerguard {__version__}"),
                ],
                "remarks": "The zh-TW statement is binding; the English statement is a "
                "working gloss. Checks bind to controls in the assessment results.",
            },
            "groups": groups,
            "back-matter": {
                "resources": [
                    {
                        "uuid": source_uuid,
                        "title": SOURCE_TEXT_TITLE,
                        "description": FSC_APPROVAL,
                        "citation": {"text": SOURCE_TEXT_TITLE + "（115年3月4日公告實施）"},
                    }
                ]
            },
        }
    }


_STATE = {
    Status.passed: ("satisfied", "pass"),
    Status.not_applicable: ("satisfied", "other"),
    Status.failed: ("not-satisfied", "fail"),
    Status.error: ("not-satisfied", "other"),
    Status.manual: ("not-satisfied", "other"),
}


def _observation(run_id: str, outcome: CheckOutcome) -> JSONObject:
    observation: JSONObject = {
        "uuid": stable_uuid("observation", run_id, outcome.check_id),
        "title": f"{outcome.title_zh} / {outcome.title_en}",
        "description": f"{outcome.reason_zh}\n\n{outcome.reason_en}",
        "props": [
            _prop("check-id", outcome.check_id),
            _prop("check-status", outcome.status.value),
            _prop("duration-ms", str(outcome.duration_ms)),
            *(_prop("requirement-id", rid) for rid in outcome.requirement_ids),
        ],
        "methods": ["TEST" if outcome.status is not Status.manual else "EXAMINE"],
        "types": ["control-objective"],
        "collected": iso(outcome.started_at),
    }
    if outcome.evidence:
        observation["relevant-evidence"] = [
            {"href": reference, "description": f"evidence: {reference}"}
            for reference in outcome.evidence
        ]
    return observation


def _finding_description(outcome: RequirementOutcome) -> str:
    text = f"{outcome.status.label_zh} / {outcome.status.label_en}"
    reasons = [r for r in (outcome.reason_zh, outcome.reason_en) if r]
    if reasons:
        text += "\n\n" + "\n\n".join(reasons)
    return text


def _finding(
    run_id: str,
    outcome: RequirementOutcome,
    requirement: Requirement,
    observation_uuids: dict[str, str],
) -> JSONObject:
    state, reason = _STATE[outcome.status]
    props = [_prop("requirement-status", outcome.status.value)]
    if outcome.last_passed_at is not None:
        props.append(_prop("last-passed-at", iso(outcome.last_passed_at)))
    finding: JSONObject = {
        "uuid": stable_uuid("finding", run_id, outcome.requirement_id),
        "title": f"{requirement.id} {requirement.title_zh} / {requirement.title_en}".strip(),
        "description": _finding_description(outcome),
        "props": props,
        "target": {
            "type": "statement-id",
            "target-id": f"{requirement.id}_smt",
            "status": {"state": state, "reason": reason},
        },
    }
    related = [
        {"observation-uuid": observation_uuids[check_id]}
        for check_id in outcome.check_ids
        if check_id in observation_uuids
    ]
    if related:
        finding["related-observations"] = related
    return finding


def _control_selection(ids: Iterable[str]) -> list[JSONObject]:
    chosen = [{"control-id": rid} for rid in ids]
    if not chosen:
        return [{"include-all": {}}]
    return [{"include-controls": chosen}]


def assessment_results(
    snapshot: AssessmentSnapshot, rulebook: Rulebook, *, generated_at: datetime
) -> JSONObject:
    """One assessment run as OSCAL 1.1 assessment-results.

    Raises :class:`~brokerguard.errors.UnknownRequirementError` naming a
    requirement ID of the snapshot that the rulebook does not hold.
    """
    for requirement_id in snapshot.requirements:
        rulebook.get(requirement_id)
    for check in snapshot.checks:
        for requirement_id in check.requirement_ids:
            rulebook.get(requirement_id)
    observations = [_observation(snapshot.run_id, c) for c in snapshot.checks]
    observation_uuids = {
        c.check_id: o["uuid"] for c, o in zip(snapshot.checks, observations, strict=True)
    }
    assessed = [r.id for r in rulebook if r.id in snapshot.requirements]
    findings = [
        _finding(
            snapshot.run_id,
            snapshot.requirements[rid],
            rulebook.get(rid),
            observation_uuids,
        )
        for rid in assessed
    ]
    counts = snapshot.counts()
    plan_uuid = stable_uuid("assessment-plan", snapshot.scope)
    result: JSONObject = {
        "uuid": stable_uuid("result", snapshot.run_id),
        "title": f"brokerguard 自評 / self-assessment {snapshot.run_id}",
        "description": (
            f"範圍 scope: {snapshot.scope or 'all'}; 觸發 triggered by: {snapshot.triggered_by}; "
            + ", ".join(f"{status.value}={counts[status]}" for status in Status)
        ),
        "start": iso(snapshot.started_at),
        "end": iso(snapshot.finished_at),
        "props": [
            _prop("run-id", snapshot.run_id),
            _prop("scope", snapshot.scope or "all"),
            *(
                _prop(f"count-{status.value.replace('_', '-')}", str(counts[status]))
                for status in Status
            ),
        ],
        "reviewed-controls": {"control-selections": _control_selection(assessed)},
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    return {
        "assessment-results": {
            "uuid": stable_uuid("assessment-results", snapshot.run_id, iso(generated_at)),
            "metadata": {
                "title": f"brokerguard 自評結果 / assessment results {snapshot.run_id}",
                "last-modified": iso(generated_at),
                "version": snapshot.run_id,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("generator", f"brokerguard {__version__}")],
            },
            "import-ap": {"href": f"#{plan_uuid}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan_uuid,
                        "title": "brokerguard automated and manual checks",
                        "description": "The checks registered with @check in brokerguard, "
                        "run against the rulebook catalog.",
                    }
                ]
            },
        }
    }


def dumps(document: JSONObject) -> str:
    """Pretty JSON, UTF-8 characters kept (zh-TW prose stays readable)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
