"""The FastAPI application factory.

Routers, menu entries and page templates come from the domain manifests
(:mod:`brokerguard.domains`, :mod:`brokerguard.kernel.manifest`). The process keeps no
state of its own beyond settings: staff sessions are rows in the database (the signed
cookie carries only their token), like everything else, so several processes can run
behind a load balancer.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from brokerguard import __version__
from brokerguard.clock import Clock, SystemClock
from brokerguard.config import Environment, Settings, get_settings
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.domains import all_domains, validate
from brokerguard.errors import (
    AuthenticationError,
    BrokerguardError,
    ServiceUnavailableError,
    ValidationError,
)
from brokerguard.kernel.audit import AuditSink
from brokerguard.kernel.context import AppContext
from brokerguard.kernel.manifest import Closable, DomainManifest
from brokerguard.keys import load_or_create_secret
from brokerguard.web.deps import set_context
from brokerguard.web.openapi import truthful_openapi
from brokerguard.web.security import SecurityHeadersMiddleware
from brokerguard.web.templating import render, same_site_referer, use_domain_templates
from brokerguard.web.textguard import refuse_unsafe_text

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).with_name("static")
#: a database that is locked, gone or out of space: 503, never a 500 or a dropped connection
DATABASE_UNAVAILABLE = (OperationalError, sqlite3.OperationalError, psycopg.OperationalError)
SESSION_COOKIE = "bg_session"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


#: what a browser is told when the form parser refuses a form (Starlette words it in English)
UNREADABLE_FORM = (
    "The form could not be read: a field is larger than 1 MB, or it has too many fields or "
    "files. Nothing was saved."
)

#: APIs whose interface contract answers errors with the code itself in ``error``
#: (issue 4: ``{"error": "invalid_credentials"}``); details stand beside it.
FLAT_ERROR_PREFIXES = ("/api/v1/etrade",)


def json_error(request: Request, status: int, details: dict[str, Any]) -> JSONResponse:
    """``{"error": {"code", "message", ...}}``, or ``{"error": code, "message", ...}``
    on the APIs listed in :data:`FLAT_ERROR_PREFIXES`."""
    if request.url.path.startswith(FLAT_ERROR_PREFIXES):
        flat = {key: value for key, value in details.items() if key != "code"}
        return JSONResponse({"error": details["code"], **flat}, status_code=status)
    return JSONResponse({"error": details}, status_code=status)


def _error_response(request: Request, error: BrokerguardError) -> Response:
    if _wants_html(request):
        if isinstance(error, AuthenticationError):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        context = {"error": error, "back": same_site_referer(request)}
        return render(request, "error.html", context, status_code=error.status_code)
    return json_error(request, error.status_code, dict(error.to_dict()))


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    audit_sink: AuditSink | None = None,
    domains: Sequence[DomainManifest] | None = None,
) -> FastAPI:
    """The app of the given domains (all of :mod:`brokerguard.domains` by default);
    a wrong manifest raises :class:`~brokerguard.kernel.manifest.ManifestError`."""
    manifests = all_domains() if domains is None else validate(tuple(domains))
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    services: list[Closable] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for service in services:
            service.close()

    app = FastAPI(
        lifespan=lifespan,
        title="brokerguard",
        version=__version__,
        description="新興科技資通安全自律規範 compliance platform: e-trading login, audit trail, "
        "phishing and app controls, rulebook, assessment and evidence.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by web.apidocs from local files (CSP: no CDN, no inline script)
        redoc_url=None,
        #: the text policy for query, path and form values (JSON bodies: their schemas)
        dependencies=[Depends(refuse_unsafe_text)],
    )
    context = AppContext(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        session_factory=session_factory(engine),
        domains=manifests,
        audit_sink=audit_sink,
    )
    set_context(app, context)
    app.state.web_services = {}  # by name: what runs beside the requests (tools and tests)
    for manifest in manifests:
        for web_service in manifest.web_services:
            started = web_service.start(context)
            if started is not None:
                services.append(started)
                app.state.web_services[web_service.name] = started

    secret = load_or_create_secret(settings.data_dir, "session-secret", 32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret.hex(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="strict",
        https_only=settings.cookies_secure,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.env is Environment.production)

    @app.exception_handler(BrokerguardError)
    async def _brokerguard_error(request: Request, exc: BrokerguardError) -> Response:
        return _error_response(request, exc)

    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        log.error("database unavailable during %s: %s", request.url.path, type(exc).__name__)
        error = ServiceUnavailableError("the database is busy or unreachable: try again")
        return _error_response(request, error)

    for database_error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(database_error, _database_unavailable)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for item in exc.errors():
            location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
            problems.append({"field": location, "message": str(item.get("msg", "invalid"))})
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        details = {
            "code": "invalid_input",
            "message": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "problems": problems,
        }
        if _wants_html(request):  # a browser's form: the error page, not JSON
            refused = ValidationError(str(details["message"]), field=first["field"] or None)
            return _error_response(request, refused)
        return json_error(request, 422, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            error: BrokerguardError = BrokerguardError("Page not found.", code="not_found")
            error.status_code = 404
            return _error_response(request, error)
        code = {405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        if _wants_html(request):  # a browser's form: the error page, not JSON
            message = str(exc.detail)
            if exc.status_code == 400 and request.method == "POST":  # the form parser's refusal
                message = UNREADABLE_FORM
            failed = BrokerguardError(message, code=code)
            failed.status_code = exc.status_code
            return _error_response(request, failed)
        return json_error(request, exc.status_code, {"code": code, "message": str(exc.detail)})

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    for manifest in manifests:
        for router in manifest.api_routers + manifest.page_routers:
            app.include_router(router)
    use_domain_templates({m.name: m.templates for m in manifests if m.templates is not None})
    from brokerguard.web import apidocs, pages

    app.include_router(pages.router)
    app.include_router(apidocs.router)
    app.openapi = lambda: truthful_openapi(app, FLAT_ERROR_PREFIXES)  # type: ignore[method-assign]

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
