"""Load ``data/*.yaml`` into a :class:`Rulebook`, naming file, line and field on any error."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from brokerguard.errors import RulebookError, UnknownRequirementError
from brokerguard.rulebook.model import (
    ID_PATTERN,
    Article,
    Requirement,
    RequirementKind,
    ReviewFrequency,
    Rulebook,
)

DATA_DIR = Path(__file__).with_name("data")
REQUIRED_FIELDS = ("id", "kind", "text_zh", "text_en")
KNOWN_FIELDS = {
    "id",
    "parent",
    "kind",
    "title_zh",
    "title_en",
    "text_zh",
    "text_en",
    "evidence_kinds",
    "review_frequency",
}


def _scalar(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node))


def _mapping(node: yaml.Node, path: str, what: str) -> dict[str, tuple[Any, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise RulebookError(f"{what} must be a mapping", path=path, line=node.start_mark.line + 1)
    out: dict[str, tuple[Any, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key in out:
            raise RulebookError(
                f"duplicate key {key!r}", path=path, line=key_node.start_mark.line + 1, field=key
            )
        out[key] = (_scalar(value_node), value_node)
    return out


def _requirement(node: yaml.Node, path: str, article: int) -> Requirement:
    line = node.start_mark.line + 1
    fields = _mapping(node, path, "a requirement")
    for name in fields:
        if name not in KNOWN_FIELDS:
            raise RulebookError(
                f"unknown field {name!r}",
                path=path,
                line=fields[name][1].start_mark.line + 1,
                field=name,
            )
    for name in REQUIRED_FIELDS:
        if name not in fields or fields[name][0] in (None, ""):
            raise RulebookError(f"missing field {name!r}", path=path, line=line, field=name)

    def text(name: str, default: str = "") -> str:
        if name not in fields or fields[name][0] is None:
            return default
        value, value_node = fields[name]
        if not isinstance(value, str):
            raise RulebookError(
                f"{name} must be text", path=path, line=value_node.start_mark.line + 1, field=name
            )
        return value.strip()

    requirement_id = text("id")
    if not ID_PATTERN.match(requirement_id):
        raise RulebookError(
            f"malformed requirement ID {requirement_id!r}", path=path, line=line, field="id"
        )
    try:
        kind = RequirementKind(text("kind"))
    except ValueError:
        raise RulebookError(
            f"kind must be one of {[k.value for k in RequirementKind]}",
            path=path,
            line=line,
            field="kind",
        ) from None
    try:
        frequency = ReviewFrequency(text("review_frequency", "annual"))
    except ValueError:
        raise RulebookError(
            f"review_frequency must be one of {[f.value for f in ReviewFrequency]}",
            path=path,
            line=line,
            field="review_frequency",
        ) from None
    evidence = fields.get("evidence_kinds", ([], node))[0] or []
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise RulebookError(
            "evidence_kinds must be a list of text", path=path, line=line, field="evidence_kinds"
        )
    return Requirement(
        id=requirement_id,
        article=article,
        kind=kind,
        text_zh=text("text_zh"),
        text_en=text("text_en"),
        parent=text("parent") or None,
        title_zh=text("title_zh"),
        title_en=text("title_en"),
        evidence_kinds=tuple(evidence),
        review_frequency=frequency,
        source_file=path,
        source_line=line,
    )


def parse_file(path: Path, rulebook: Rulebook) -> None:
    name = path.name
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RulebookError(f"not UTF-8 text ({exc.reason})", path=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulebookError(
            f"YAML syntax error: {getattr(exc, 'problem', exc)}",
            path=name,
            line=mark.line + 1 if mark else None,
        ) from None
    if root is None:
        raise RulebookError("empty file", path=name)
    top = _mapping(root, name, "the file")
    for key in ("article", "title_zh", "title_en", "requirements"):
        if key not in top:
            raise RulebookError(f"missing field {key!r}", path=name, line=1, field=key)
    article, article_node = top["article"]
    if not isinstance(article, int):
        raise RulebookError(
            "article must be a number",
            path=name,
            line=article_node.start_mark.line + 1,
            field="article",
        )
    rulebook.articles[article] = Article(article, str(top["title_zh"][0]), str(top["title_en"][0]))
    items_node = top["requirements"][1]
    if not isinstance(items_node, yaml.SequenceNode):
        raise RulebookError(
            "requirements must be a list",
            path=name,
            line=items_node.start_mark.line + 1,
            field="requirements",
        )
    for item in items_node.value:
        requirement = _requirement(item, name, article)
        if requirement.id in rulebook.requirements:
            first = rulebook.requirements[requirement.id]
            raise RulebookError(
                f"requirement {requirement.id} defined twice (first at {first.source_file}:"
                f"{first.source_line})",
                path=name,
                line=requirement.source_line,
                field="id",
            )
        rulebook.requirements[requirement.id] = requirement


def load_from(directory: Path) -> Rulebook:
    rulebook = Rulebook()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RulebookError("no rulebook files (*.yaml)", path=str(directory))
    for path in files:
        parse_file(path, rulebook)
    for requirement in rulebook.requirements.values():
        if requirement.parent is not None and requirement.parent not in rulebook.requirements:
            raise RulebookError(
                f"parent {requirement.parent!r} of {requirement.id} is not in the rulebook",
                path=requirement.source_file,
                line=requirement.source_line,
                field="parent",
            )
    return rulebook


@lru_cache(maxsize=1)
def load_rulebook() -> Rulebook:
    """The packaged rulebook (parsed once per process)."""
    return load_from(DATA_DIR)


def require_known(*requirement_ids: str) -> None:
    """Raise :class:`UnknownRequirementError` naming the first ID not in the rulebook."""
    rulebook = load_rulebook()
    for requirement_id in requirement_ids:
        if requirement_id not in rulebook:
            raise UnknownRequirementError(requirement_id)
