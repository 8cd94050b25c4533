"""Load ``data/*.yaml`` into a :class:`Rulebook`, naming file, line and field on any error.

One file per article::

    article: 9
    title_zh: 電子式交易相關控管
    title_en: Electronic trading
    requirements:
      - id: A9.1
        kind: technical
        text_zh: ...
        text_en: ...

The loader refuses anything it does not understand (unknown or duplicate
fields, wrong types, IDs outside the file's article, unknown or circular
parents, YAML aliases, non-UTF-8 bytes, empty or oversized files) with a
:class:`~brokerguard.errors.RulebookError` whose message starts with
``<file>:<line>:`` and whose ``field`` names the offending field.
"""

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
    article_of,
)

DATA_DIR = Path(__file__).with_name("data")
#: libyaml's parser when installed (several times faster), else the pure-Python one
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 1_000_000
#: file mapping > requirements list > entry > evidence_kinds list is 4; leave room, refuse bombs
MAX_DEPTH = 8
FILE_FIELDS = ("article", "title_zh", "title_en", "intro_zh", "intro_en", "requirements")
REQUIRED_FILE_FIELDS = ("article", "title_zh", "title_en", "requirements")
REQUIRED_FIELDS = ("id", "kind", "text_zh", "text_en")
KNOWN_FIELDS = frozenset(
    {
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
)
MAX_TEXT_CHARS = 5000


class _Value:
    """One field's node; its Python value is built on first use, so errors name the field."""

    def __init__(self, node: yaml.Node, path: str, key: str) -> None:
        self.node = node
        self.path = path
        self.key = key
        self.line = int(node.start_mark.line) + 1
        self._value: Any = None
        self._built = False

    @property
    def value(self) -> Any:
        if not self._built:
            try:
                self._value = yaml.constructor.SafeConstructor().construct_object(
                    self.node, deep=True
                )
            except yaml.YAMLError as exc:
                raise RulebookError(
                    f"unsupported YAML value: {getattr(exc, 'problem', None) or exc}",
                    path=self.path,
                    line=self.line,
                    field=self.key,
                ) from None
            self._built = True
        return self._value


def _short(value: str, limit: int = 40) -> str:
    """``repr`` of a user-supplied value, cut to ``limit`` characters for messages."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(node: yaml.Node, path: str, what: str, field: str | None) -> dict[str, _Value]:
    if not isinstance(node, yaml.MappingNode):
        raise RulebookError(f"{what} must be a mapping", path=path, line=_line(node), field=field)
    out: dict[str, _Value] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise RulebookError(
                f"keys of {what} must be text", path=path, line=_line(key_node), field=field
            )
        key = str(key_node.value)
        if key in out:
            raise RulebookError(
                f"duplicate field {_short(key)}", path=path, line=_line(key_node), field=key[:40]
            )
        out[key] = _Value(value_node, path, key)
    return out


def _text(fields: dict[str, _Value], name: str, path: str, default: str = "") -> str:
    item = fields.get(name)
    if item is None or item.value is None:
        return default
    if not isinstance(item.value, str):
        raise RulebookError(
            f"{name} must be text, not {type(item.value).__name__}",
            path=path,
            line=item.line,
            field=name,
        )
    value = item.value.strip()
    if len(value) > MAX_TEXT_CHARS:
        raise RulebookError(
            f"{name} is longer than {MAX_TEXT_CHARS} characters",
            path=path,
            line=item.line,
            field=name,
        )
    return value


def _requirement(node: yaml.Node, path: str, article: int) -> Requirement:
    line = _line(node)
    fields = _mapping(node, path, "a requirement", "requirements")
    for name, item in fields.items():
        if name not in KNOWN_FIELDS:
            raise RulebookError(
                f"unknown field {_short(name)} (known: {', '.join(sorted(KNOWN_FIELDS))})",
                path=path,
                line=item.line,
                field=name[:40],
            )
    for name in REQUIRED_FIELDS:
        if name not in fields or fields[name].value in (None, ""):
            raise RulebookError(f"missing field {_short(name)}", path=path, line=line, field=name)

    requirement_id = _text(fields, "id", path)
    id_line = fields["id"].line
    if not ID_PATTERN.match(requirement_id):
        raise RulebookError(
            f"malformed requirement ID {_short(requirement_id)}",
            path=path,
            line=id_line,
            field="id",
        )
    if article_of(requirement_id) != article:
        raise RulebookError(
            f"requirement {requirement_id} does not belong to article {article}",
            path=path,
            line=id_line,
            field="id",
        )
    kind_text = _text(fields, "kind", path)
    try:
        kind = RequirementKind(kind_text)
    except ValueError:
        raise RulebookError(
            f"kind {_short(kind_text)} is not one of {[k.value for k in RequirementKind]}",
            path=path,
            line=fields["kind"].line,
            field="kind",
        ) from None
    frequency_text = _text(fields, "review_frequency", path, "annual")
    try:
        frequency = ReviewFrequency(frequency_text)
    except ValueError:
        raise RulebookError(
            f"review_frequency {_short(frequency_text)} is not one of "
            f"{[f.value for f in ReviewFrequency]}",
            path=path,
            line=fields["review_frequency"].line,
            field="review_frequency",
        ) from None
    evidence_item = fields.get("evidence_kinds")
    evidence_line = evidence_item.line if evidence_item is not None else line
    evidence = evidence_item.value if evidence_item is not None else []
    evidence = [] if evidence is None else evidence
    if not isinstance(evidence, list) or not all(isinstance(e, str) and e for e in evidence):
        raise RulebookError(
            "evidence_kinds must be a list of text",
            path=path,
            line=evidence_line,
            field="evidence_kinds",
        )
    if len(set(evidence)) != len(evidence):
        raise RulebookError(
            "evidence_kinds lists a kind twice",
            path=path,
            line=evidence_line,
            field="evidence_kinds",
        )
    parent = _text(fields, "parent", path) or None
    if parent is not None and not ID_PATTERN.match(parent):
        raise RulebookError(
            f"malformed parent ID {_short(parent)}",
            path=path,
            line=fields["parent"].line,
            field="parent",
        )
    return Requirement(
        id=requirement_id,
        article=article,
        kind=kind,
        text_zh=_text(fields, "text_zh", path),
        text_en=_text(fields, "text_en", path),
        parent=parent,
        title_zh=_text(fields, "title_zh", path),
        title_en=_text(fields, "title_en", path),
        evidence_kinds=tuple(evidence),
        review_frequency=frequency,
        source_file=path,
        source_line=line,
    )


def _compose(raw: bytes, name: str) -> yaml.Node | None:
    if len(raw) > MAX_FILE_BYTES:
        raise RulebookError(f"file is larger than {MAX_FILE_BYTES} bytes", path=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulebookError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            path=name,
            line=raw[: exc.start].count(b"\n") + 1,
        ) from None
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent):
                raise RulebookError("YAML aliases (*name) are not allowed", path=name, line=line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RulebookError(
                        f"nested deeper than {MAX_DEPTH} levels", path=name, line=line
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulebookError(
            f"YAML syntax error: {getattr(exc, 'problem', None) or exc}",
            path=name,
            line=mark.line + 1 if mark else None,
        ) from None


def parse_file(path: Path, rulebook: Rulebook) -> None:
    """Add one article file's requirements to ``rulebook``."""
    name = path.name
    root = _compose(path.read_bytes(), name)
    if root is None:
        raise RulebookError("empty file", path=name, line=1)
    top = _mapping(root, name, "the file", None)
    for key, item in top.items():
        if key not in FILE_FIELDS:
            raise RulebookError(
                f"unknown field {_short(key)} (known: {', '.join(FILE_FIELDS)})",
                path=name,
                line=item.line,
                field=key[:40],
            )
    for key in REQUIRED_FILE_FIELDS:
        if key not in top or (key != "requirements" and top[key].value in (None, "")):
            raise RulebookError(f"missing field {_short(key)}", path=name, line=1, field=key)
    article_item = top["article"]
    article = article_item.value
    if not isinstance(article, int) or isinstance(article, bool) or not 1 <= article <= 99:
        raise RulebookError(
            "article must be a number from 1 to 99",
            path=name,
            line=article_item.line,
            field="article",
        )
    if article in rulebook.articles:
        raise RulebookError(
            f"article {article} is defined in two files",
            path=name,
            line=article_item.line,
            field="article",
        )
    rulebook.articles[article] = Article(
        article,
        _text(top, "title_zh", name),
        _text(top, "title_en", name),
        intro_zh=_text(top, "intro_zh", name),
        intro_en=_text(top, "intro_en", name),
    )
    items_node = top["requirements"].node
    if not isinstance(items_node, yaml.SequenceNode) or not items_node.value:
        raise RulebookError(
            "requirements must be a non-empty list",
            path=name,
            line=top["requirements"].line,
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


def _check_parents(rulebook: Rulebook) -> None:
    for requirement in rulebook.requirements.values():
        parent = requirement.parent
        if parent is None:
            continue
        if parent not in rulebook.requirements:
            raise RulebookError(
                f"parent {_short(parent)} of {requirement.id} is not in the rulebook",
                path=requirement.source_file,
                line=requirement.source_line,
                field="parent",
            )
        if rulebook.requirements[parent].article != requirement.article:
            raise RulebookError(
                f"parent {_short(parent)} of {requirement.id} is in another article",
                path=requirement.source_file,
                line=requirement.source_line,
                field="parent",
            )
        seen = {requirement.id}
        current: str | None = parent
        while current is not None:
            if current in seen:
                raise RulebookError(
                    f"parent chain of {requirement.id} loops back to {current}",
                    path=requirement.source_file,
                    line=requirement.source_line,
                    field="parent",
                )
            seen.add(current)
            current = rulebook.requirements[current].parent


def load_from(directory: Path) -> Rulebook:
    """Parse every ``*.yaml`` file of ``directory`` (sorted by name) into one rulebook."""
    rulebook = Rulebook()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RulebookError("no rulebook files (*.yaml)", path=str(directory))
    for path in files:
        parse_file(path, rulebook)
    _check_parents(rulebook)
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
