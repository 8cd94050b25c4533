"""The domain manifest: everything a domain plugs into the platform, declared once.

Each domain package has a ``manifest.py`` with ``MANIFEST = DomainManifest(...)``;
:mod:`brokerguard.domains` lists them. The web app, the CLI, the check registry,
the demo, the worker, Jinja and Alembic are built from these manifests only: no
module is discovered by name and no attribute is looked up with ``getattr``.
A part that is declared wrongly, or a module the package has but the manifest
does not declare, stops start-up with a :class:`ManifestError` naming the domain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import typer
from fastapi import APIRouter
from pydantic_settings import BaseSettings

from brokerguard.errors import ConfigurationError
from brokerguard.kernel.jobs import JobSpec, StreamConsumer

if TYPE_CHECKING:
    from brokerguard.demodata import DemoContext
    from brokerguard.kernel.context import AppContext

DOMAIN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: modules a domain package may have; each one present must be declared in the manifest
DECLARED_MODULES = ("api", "views", "cli", "checks", "demo", "jobs", "models")


class ManifestError(ConfigurationError):
    """A domain's manifest is wrong: start-up stops and names the domain."""

    code = "manifest_error"

    def __init__(self, domain: str, problem: str) -> None:
        super().__init__(f"domain {domain!r}: {problem}", field=domain)
        self.domain = domain


@dataclass(frozen=True)
class NavItem:
    """A menu entry. The menu lists entries in the order of :data:`brokerguard.domains`,
    then in the order the manifest gives them, grouped by ``article``: the article of the
    rules the page serves (``None``: the compliance work every article shares)."""

    path: str
    label_zh: str
    label_en: str
    article: int | None = None


@dataclass(frozen=True)
class CliGroup:
    """``brokerguard <name> ...``: the domain's Typer group."""

    name: str
    app: typer.Typer


@dataclass(frozen=True)
class CliCommand:
    """``brokerguard <name>``: a top-level command (``assess``, ``report``)."""

    name: str
    function: Callable[..., Any]


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class WebService:
    """Runs inside the web app's process: ``start`` builds it from the app's context
    (None when it is not configured); the app closes it when it shuts down."""

    name: str
    start: Callable[[AppContext], Closable | None]


@dataclass(frozen=True)
class DemoStep:
    """Loads the domain's part of the demo firm, after the domains it depends on."""

    load: Callable[[DemoContext], None]
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainManifest:
    name: str
    #: the package the manifest describes (``brokerguard.<name>`` unless told)
    package: str = ""
    api_routers: tuple[APIRouter, ...] = ()
    page_routers: tuple[APIRouter, ...] = ()
    nav: tuple[NavItem, ...] = ()
    cli: CliGroup | None = None
    commands: tuple[CliCommand, ...] = ()
    #: the module whose ``@check`` decorators register the domain's checks
    checks: ModuleType | None = None
    #: the module of the domain's SQLAlchemy models (imported before migrations run)
    models: ModuleType | None = None
    jobs: tuple[JobSpec, ...] = ()
    #: continuous consumers the worker runs beside the jobs (declared in ``jobs.py``)
    consumers: tuple[StreamConsumer, ...] = ()
    #: services the web app runs beside its requests (e.g. a publisher)
    web_services: tuple[WebService, ...] = ()
    demo: DemoStep | None = None
    settings: type[BaseSettings] | None = None
    #: pages are named ``<name>/<file>.html`` and found in this folder
    templates: Path | None = None
    #: Alembic revisions of the domain's migration branch
    migrations: Path | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not DOMAIN_NAME.match(self.name):
            raise ManifestError(str(self.name), "the name must be lower-case letters and _")
        if not self.package:
            object.__setattr__(self, "package", f"brokerguard.{self.name}")
        self._require_all(self.api_routers, APIRouter, "api_routers")
        self._require_all(self.page_routers, APIRouter, "page_routers")
        self._require_all(self.nav, NavItem, "nav")
        self._require_all(self.commands, CliCommand, "commands")
        self._require_all(self.jobs, JobSpec, "jobs")
        self._require_all(self.consumers, StreamConsumer, "consumers")
        self._require_all(self.web_services, WebService, "web_services")
        if self.cli is not None and not isinstance(self.cli, CliGroup):
            self._fail(f"cli must be a CliGroup, not {type(self.cli).__name__}")
        if self.demo is not None and not isinstance(self.demo, DemoStep):
            self._fail(f"demo must be a DemoStep, not {type(self.demo).__name__}")
        for label, module in (("checks", self.checks), ("models", self.models)):
            if module is not None and not isinstance(module, ModuleType):
                self._fail(f"{label} must be a module, not {type(module).__name__}")
        if self.settings is not None and not (
            isinstance(self.settings, type) and issubclass(self.settings, BaseSettings)
        ):
            self._fail("settings must be a pydantic-settings model class")
        for label, folder in (("templates", self.templates), ("migrations", self.migrations)):
            if folder is not None and not Path(folder).is_dir():
                self._fail(f"the {label} folder {folder} does not exist")
        names = [job.name for job in self.jobs] + [c.name for c in self.consumers]
        names += [service.name for service in self.web_services]
        for name in names:
            if not name.startswith(f"{self.name}."):
                self._fail(f"job {name!r} must be named '{self.name}.<what>'")
        for item in self.nav:
            if not item.path.startswith("/"):
                self._fail(f"nav path {item.path!r} must start with '/'")

    def _fail(self, problem: str) -> None:
        raise ManifestError(self.name, problem)

    def _require_all(self, items: object, kind: type, label: str) -> None:
        if not isinstance(items, tuple):
            self._fail(f"{label} must be a tuple, not {type(items).__name__}")
        for item in items:  # type: ignore[attr-defined]
            if not isinstance(item, kind):
                self._fail(f"{label} holds a {type(item).__name__}, not a {kind.__name__}")

    def declared_modules(self) -> dict[str, bool]:
        """Which of :data:`DECLARED_MODULES` the manifest declares."""
        return {
            "api": bool(self.api_routers),
            "views": bool(self.page_routers),
            "cli": self.cli is not None or bool(self.commands),
            "checks": self.checks is not None,
            "demo": self.demo is not None,
            "jobs": bool(self.jobs) or bool(self.consumers),
            "models": self.models is not None,
        }


def check_package(manifest: DomainManifest, folder: Path) -> None:
    """Every conventional module the package has is declared, and the other way round."""
    declared = manifest.declared_modules()
    for module in DECLARED_MODULES:
        present = (folder / f"{module}.py").is_file()
        if present and not declared[module]:
            raise ManifestError(
                manifest.name, f"{module}.py exists but the manifest does not declare it"
            )
        if declared[module] and not present:
            raise ManifestError(manifest.name, f"the manifest declares {module} but has no file")
    has_migrations = (folder / "migrations").is_dir()
    if has_migrations != (manifest.migrations is not None):
        raise ManifestError(
            manifest.name,
            "migrations/ exists but the manifest does not declare it"
            if has_migrations
            else "the manifest declares migrations but migrations/ is missing",
        )


def check_domains(manifests: Sequence[DomainManifest]) -> None:
    """Names unique, every ``depends_on`` known, no cycle, CLI names unique."""
    names: set[str] = set()
    for manifest in manifests:
        if manifest.name in names:
            raise ManifestError(manifest.name, "declared twice")
        names.add(manifest.name)
    commands: dict[str, str] = {}
    for manifest in manifests:
        if manifest.demo is not None:
            for needed in manifest.demo.depends_on:
                if needed not in names:
                    raise ManifestError(manifest.name, f"depends_on names no domain: {needed!r}")
                if needed == manifest.name:
                    raise ManifestError(manifest.name, "depends_on names itself")
        group = [manifest.cli.name] if manifest.cli else []
        for name in group + [command.name for command in manifest.commands]:
            if name in commands:
                raise ManifestError(
                    manifest.name, f"command {name!r} is also declared by {commands[name]!r}"
                )
            commands[name] = manifest.name
    demo_order(manifests)


def demo_order(manifests: Iterable[DomainManifest]) -> list[DomainManifest]:
    """Domains with a demo step, each after those it depends on; ties by name."""
    with_demo = {m.name: m for m in manifests if m.demo is not None}
    waiting = {
        name: {d for d in m.demo.depends_on if d in with_demo}  # type: ignore[union-attr]
        for name, m in with_demo.items()
    }
    ordered: list[DomainManifest] = []
    while waiting:
        ready = sorted(name for name, needs in waiting.items() if not needs)
        if not ready:
            stuck = sorted(waiting)[0]
            raise ManifestError(stuck, f"demo depends_on forms a cycle among {sorted(waiting)}")
        first = ready[0]
        ordered.append(with_demo[first])
        del waiting[first]
        for needs in waiting.values():
            needs.discard(first)
    return ordered
