"""A small structural validator for the OSCAL 1.1 JSON we emit.

It checks what the OSCAL 1.1 JSON schemas require of the parts we use:
required fields, token-shaped IDs, RFC 4122 UUIDs, date-times with a time
zone, props with name and value, unique IDs. It returns a list of problems
(empty when the document is well-shaped) so tests can also prove it catches
a broken document.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TOKEN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
DATETIME_TZ_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
STATES = {"satisfied", "not-satisfied"}
METHODS = {"EXAMINE", "INTERVIEW", "TEST", "UNKNOWN"}


class Shape:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.ids: set[str] = set()

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def required(self, obj: Any, where: str, *names: str) -> bool:
        if not isinstance(obj, dict):
            self.fail(where, "not an object")
            return False
        ok = True
        for name in names:
            if name not in obj or obj[name] in (None, "", [], {}):
                self.fail(where, f"missing {name}")
                ok = False
        return ok

    def uuid(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or not UUID_RE.match(value):
            self.fail(where, f"not a UUID: {value!r}")

    def datetime(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or not DATETIME_TZ_RE.match(value):
            self.fail(where, f"not a date-time with time zone: {value!r}")
            return
        datetime.fromisoformat(value.replace("Z", "+00:00"))

    def token(self, value: Any, where: str, unique: bool = True) -> None:
        if not isinstance(value, str) or not TOKEN_RE.match(value):
            self.fail(where, f"not a token: {value!r}")
        elif unique:
            if value in self.ids:
                self.fail(where, f"duplicate id {value!r}")
            self.ids.add(value)

    def props(self, obj: dict[str, Any], where: str) -> None:
        for i, prop in enumerate(obj.get("props", [])):
            if self.required(prop, f"{where}.props[{i}]", "name", "value"):
                self.token(prop["name"], f"{where}.props[{i}].name", unique=False)

    def metadata(self, metadata: Any, where: str) -> None:
        self.required(metadata, where, "title", "last-modified", "version", "oscal-version")
        if not isinstance(metadata, dict):
            return
        if "last-modified" in metadata:
            self.datetime(metadata["last-modified"], f"{where}.last-modified")
        if "oscal-version" in metadata and not str(metadata["oscal-version"]).startswith("1.1."):
            self.fail(where, "oscal-version is not 1.1.x")
        self.props(metadata, where)

    def back_matter(self, doc: dict[str, Any], where: str) -> None:
        for i, resource in enumerate(doc.get("back-matter", {}).get("resources", [])):
            if self.required(resource, f"{where}.resources[{i}]", "uuid"):
                self.uuid(resource["uuid"], f"{where}.resources[{i}].uuid")

    def part(self, part: Any, where: str) -> None:
        if self.required(part, where, "name"):
            self.token(part["name"], f"{where}.name", unique=False)
            if "id" in part:
                self.token(part["id"], f"{where}.id")
            self.props(part, where)
            for i, sub in enumerate(part.get("parts", [])):
                self.part(sub, f"{where}.parts[{i}]")

    def control(self, control: Any, where: str, found: list[str]) -> None:
        if self.required(control, where, "id", "title"):
            self.token(control["id"], f"{where}.id")
            found.append(control["id"])
            self.props(control, where)
            for i, part in enumerate(control.get("parts", [])):
                self.part(part, f"{where}.parts[{i}]")
            for i, sub in enumerate(control.get("controls", [])):
                self.control(sub, f"{where}.controls[{i}]", found)


def catalog_problems(document: Any) -> tuple[list[str], list[str]]:
    """(problems, control IDs found) of an OSCAL catalog document."""
    shape = Shape()
    found: list[str] = []
    if not shape.required(document, "$", "catalog"):
        return shape.problems, found
    cat = document["catalog"]
    if shape.required(cat, "catalog", "uuid", "metadata"):
        shape.uuid(cat["uuid"], "catalog.uuid")
        shape.metadata(cat["metadata"], "catalog.metadata")
    for i, group in enumerate(cat.get("groups", [])):
        where = f"catalog.groups[{i}]"
        if shape.required(group, where, "title"):
            if "id" in group:
                shape.token(group["id"], f"{where}.id")
            shape.props(group, where)
            for j, part in enumerate(group.get("parts", [])):
                shape.part(part, f"{where}.parts[{j}]")
            for j, control in enumerate(group.get("controls", [])):
                shape.control(control, f"{where}.controls[{j}]", found)
    for i, control in enumerate(cat.get("controls", [])):
        shape.control(control, f"catalog.controls[{i}]", found)
    shape.back_matter(cat, "catalog.back-matter")
    return shape.problems, found


def assessment_results_problems(document: Any) -> list[str]:
    shape = Shape()
    if not shape.required(document, "$", "assessment-results"):
        return shape.problems
    ar = document["assessment-results"]
    if not shape.required(ar, "ar", "uuid", "metadata", "import-ap", "results"):
        return shape.problems
    shape.uuid(ar["uuid"], "ar.uuid")
    shape.metadata(ar["metadata"], "ar.metadata")
    shape.required(ar["import-ap"], "ar.import-ap", "href")
    resources = {r.get("uuid") for r in ar.get("back-matter", {}).get("resources", [])}
    href = str(ar["import-ap"].get("href", ""))
    if href.startswith("#") and href[1:] not in resources:
        shape.fail("ar.import-ap.href", f"points to no back-matter resource: {href}")
    for i, result in enumerate(ar["results"]):
        where = f"ar.results[{i}]"
        if not shape.required(
            result, where, "uuid", "title", "description", "start", "reviewed-controls"
        ):
            continue
        shape.uuid(result["uuid"], f"{where}.uuid")
        shape.datetime(result["start"], f"{where}.start")
        if "end" in result:
            shape.datetime(result["end"], f"{where}.end")
        shape.props(result, where)
        shape.required(
            result["reviewed-controls"], f"{where}.reviewed-controls", "control-selections"
        )
        observation_uuids = set()
        for j, obs in enumerate(result.get("observations", [])):
            w = f"{where}.observations[{j}]"
            if shape.required(obs, w, "uuid", "description", "methods", "collected"):
                shape.uuid(obs["uuid"], f"{w}.uuid")
                shape.datetime(obs["collected"], f"{w}.collected")
                observation_uuids.add(obs["uuid"])
                if not set(obs["methods"]) <= METHODS:
                    shape.fail(w, f"unknown methods {obs['methods']}")
                for k, ev in enumerate(obs.get("relevant-evidence", [])):
                    shape.required(ev, f"{w}.relevant-evidence[{k}]", "description")
                shape.props(obs, w)
        for j, finding in enumerate(result.get("findings", [])):
            w = f"{where}.findings[{j}]"
            if not shape.required(finding, w, "uuid", "title", "description", "target"):
                continue
            shape.uuid(finding["uuid"], f"{w}.uuid")
            target = finding["target"]
            if shape.required(target, f"{w}.target", "type", "target-id", "status"):
                if target["type"] not in ("statement-id", "objective-id"):
                    shape.fail(f"{w}.target.type", f"bad type {target['type']!r}")
                shape.token(target["target-id"], f"{w}.target.target-id", unique=False)
                if target["status"].get("state") not in STATES:
                    shape.fail(f"{w}.target.status", f"bad state {target['status']!r}")
            for rel in finding.get("related-observations", []):
                if rel.get("observation-uuid") not in observation_uuids:
                    shape.fail(w, f"related observation not found: {rel}")
            shape.props(finding, w)
    shape.back_matter(ar, "ar.back-matter")
    return shape.problems
