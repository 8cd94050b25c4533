"""Jinja2 rendering with the request's language, user, CSRF token and navigation.

The shared layout (``base.html``, ``error.html``, the form, table and register macros)
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
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, pass_context
from jinja2.runtime import Context
from starlette.responses import HTMLResponse

from brokerguard.i18n import Translator, normalise_language, pick
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.tabular import Column
from brokerguard.timefmt import format_when
from brokerguard.web.deps import app_context, csrf_token
from brokerguard.web.labels import label_pair
from brokerguard.web.navigation import NavGroup, nav_groups
from brokerguard.web.permissions import may_send
from brokerguard.web.refusals import page_gettext

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


def format_datetime(value: datetime | str | None, language: str = "zh-TW") -> str:
    """A time of day in Taipei time with the zone (the ``dt`` filter)."""
    return format_when(value, language, "minute")


def format_date(value: date | datetime | str | None, language: str = "zh-TW") -> str:
    """A Taipei calendar day (the ``d`` filter)."""
    return format_when(value, language, "date")


def format_datetime_seconds(value: datetime | str | None, language: str = "zh-TW") -> str:
    """To the second (the ``dts`` filter: audit trail, login events)."""
    return format_when(value, language, "second")


@pass_context
def column_header(context: Context, column: Column) -> str:
    """A table column's header in the page's language (zh-TW first, English second)."""
    headers = column.headers
    if not headers:
        return column.name
    english = headers[1] if len(headers) > 1 else column.name.replace("_", " ")
    return pick(context.get("lang", "zh-TW"), headers[0], english[:1].upper() + english[1:])


@pass_context
def options(context: Context, labels: Mapping[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs of a ``{value: (zh, en)}`` mapping in the page's language."""
    language = context.get("lang", "zh-TW")
    return [(value, pick(language, zh, en)) for value, (zh, en) in labels.items()]


@pass_context
def label(context: Context, kind: str, value: str | None) -> str:
    """A coded value's word in the page's language; a value without a label shows as it is
    (the language walk reports it)."""
    pair = label_pair(kind, value)
    if pair is None:
        return "—" if value is None or value == "" else value
    return pick(context.get("lang", "zh-TW"), *pair)


@pass_context
def may(context: Context, *roles: str) -> bool:
    """Whether the signed-in staff member holds one of ``roles`` (admin holds them all)."""
    staff: StaffIdentity | None = context.get("staff")
    return staff is not None and staff.has_any(*(Role(r) for r in roles))


@pass_context
def can(context: Context, path: str, method: str = "POST") -> bool:
    """Whether the signed-in role may send this form (the route's own roles decide)."""
    request: Request = context["request"]
    return may_send(request.app, context.get("staff"), path, method)


def same_site_referer(request: Request) -> str | None:
    """The page the user came from, as a path on this site (never another site)."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if not referer or parts.netloc != request.url.netloc or not parts.path.startswith("/"):
        return None
    if parts.path == request.url.path or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def language_url(request: Request, language: str) -> str:
    """This page in ``language``, its search, filter, sort and page kept."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", language))
    return f"{request.url.path}?{urlencode(query)}"


@pass_context
def menu(context: Context) -> list[NavGroup]:
    """The menu's groups: the pages the signed-in role may open, by article."""
    request: Request = context["request"]
    staff = context.get("staff")
    return nav_groups(
        context.get("nav", ()),
        lambda item: may_send(request.app, staff, item.path, "GET"),
        request.url.path,
    )


templates.env.filters["dt"] = format_datetime
templates.env.filters["d"] = format_date
templates.env.filters["dts"] = format_datetime_seconds
templates.env.globals["column_header"] = column_header
templates.env.globals["language_url"] = language_url
templates.env.globals["options"] = options
templates.env.globals["may"] = may
templates.env.globals["label"] = label
templates.env.globals["can"] = can
templates.env.globals["menu"] = menu


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    language = request_language(request)
    translator = Translator(language)
    built = app_context(request.app)
    data: dict[str, Any] = {
        "request": request,
        "lang": language,
        "_": page_gettext(translator),
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
