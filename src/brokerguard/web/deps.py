"""FastAPI dependencies shared by every domain's ``api.py`` and ``views.py``.

- ``DbSession``: the request's unit of work: one SQLAlchemy session, committed
  (its audit events included) when the handler returns and **before the response
  starts**; rolled back on error. A failed commit is a 503 in the error shape,
  never a 2xx (``Depends(..., scope="function")``: FastAPI runs the dependency's
  exit code before it sends the response, so nothing is sent, streamed or not,
  for work that is not durable).
- ``CurrentStaff``: the signed-in staff member of a live server-side session
  (:mod:`brokerguard.staff.sessions`); unsafe methods also need the CSRF token (form
  field ``csrf_token`` or header ``X-CSRF-Token``), derived from the session with a
  server key and never stored in the cookie.
- ``require_roles(Role.security, ...)``: a dependency that refuses other roles
  (admin passes everywhere; the auditor role only reads).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
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
from brokerguard.keys import load_or_create_secret
from brokerguard.staff.models import StaffSession
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity, get_staff
from brokerguard.staff.sessions import csrf_for, live_session, touch, touch_due
from brokerguard.web.transactions import request_bind

log = logging.getLogger(__name__)
T = TypeVar("T")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the cookie's keys: the staff session token, or a visitor's nonce before sign-in
STAFF_SESSION_KEY = "sid"
PRE_SESSION_KEY = "pre"
#: an e-trading customer's session token on the customer's own pages (``/etrade/my``)
CUSTOMER_SESSION_KEY = "etrade_sid"


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


def has_work(session: Session) -> bool:
    """Whether ending ``session`` needs the database: an open transaction (a read, a
    write, a kept audit event) or objects not yet flushed."""
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


def _commit_and_close(session: Session) -> None:
    try:
        commit_unit_of_work(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _roll_back_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def get_db(request: Request, context: AppCtx) -> AsyncIterator[Session]:
    """The request's session, opened on the event loop (no I/O until first use) and
    ended in the thread pool only when there is something to end: a handler that
    committed its own work (``run_unit_of_work``) costs no second trip to a thread."""
    bind = request_bind(
        context.engine, request.method, request.scope.get("route"), (get_audit_sink,)
    )
    session: Session = context.session_factory(bind=bind)
    try:
        yield session
    except BaseException:
        await _end(session, _roll_back_and_close)
        raise
    await _end(session, _commit_and_close)


async def _end(session: Session, end: Callable[[Session], None]) -> None:
    """End the session in a pool thread when that needs the database, else close it
    here; shielded, so a request cancelled by a client that went away still returns
    its connection."""
    if not has_work(session):
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(end, session, abandon_on_cancel=False)


async def run_unit_of_work(
    session: Session, work: Callable[[], T], *, limiter: anyio.CapacityLimiter | None = None
) -> T:
    """Run ``work`` and commit the request's session in one trip to the thread pool
    (the trip a plain ``def`` handler makes anyway, not one more); a failed commit is
    the same 503 as :func:`get_db`'s, and ``get_db`` rolls back what ``work`` left on
    error. ``limiter`` bounds how many such calls run at once (they wait their turn
    on the event loop, first come first served)."""

    def work_and_commit() -> T:
        result = work()
        commit_unit_of_work(session)
        return result

    return await anyio.to_thread.run_sync(work_and_commit, abandon_on_cancel=False, limiter=limiter)


#: ``scope="function"``: committed after the handler, before the response is sent
DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppClock = Annotated[Clock, Depends(get_clock)]


def request_audit_sink(context: AppContext, session: Session) -> AuditSink:
    """The request's audit sink: events ride on the request's transaction.

    An app built with an explicit ``audit_sink`` (tests, tools) uses that one instead.
    """
    if context.audit_sink is not None:
        return context.audit_sink
    return session_audit_sink(session, context.clock, context.settings.audit)


async def get_audit_sink(context: AppCtx, session: DbSession) -> AuditSink:
    """:func:`request_audit_sink` as a dependency (a route depending on it writes: see
    :mod:`brokerguard.web.transactions`)."""
    return request_audit_sink(context, session)


AppAuditSink = Annotated[AuditSink, Depends(get_audit_sink)]


def _csrf_binding(request: Request, *, create: bool) -> str | None:
    """What the CSRF token is bound to: the staff session token, the customer's session
    token, or before sign-in a random nonce of the visitor's cookie (created on first use)."""
    for key in (STAFF_SESSION_KEY, CUSTOMER_SESSION_KEY):
        sid = request.session.get(key)
        if isinstance(sid, str):
            return sid
    nonce = request.session.get(PRE_SESSION_KEY)
    if not isinstance(nonce, str) and create:
        nonce = request.session[PRE_SESSION_KEY] = secrets.token_urlsafe(16)
    return nonce if isinstance(nonce, str) else None


@dataclass(frozen=True)
class CsrfKey:
    """The server key CSRF tokens are derived with (from the session secret)."""

    value: bytes

    @classmethod
    def load(cls, settings: Settings) -> CsrfKey:
        secret = load_or_create_secret(settings.data_dir, "session-secret", 32)
        return cls(hashlib.sha256(b"brokerguard csrf key\0" + secret).digest())


def _csrf_key(request: Request) -> bytes:
    context = app_context(request.app)
    return context.services.get(CsrfKey, lambda: CsrfKey.load(context.settings)).value


def csrf_token(request: Request) -> str:
    """The CSRF token of the visitor's session: derived from it with the server's key,
    so the cookie does not contain it."""
    binding = _csrf_binding(request, create=True)
    assert binding is not None  # created above
    return csrf_for(_csrf_key(request), binding)


async def verify_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    supplied = request.headers.get("x-csrf-token")
    if supplied is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            supplied = value if isinstance(value, str) else None
    verify_csrf_value(request, supplied)


def verify_csrf_value(request: Request, supplied: str | None) -> None:
    """Check a CSRF token a handler read itself (a form field of a synchronous route)."""
    binding = _csrf_binding(request, create=False)
    expected = csrf_for(_csrf_key(request), binding) if binding else None
    if not expected or not supplied or not hmac.compare_digest(expected, supplied):
        raise PermissionDeniedError("missing or wrong CSRF token", code="csrf_failed")


def _record_activity(context: AppContext, session: Session, clock: Clock, session_id: str) -> None:
    """Reset the idle timeout. A read-only request (SQLite) writes on a connection of
    its own; a failure only shortens the idle window, it never fails the request."""
    if session.get_bind() is context.engine:
        touch(session, clock, session_id)
        return
    try:
        with context.session_factory(bind=context.engine) as own:
            touch(own, clock, session_id)
            own.commit()
    except SQLAlchemyError as error:
        log.warning("staff session activity not recorded: %s", type(error).__name__)


async def current_staff(
    request: Request, context: AppCtx, session: DbSession, clock: AppClock
) -> StaffIdentity:
    """The signed-in staff member of a live server-side session (not revoked, not idle
    for 30 minutes, not past its absolute end), or 401. The session and the user are read
    in the thread pool, never on the event loop; the idle timeout is reset (a second trip,
    at most once a minute) only after the request's CSRF token is checked."""
    session_id = request.session.get(STAFF_SESSION_KEY)

    def signed_in() -> tuple[StaffSession | None, StaffIdentity | None]:
        row = live_session(session, clock, session_id)
        return row, (get_staff(session, row.user_id) if row is not None else None)

    row, user = await anyio.to_thread.run_sync(signed_in)
    if row is None or user is None:
        raise AuthenticationError("sign in first")
    await verify_csrf(request)
    if touch_due(row, clock):
        await anyio.to_thread.run_sync(_record_activity, context, session, clock, row.id)
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
    """The units that keep the firm's records: security and compliance (admin always).

    Least privilege (issue 13): the app team does not decide video-ID sessions or edit
    the IoT, training, social, device, phishing or findings records; it writes through
    :func:`require_writer_or_app_team` only where its own work is the record.
    """
    return require_roles(Role.security, Role.compliance)


def require_writer_or_app_team() -> Callable[..., StaffIdentity]:
    """Security, compliance and the app team: evidence uploads, policy drafts and
    assessment runs (docs/ui.md, "Who may do what"); the mobile domain names its own."""
    return require_roles(Role.security, Role.compliance, Role.app_team)
