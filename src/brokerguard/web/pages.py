"""Core pages: staff sign-in and sign-out, the home redirect."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from brokerguard.errors import AuthenticationError
from brokerguard.kernel.context import AppContext
from brokerguard.staff.login import StaffLoginGuard
from brokerguard.staff.service import authenticate_staff, staff_hashing
from brokerguard.staff.sessions import end_session, open_session
from brokerguard.web.deps import (
    STAFF_SESSION_KEY,
    AppClock,
    AppCtx,
    CurrentStaff,
    DbSession,
    commit_unit_of_work,
    csrf_token,
    verify_csrf,
)
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return "/dashboard"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/dashboard"
    return target


def _login_guard(context: AppContext) -> StaffLoginGuard:
    """The process's staff sign-in guard (its rate-limit counters live as long as it)."""
    return context.services.get(StaffLoginGuard, lambda: StaffLoginGuard.build(context.settings))


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    csrf_token(request)
    return render(request, "login.html", {"next": _safe_next(next), "username": "", "error": None})


@router.post("/login")
async def login_submit(
    request: Request,
    session: DbSession,
    clock: AppClock,
    app_ctx: AppCtx,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/dashboard",
) -> Response:
    context = {"next": _safe_next(next), "username": username}
    try:
        await verify_csrf(request)
    except Exception:
        return render(request, "login.html", {**context, "error": "expired"}, status_code=400)
    guard = _login_guard(app_ctx)
    if not guard.limiter.allow(request.client.host if request.client else None, username):
        return render(request, "login.html", {**context, "error": "rate_limited"}, status_code=429)
    authenticate = partial(
        authenticate_staff,
        session,
        clock,
        username.strip(),
        password,
        lock_threshold=guard.settings.lock_threshold,
        lock_period=guard.lock_period,
        hashing=staff_hashing(guard.settings),
    )
    source_ip = request.client.host if request.client else ""

    def sign_in() -> str:
        """The check (argon2) and the new session in one trip to the bounded pool."""
        try:
            user = authenticate()
        except AuthenticationError:
            commit_unit_of_work(session)  # keep the failure count
            raise
        return open_session(
            session, clock, user.id, max_age_s=app_ctx.settings.session_max_age_s,
            source_ip=source_ip,
        )  # fmt: skip

    try:  # argon2 in a bounded thread pool, never on the event loop
        token = await anyio.to_thread.run_sync(sign_in, limiter=guard.workers)
    except AuthenticationError:
        return render(request, "login.html", {**context, "error": "wrong"}, status_code=401)
    request.session.clear()  # a new session (and CSRF token): no fixation
    request.session[STAFF_SESSION_KEY] = token
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request, session: DbSession, clock: AppClock) -> RedirectResponse:
    """End the session on the server (a copy of the cookie no longer works)."""
    await verify_csrf(request)
    await anyio.to_thread.run_sync(
        end_session, session, clock, request.session.get(STAFF_SESSION_KEY)
    )
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/api/v1/me", include_in_schema=True, tags=["staff"])
def whoami(user: CurrentStaff) -> dict[str, object]:
    """The signed-in staff member and their roles."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "unit": user.unit,
        "roles": sorted(r.value for r in user.roles),
    }
