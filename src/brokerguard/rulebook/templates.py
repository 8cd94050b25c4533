"""zh-TW policy templates a firm can adopt (Arts. 5, 6 and 7), and the requirements each covers.

Each template is a Markdown file in ``templates/`` whose sections cite the
requirement IDs they implement in square brackets (``[A5.3.1]``). The policy
register (``policies/``) and the UI list the templates with those IDs; a test
proves every policy-kind requirement of Arts. 5-7 is covered by some template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from brokerguard.errors import NotFoundError, RulebookError
from brokerguard.rulebook.model import Rulebook, sort_key

TEMPLATES_DIR = Path(__file__).with_name("templates")
SUFFIX = ".zh-TW.md"
BRACKETED_ID = re.compile(r"\[((?:A\d{1,2}(?:\.\d{1,2})*)|(?:D2\.\d{1,2}))\]")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


@dataclass(frozen=True)
class PolicyTemplate:
    """One template: its name (file name without ``.zh-TW.md``), title, article and IDs."""

    name: str
    title: str
    article: int
    requirement_ids: tuple[str, ...]
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def covers(self, requirement_id: str) -> bool:
        return requirement_id in self.requirement_ids


def requirement_ids_in(text: str) -> tuple[str, ...]:
    """The bracketed requirement IDs of ``text``, each once, in rulebook order."""
    return tuple(sorted(set(BRACKETED_ID.findall(text)), key=sort_key))


def _title(text: str, path: Path) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise RulebookError("template has no '# ' title line", path=path.name, line=1, field="title")


def _article(name: str, path: Path) -> int:
    match = re.match(r"^art(\d{2})-", name)
    if match is None:
        raise RulebookError(
            "template names start with artNN- (the article number)", path=path.name, field="name"
        )
    return int(match.group(1))


def load_template(path: Path) -> PolicyTemplate:
    text = path.read_text(encoding="utf-8")
    name = path.name.removesuffix(SUFFIX)
    return PolicyTemplate(
        name=name,
        title=_title(text, path),
        article=_article(name, path),
        requirement_ids=requirement_ids_in(text),
        path=path,
    )


def list_templates(directory: Path = TEMPLATES_DIR) -> list[PolicyTemplate]:
    """Every ``*.zh-TW.md`` template of ``directory``, sorted by name."""
    return [load_template(path) for path in sorted(directory.glob("*" + SUFFIX))]


def get_template(name: str, directory: Path = TEMPLATES_DIR) -> PolicyTemplate:
    """The template called ``name``; anything else (path tricks included) is not found."""
    if NAME_PATTERN.match(name):
        for template in list_templates(directory):
            if template.name == name:
                return template
    shown = name if len(name) <= 64 else name[:64] + "…"
    raise NotFoundError(f"no policy template named {shown!r}", field="template")


def templates_covering(
    requirement_id: str, directory: Path = TEMPLATES_DIR
) -> list[PolicyTemplate]:
    return [t for t in list_templates(directory) if t.covers(requirement_id)]


def unknown_template_ids(rulebook: Rulebook, directory: Path = TEMPLATES_DIR) -> list[str]:
    """``<template>: <ID>`` for every bracketed ID that is not in the rulebook."""
    return [
        f"{template.name}: {requirement_id}"
        for template in list_templates(directory)
        for requirement_id in template.requirement_ids
        if requirement_id not in rulebook
    ]
