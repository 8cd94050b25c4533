"""Which role may send a form: read from the routes themselves (issue 17, item 3).

A page shows a form only when the signed-in role may use it. Rather than a
second list of roles per form that drifts from the routes, the roles are those
the route's :func:`brokerguard.web.deps.require_roles` dependency lets in
(admin always); a route without one lets in every signed-in role.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from weakref import WeakKeyDictionary

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match

from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity

#: roles of a route (``None``: every signed-in role)
RouteRoles = frozenset[Role] | None


def _roles_of(dependant: Dependant) -> RouteRoles:
    found: set[Role] | None = None
    for sub in dependant.dependencies:
        allowed = getattr(sub.call, "allowed_roles", None)
        roles = frozenset(allowed) if allowed is not None else _roles_of(sub)
        if roles is not None:
            found = set(roles) if found is None else found & roles
    return frozenset(found) if found is not None else None


def _flat(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, those of included routers too (FastAPI keeps an included router as one
    entry that holds the original router; the app includes routers without a prefix)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flat(included.routes)
        else:
            yield route


#: per application: (method, path) -> roles, filled as pages ask
_CACHE: WeakKeyDictionary[Starlette, dict[tuple[str, str], RouteRoles | bool]] = WeakKeyDictionary()
MAX_CACHED = 4096


def route_roles(app: Starlette, method: str, path: str) -> RouteRoles | bool:
    """The roles of the route answering ``method path``; ``False`` when no route does."""
    cache = _CACHE.setdefault(app, {})
    key = (method, path)
    if key in cache:
        return cache[key]
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    found: RouteRoles | bool = False
    for route in _flat(app.routes):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            found = _roles_of(route.dependant) if isinstance(route, APIRoute) else None
            break
    if len(cache) < MAX_CACHED:
        cache[key] = found
    return found


def may_send(app: Starlette, staff: StaffIdentity | None, path: str, method: str = "POST") -> bool:
    """Whether ``staff`` may send ``method`` to ``path`` (no route: no)."""
    if staff is None:
        return False
    roles = route_roles(app, method.upper(), path.split("?", 1)[0])
    if isinstance(roles, bool):  # no route answers
        return False
    return roles is None or staff.has_any(*roles)
