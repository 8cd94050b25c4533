"""Discovery of the domain packages' parts by convention.

A domain package under ``brokerguard`` may provide any of these modules:

- ``models``: SQLAlchemy models (imported before migrations and ``Base.metadata`` use)
- ``checks``: ``@check`` functions for the assessment engine
- ``api``: a FastAPI ``router`` (JSON API under ``/api/v1``)
- ``views``: a FastAPI ``router`` of HTML pages and ``NAV``, a list of :class:`NavItem`
- ``cli``: a Typer ``app`` and ``COMMAND``, the sub-command name
- ``demo``: ``ORDER: int`` and ``load_demo(ctx)`` for the demo firm

New domains plug in by adding the module; nothing central is edited.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from types import ModuleType

import brokerguard

CORE_PACKAGES = ("db", "cli", "web")


@dataclass(frozen=True)
class NavItem:
    path: str
    label_zh: str
    label_en: str
    order: int = 100


def domain_packages() -> list[str]:
    names = []
    for info in pkgutil.iter_modules(brokerguard.__path__):
        if info.ispkg and info.name not in CORE_PACKAGES:
            names.append(info.name)
    return sorted(names)


def import_domain_modules(module: str) -> list[ModuleType]:
    """Import ``brokerguard.<domain>.<module>`` for every domain that has one."""
    found: list[ModuleType] = []
    for package in domain_packages():
        name = f"brokerguard.{package}.{module}"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            continue
        if spec is None:
            continue
        found.append(importlib.import_module(name))
    return found
