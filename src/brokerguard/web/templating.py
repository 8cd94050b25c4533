"""Jinja2 rendering with the request's language, user, CSRF token and navigation.

The shared layout (``base.html``, ``error.html``, the form and register macros)
lives in ``web/templates``; a domain keeps its pages in the templates folder its
manifest names and refers to them as ``<domain>/<page>.html``. They extend
``base.html``. :func:`use_domain_templates` (called by the app factory) puts the
domains' folders behind the shared one in a Jinja ``ChoiceLoader``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from starlette.responses import HTMLResponse

from brokerguard.clock import roc_date, to_taipei
from brokerguard.i18n import Translator, normalise_language
from brokerguard.web.deps import app_context, csrf_token

TEMPLATE_DIR = Path(__file__).with_name("templates")
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def use_domain_templates(folders: Mapping[str, Path]) -> None:
    """``<domain>/<page>.html`` is looked up in that domain's folder, after the shared one."""
    domains = {name: FileSystemLoader(str(folder)) for name, folder in folders.items()}
    templates.env.loader = ChoiceLoader(
        [FileSystemLoader(str(TEMPLATE_DIR)), PrefixLoader(domains)]
    )


def request_language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    default = app_context(request.app).settings.default_language
    return normalise_language(chosen, default)


def format_datetime(value: datetime | None, language: str = "zh-TW") -> str:
    if value is None:
        return "—"
    local = to_taipei(value)
    if language == "zh-TW":
        return f"{roc_date(local.date())} {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def format_date(value: date | datetime | None, language: str = "zh-TW") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_taipei(value).date()
    return roc_date(value) if language == "zh-TW" else value.isoformat()


templates.env.filters["dt"] = format_datetime
templates.env.filters["d"] = format_date


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    language = request_language(request)
    translator = Translator(language)
    built = app_context(request.app)
    data: dict[str, Any] = {
        "request": request,
        "lang": language,
        "_": translator.gettext,
        "pick": translator.pick,
        "csrf_token": csrf_token(request),
        "staff": getattr(request.state, "staff", None),
        "nav": built.nav,
        "settings": built.settings,
    }
    data.update(context or {})
    response = templates.TemplateResponse(request, template, data, status_code=status_code)
    if request.query_params.get("lang"):
        response.set_cookie("lang", language, max_age=365 * 86400, samesite="lax")
    return response
