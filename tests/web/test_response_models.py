"""Issue 20 item 4: every JSON success body has a declared shape, not a free-form object.

The schemathesis run (``test_api_fuzz.py``) checks each answer against these shapes, so a
free-form object would let any body pass. The walk follows every ``$ref``, property,
list item and union member of each operation's 2xx ``application/json`` schema; an object
without declared properties (or a typed ``additionalProperties``) and an empty schema are
free-form. Only :data:`FREE_FORM` may be, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from brokerguard.config import Settings
from brokerguard.web.app import create_app

#: where a free-form object is the truth, and why (component.property)
FREE_FORM = {
    "AuditRecordOut.attributes": "the source system's own event attributes, as it sent them",
    "AuditSearchOut.events": "format=ocsf: OCSF 1.x events, whose schema is OCSF's",
    "IpaReportOut.entitlements": "an iOS app's entitlements: Apple's property list, as signed",
    "GateRuleOut.details": "each release-gate rule's own facts (permissions added, versions)",
    "OscalCatalogOut.catalog": "an OSCAL 1.1 catalog: NIST's schema, built in rulebook.oscal",
    "OscalAssessmentResultsOut.assessment-results": "OSCAL 1.1 assessment-results: NIST's",
    "ChallengeResponse.options": "each registered factor's own challenge options (WebAuthn's)",
    "ChallengeResponse.webauthn_options": "W3C WebAuthn request options (py_webauthn's JSON)",
    "WebAuthnBeginResponse.options": "W3C WebAuthn creation options (py_webauthn's JSON)",
}


def _free_form(schema: dict[str, Any]) -> bool:
    if not schema:
        return True
    if schema.get("type") != "object" or "properties" in schema:
        return False
    extra = schema.get("additionalProperties", True)
    return extra is True or extra == {}


def free_form_places(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    """The places under ``schema`` (named ``where``) that hold a free-form object."""
    components = document["components"]["schemas"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from free_form_places(document, components[name], name, seen)
        return
    if _free_form(schema):
        yield where
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, ()):
            yield from free_form_places(document, member, where, seen)
    for name, prop in schema.get("properties", {}).items():
        yield from free_form_places(document, prop, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from free_form_places(document, schema[key], where, seen)


def _success_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                json_body = response.get("content", {}).get("application/json")
                if code.startswith("2") and json_body is not None:
                    yield f"{method.upper()} {path}", json_body.get("schema", {})


def test_no_success_body_is_a_free_form_object(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/x.db", data_dir=tmp_path)
    document = create_app(settings).openapi()  # building it touches no database
    found: dict[str, set[str]] = {}
    bodies = 0
    for operation, schema in _success_schemas(document):
        bodies += 1
        for place in free_form_places(document, schema, operation, set()):
            found.setdefault(place, set()).add(operation)
    assert bodies > 150
    unexplained = {place: ops for place, ops in found.items() if place not in FREE_FORM}
    assert not unexplained, sorted(unexplained)
    assert set(FREE_FORM) <= set(found), set(FREE_FORM) - set(found)  # no stale entry


def test_the_walk_finds_free_form_objects() -> None:
    """The check above can fail: it finds a nested, a listed and a top-level free-form body."""
    document = {
        "components": {
            "schemas": {
                "Page": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"type": "object"}},
                        "total": {"type": "integer"},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "extra": {"anyOf": [{"type": "null"}, {}]},
                    },
                }
            }
        }
    }
    page = {"$ref": "#/components/schemas/Page"}
    assert list(free_form_places(document, page, "GET /x", set())) == ["Page.items", "Page.extra"]
    loose = {"type": "object", "additionalProperties": True}
    assert list(free_form_places(document, loose, "GET /y", set())) == ["GET /y"]
