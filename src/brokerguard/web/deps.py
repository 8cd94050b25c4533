"""FastAPI dependencies shared by every domain's ``api.py`` and ``views.py``.

- ``DbSession``: the request's unit of work: one SQLAlchemy session, committed
  (its audit events included) when the handler returns and **before the response
  starts**; rolled back on error. A failed commit is a 503 in the error shape,
  never a 2xx (``Depends(..., scope="function")``: FastAPI runs the dependency's
  exit code before it sends the response, so nothing is sent, streamed or not,
  for work that is not durable).
- ``CurrentStaff``: the signed-in staff member; unsafe methods also need the
  CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
- ``require_roles(Role.security, ...)``: a dependency that refuses other roles
  (admin passes everywhere; the auditor role only reads).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from brokerguard.audit.sink import session_audit_sink
from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ServiceUnavailableError,
)
from brokerguard.kernel.audit import AuditSink
from brokerguard.kernel.context import AppContext
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity, get_staff
from brokerguard.web.transactions import request_bind

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_SESSION_KEY = "csrf"


def set_context(app: FastAPI, context: AppContext) -> None:
    """The app factory's one write: the context every dependency below reads."""
    app.state.context = context


def app_context(app: FastAPI) -> AppContext:
    """The context the app was built with (the only reader of ``app.state``)."""
    context = app.state.context
    if not isinstance(context, AppContext):
        raise TypeError("the app was not built by brokerguard.web.app.create_app")
    return context


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency
# in the thread pool, a hop that costs more than the work.
async def get_context(request: Request) -> AppContext:
    return app_context(request.app)


AppCtx = Annotated[AppContext, Depends(get_context)]


async def get_settings(context: AppCtx) -> Settings:
    return context.settings


async def get_clock(context: AppCtx) -> Clock:
    return context.clock


def commit_unit_of_work(session: Session) -> None:
    """Commit the request's work and its audit batch, or refuse the answer (503).

    The audit sink appends at commit and raises :class:`ServiceUnavailableError`
    itself; any other database error of the commit (a lock that does not clear, a
    lost connection) is turned into the same 503, never into a 500 or a 2xx.
    """
    try:
        session.commit()
    except SQLAlchemyError as error:
        log.error("the request's unit of work did not commit: %s", type(error).__name__)
        raise ServiceUnavailableError(
            "the change could not be saved; nothing was changed: try again"
        ) from None


def get_db(request: Request, context: AppCtx) -> Iterator[Session]:
    bind = request_bind(
        context.engine, request.method, request.scope.get("route"), (get_audit_sink,)
    )
    session: Session = context.session_factory(bind=bind)
    try:
        yield session
        commit_unit_of_work(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


#: ``scope="function"``: committed after the handler, before the response is sent
DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppClock = Annotated[Clock, Depends(get_clock)]


async def get_audit_sink(context: AppCtx, session: DbSession, clock: AppClock) -> AuditSink:
    """The request's audit sink: events ride on the request's transaction.

    An app built with an explicit ``audit_sink`` (tests, tools) uses that one instead.
    """
    if context.audit_sink is not None:
        return context.audit_sink
    return session_audit_sink(session, clock, context.settings.audit)


AppAuditSink = Annotated[AuditSink, Depends(get_audit_sink)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def verify_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(CSRF_SESSION_KEY)
    supplied = request.headers.get("x-csrf-token")
    if supplied is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            supplied = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not supplied or not hmac.compare_digest(expected, supplied):
        raise PermissionDeniedError("missing or wrong CSRF token", code="csrf_failed")


async def current_staff(request: Request, session: DbSession) -> StaffIdentity:
    user_id = request.session.get("staff_id")
    user = get_staff(session, user_id) if isinstance(user_id, str) else None
    if user is None:
        raise AuthenticationError("sign in first")
    await verify_csrf(request)
    request.state.staff = user
    return user


CurrentStaff = Annotated[StaffIdentity, Depends(current_staff)]


def require_roles(*roles: Role) -> Callable[..., StaffIdentity]:
    """Allow only staff holding one of ``roles`` (admin always passes)."""

    def dependency(user: CurrentStaff) -> StaffIdentity:
        if not user.has_any(*roles):
            raise PermissionDeniedError("your role may not do this")
        return user

    dependency.allowed_roles = roles  # type: ignore[attr-defined]  # read by web.permissions
    return dependency


def require_writer() -> Callable[..., StaffIdentity]:
    """Any role but the read-only auditor."""
    return require_roles(Role.security, Role.compliance, Role.app_team)
