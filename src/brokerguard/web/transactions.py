"""Which requests may run in a read-only transaction (SQLite: no write lock).

A request's transaction is read-only when its route answers only ``GET``/``HEAD``
and nothing in its dependency tree declares a write: the request's audit sink
(:func:`brokerguard.web.deps.get_audit_sink`, so every audited read is a writer) or
:func:`declares_writes` for a GET route that writes some other way. Every other
request begins ``IMMEDIATE`` (see :mod:`brokerguard.db.engine`). A read-only
transaction that tries to write is refused by SQLite itself, so a GET route that
forgets to declare its write fails loudly in its tests (and under the fuzzer, which
calls every route) instead of failing now and then under load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from brokerguard.db.engine import read_only

READ_METHODS = frozenset({"GET", "HEAD"})


async def declares_writes() -> None:
    """A marker dependency: this GET route writes to the database."""


_WRITES = "_brokerguard_writes"
"""the route attribute caching whether the route declares a write"""


def _declares_write(dependant: Dependant, writers: tuple[Callable[..., Any], ...]) -> bool:
    if dependant.call in writers:
        return True
    return any(_declares_write(sub, writers) for sub in dependant.dependencies)


def route_is_read_only(route: object, writers: tuple[Callable[..., Any], ...]) -> bool:
    """True for a GET/HEAD route none of whose dependencies is one of ``writers``."""
    if not isinstance(route, APIRoute) or not route.methods or not route.methods <= READ_METHODS:
        return False
    writes: bool | None = getattr(route, _WRITES, None)
    if writes is None:
        writes = _declares_write(route.dependant, (declares_writes, *writers))
        setattr(route, _WRITES, writes)
    return not writes


def request_bind(
    engine: Engine, method: str, route: object, writers: tuple[Callable[..., Any], ...]
) -> Engine:
    """The engine a request's session binds to: read-only for a read-only route."""
    if method in READ_METHODS and route_is_read_only(route, writers):
        return read_only(engine)
    return engine
