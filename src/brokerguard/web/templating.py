"""Jinja2 rendering with the request's language, user, CSRF token and navigation.

Every template lives under ``web/templates``; a domain keeps its pages in
``web/templates/<domain>/`` and extends ``base.html``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from brokerguard.i18n import Translator, normalise_language
from brokerguard.plugins import NavItem
from brokerguard.timefmt import format_when
from brokerguard.web.deps import csrf_token

TEMPLATE_DIR = Path(__file__).with_name("templates")
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def request_language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    default = request.app.state.settings.default_language
    return normalise_language(chosen, default)


def format_datetime(value: datetime | str | None, language: str = "zh-TW") -> str:
    """A time of day in Taipei time with the zone (the ``dt`` filter)."""
    return format_when(value, language, "minute")


def format_date(value: date | datetime | str | None, language: str = "zh-TW") -> str:
    """A Taipei calendar day (the ``d`` filter)."""
    return format_when(value, language, "date")


def format_datetime_seconds(value: datetime | str | None, language: str = "zh-TW") -> str:
    """To the second (the ``dts`` filter: audit trail, login events)."""
    return format_when(value, language, "second")


templates.env.filters["dt"] = format_datetime
templates.env.filters["d"] = format_date
templates.env.filters["dts"] = format_datetime_seconds
templates.env.globals["template_dir"] = str(TEMPLATE_DIR)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    language = request_language(request)
    translator = Translator(language)
    nav: list[NavItem] = request.app.state.nav
    data: dict[str, Any] = {
        "request": request,
        "lang": language,
        "_": translator.gettext,
        "pick": translator.pick,
        "csrf_token": csrf_token(request),
        "staff": getattr(request.state, "staff", None),
        "nav": nav,
        "settings": request.app.state.settings,
    }
    data.update(context or {})
    response = templates.TemplateResponse(request, template, data, status_code=status_code)
    if request.query_params.get("lang"):
        response.set_cookie("lang", language, max_age=365 * 86400, samesite="lax")
    return response
