"""One analysis of each route's dependencies per test process, shared by every test app.

FastAPI analyses a route when an app first routes a request through it: the endpoint's
signature, its dependencies (recursively), the body model, the response model. An app
does it once per process in production; the tests build a fresh app for nearly every
test, and that analysis was most of the CPU of a test's first request (0.6 s, against
4 ms a request after it). The analysis is a function of the route alone (its endpoint,
path and dependencies), not of the app: here it is memoized per endpoint object, so
each app pays only its own routing table. The endpoints are made once per process (at
import, the register kit's too); the few made per app (``create_app``'s ``healthz``)
add a small entry each, up to :data:`MAX_ANALYSES`, after which new ones are analysed
afresh and not kept.

What stays per app: the routing table and each route's request handler, which looks
up the app's ``dependency_overrides`` at request time (tests/web/test_route_analysis.py
proves both). Nothing mutates a dependant, body field or response field after FastAPI
built it. On a FastAPI without these internals nothing is patched: each app analyses
its routes again, slower but the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import fastapi.routing

#: the internals memoized, by their name in ``fastapi.routing``
NAMES = (
    "_build_dependant_with_parameterless_dependencies",
    "_get_body_field",
    "create_model_field",
)
#: analyses kept per process (the app has ~560 routes; the rest is per-app endpoints)
MAX_ANALYSES = 4096


class RouteAnalysis:
    """The memoized analysis of one process (its caches live as long as it)."""

    def __init__(self, build: Any, body_field: Any, model_field: Any) -> None:
        self._build = build
        self._body_field = body_field
        self._model_field = model_field
        self._dependants: dict[tuple[object, ...], tuple[Any, list[Any], bool]] = {}
        #: the body-parameter lists of memoized dependants, by id (kept alive here, so
        #: an id names one list for the life of the process)
        self._body_lists: dict[int, list[Any]] = {}
        self._bodies: dict[tuple[object, ...], Any] = {}
        self._fields: dict[tuple[object, ...], Any] = {}

    @property
    def routes_analysed(self) -> int:
        """How many (path, endpoint, dependencies) analyses this process keeps."""
        return len(self._dependants)

    def build_dependant(
        self, *, path: str, call: Callable[..., Any], dependencies: Sequence[Any]
    ) -> tuple[Any, list[Any], bool]:
        key = (path, call, tuple(dependencies))
        found = self._dependants.get(key)
        if found is None:
            found = self._build(path=path, call=call, dependencies=dependencies)
            if len(self._dependants) < MAX_ANALYSES:
                self._dependants[key] = found
                self._body_lists[id(found[1])] = found[1]
        return found

    def body_field(self, *, body_params: list[Any], name: str, embed_body_fields: bool) -> Any:
        if self._body_lists.get(id(body_params)) is not body_params:
            return self._body_field(
                body_params=body_params, name=name, embed_body_fields=embed_body_fields
            )
        key = (id(body_params), name, embed_body_fields)
        if key not in self._bodies:
            self._bodies[key] = self._body_field(
                body_params=body_params, name=name, embed_body_fields=embed_body_fields
            )
        return self._bodies[key]

    def model_field(self, name: str, type_: Any, *args: Any, **kwargs: Any) -> Any:
        mode = kwargs.get("mode", "validation")
        key = (name, type_, mode)
        try:
            hash(key)
        except TypeError:
            return self._model_field(name, type_, *args, **kwargs)
        if args or set(kwargs) - {"mode"}:
            return self._model_field(name, type_, *args, **kwargs)
        if key not in self._fields:
            self._fields[key] = self._model_field(name, type_, mode=mode)
        return self._fields[key]


def share_route_analysis() -> RouteAnalysis | None:
    """Memoize FastAPI's per-route analysis in this process; None if this FastAPI does
    not have the internals (then nothing is changed)."""
    found = [getattr(fastapi.routing, name, None) for name in NAMES]
    if any(not callable(item) for item in found):
        return None
    current = getattr(found[0], "__self__", None)
    if isinstance(current, RouteAnalysis):
        return current  # already shared
    analysis = RouteAnalysis(*found)
    replacements = (analysis.build_dependant, analysis.body_field, analysis.model_field)
    for name, replacement in zip(NAMES, replacements, strict=True):
        setattr(fastapi.routing, name, replacement)
    return analysis
