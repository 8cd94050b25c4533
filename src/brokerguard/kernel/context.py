"""The typed application context: what the app is built from, built once.

The web app keeps exactly one :class:`AppContext` (``web.deps.get_context`` is the
only reader); the CLI and the worker build theirs the same way. Domains never
read ``app.state``: they ask for the context, the settings or a service through
the dependencies of :mod:`brokerguard.web.deps`. A process-wide service (a rate
limiter, a key box) is built once with :meth:`Services.get`, keyed by its type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from brokerguard.clock import Clock
    from brokerguard.config import Settings
    from brokerguard.kernel.audit import AuditSink
    from brokerguard.kernel.manifest import DomainManifest, NavItem

T = TypeVar("T")


class Services:
    """One instance per service type, built on first use (thread-safe)."""

    def __init__(self) -> None:
        self._built: dict[tuple[type[Any], Hashable], Any] = {}
        self._lock = threading.Lock()

    def get(self, kind: type[T], build: Callable[[], T], key: Hashable = None) -> T:
        """The ``kind`` built for ``key`` (e.g. a key version), building it the first time."""
        with self._lock:
            found = self._built.get((kind, key))
            if found is None:
                found = build()
                if not isinstance(found, kind):
                    raise TypeError(f"{build!r} built a {type(found).__name__}, not a {kind}")
                self._built[(kind, key)] = found
            return found


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    domains: tuple[DomainManifest, ...]
    #: None: each request's audit events ride on its own transaction (``web.deps``);
    #: set: every event goes to this sink (tests, tools)
    audit_sink: AuditSink | None = None
    services: Services = field(default_factory=Services)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work on the context's database: commit on success, roll back on error
        (what a CLI command or a job opens; a web request has its own, ``web.deps``)."""
        from brokerguard.db.engine import session_scope  # the kernel imports nothing eagerly

        with session_scope(self.session_factory) as session:
            yield session

    @property
    def nav(self) -> tuple[NavItem, ...]:
        """The menu: the domains' entries in the order of :mod:`brokerguard.domains`."""
        return tuple(item for manifest in self.domains for item in manifest.nav)
