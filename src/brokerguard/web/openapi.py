"""An OpenAPI document that tells the truth about the JSON API.

FastAPI declares each operation's success code and a 422 in its own shape. The API
answers more than that, always in the error shape ``{"error": {"code", "message",
"field"}}`` (the e-trading API: ``{"error": code, "message", "field"}``), so
:func:`truthful_openapi` adds to each operation every status code it can answer, from
what the route declares:

- every operation: 404 (a record or reference it looks up is missing), 422 (a value
  breaking a schema, the text policy or strict types) and 503 (the database is busy);
- every operation but :data:`PUBLIC_OPERATIONS`: 401; with a role or as a write (the
  CSRF token, the API key's system): 403;
- a body: 400 (not UTF-8 JSON, or an unreadable form); an upload: 413 and 415;
- a write (POST, PUT, PATCH, DELETE): 409 (a duplicate or a state that forbids it);
- the e-trading API: 423 (locked) and 429 (rate limited);

and replaces the JSON success body of downloads with their real media types
(:data:`DOWNLOADS`). The same document is served at ``/api/v1/openapi.json`` and
``/openapi.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from brokerguard.tabular import MEDIA_TYPES

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable machine code"},
                "message": {"type": "string", "description": "what is wrong, for people"},
                "field": {"type": "string", "description": "the input at fault"},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
FLAT_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FlatError",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "stable machine code"},
        "message": {"type": "string"},
        "field": {"type": "string"},
    },
}
ERROR_DESCRIPTIONS = {
    400: "The form or multipart body cannot be read.",
    401: "Not signed in, or the session or token is not valid.",
    403: "The role may not do this, or the CSRF token is missing or wrong.",
    404: "The record or a reference it names does not exist.",
    409: "A duplicate, or the record's state does not allow this.",
    413: "The upload is larger than the limit.",
    415: "The file type is not accepted.",
    422: "Input that breaks a rule: the field and the reason are named.",
    423: "The account is locked.",
    429: "Too many attempts: try again later.",
    503: "The database is busy or unreachable: try again.",
}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
#: the operations anyone may call: no session, token or API key (everything else: 401)
PUBLIC_OPERATIONS = frozenset(
    {
        ("get", "/api/v1/audit/public-key"),
        ("get", "/api/v1/phishing/public/banner"),
        ("get", "/api/v1/phishing/public/inapp-feed"),
    }
)
#: codes a route answers that its declaration does not show (it reads the raw body)
EXTRA_ERRORS: dict[tuple[str, str], set[int]] = {("post", "/api/v1/audit/events"): {413}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_TEXT = {"schema": {"type": "string"}}
_TABLE = {MEDIA_TYPES["csv"].split(";")[0]: _TEXT, MEDIA_TYPES["xlsx"]: _BINARY}
#: operations whose success body is not JSON: (method, path pattern) -> media types
DOWNLOADS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", r"/api/v1/.+/export"): _TABLE,
    ("get", r"/api/v1/evidence/\{evidence_id\}/content"): {"*/*": _BINARY},
    ("get", r"/api/v1/mobile/listing\.html"): {"text/html": _TEXT},
    ("get", r"/api/v1/rulebook/policy-templates/\{name\}"): {"text/plain": _TEXT},
}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _error_codes(route: APIRoute, method: str, path: str, flat: bool) -> set[int]:
    codes = {404, 422, 503}  # any lookup may miss; any request may break a rule; the database
    calls = set(_calls(route.dependant))
    if (method, path) not in PUBLIC_OPERATIONS:
        codes.add(401)
        roles = any(getattr(call, "__qualname__", "").startswith("require_roles") for call in calls)
        if roles or method in WRITE_METHODS:  # writes check the session's CSRF token
            codes.add(403)
    body_params = route.dependant.body_params
    if body_params:
        codes.add(400)  # a body that is not UTF-8 JSON, or an unreadable form
    if method in WRITE_METHODS:
        codes.add(409)
    if any(type(p.field_info).__name__ == "File" for p in body_params):
        codes.update({413, 415})
    if flat:
        codes.update({423, 429})
    return codes | EXTRA_ERRORS.get((method, path), set())


def _download_media(method: str, path: str) -> dict[str, Any] | None:
    for (wanted, pattern), media in DOWNLOADS.items():
        if wanted == method and re.fullmatch(pattern, path):
            return media
    return None


def _operations(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path:
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", context.path)
            for method in route.methods or ():
                yield method.lower(), path, route


def truthful_openapi(app: FastAPI, flat_error_prefixes: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI document of ``app`` with every error code and real media types;
    operations under ``flat_error_prefixes`` answer errors in the flat shape."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["FlatError"] = FLAT_ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for method, path, route in _operations(app):
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        flat = path.startswith(flat_error_prefixes)
        error_ref = {"$ref": "#/components/schemas/" + ("FlatError" if flat else "Error")}
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for code in sorted(_error_codes(route, method, path, flat)):
            responses[str(code)] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": error_ref}},
            }
        media = _download_media(method, path)
        if media is not None:
            for status, response in responses.items():
                if status.startswith("2"):
                    response["content"] = media
    app.openapi_schema = document
    return document
