"""The e-trading customer's own security pages (``/etrade/my``, issue 13).

A customer signs in with the password and a TOTP code, then lists and ends their
sessions, changes the password, enrols a TOTP authenticator or removes a factor. The
credential changes need the same step-up as the JSON API (the password and a code of
an already enrolled authenticator, within ``step_up_ttl_s``): the pages call the same
services, so the rules cannot drift apart. Every form carries the CSRF token, bound
to the customer's session after sign-in. The browser offers the TOTP factor only;
device keys, certificates and biometrics are enrolled from the firm's app (the API).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from brokerguard.auth.api import Credentials, Login, Meta
from brokerguard.auth.customer_sessions import live_sessions
from brokerguard.auth.errors import InvalidSessionError
from brokerguard.auth.factor_totp import TotpEnrolment
from brokerguard.auth.lifecycle import factors_of
from brokerguard.auth.login import LoginService
from brokerguard.auth.models import EtradeCustomer, EtradeSession
from brokerguard.clock import as_utc
from brokerguard.errors import BrokerguardError, NotFoundError
from brokerguard.web.deps import (
    CUSTOMER_SESSION_KEY,
    PRE_SESSION_KEY,
    AppClock,
    verify_csrf_value,
)
from brokerguard.web.templating import render

router = APIRouter(prefix="/etrade/my", include_in_schema=False)

#: the login token between the password and the code (never a session)
LOGIN_KEY = "etrade_login"
HOME = "/etrade/my"
SIGN_IN = "/etrade/my/login"
Csrf = Annotated[str, Form(max_length=256)]
Text = Annotated[str, Form(max_length=4096)]

#: error codes as the customer reads them (English msgids, zh-TW in the catalogue)
MESSAGES = {
    "csrf_failed": "The form expired; please try again.",
    "invalid_credentials": "Wrong account or password.",
    "invalid_password": "Wrong account or password.",
    "locked": "The account is locked after too many wrong passwords: reset the password "
    "or ask the firm to unlock it.",
    "rate_limited": "Too many attempts; wait a minute and try again.",
    "invalid_login_token": "The sign-in expired; please start again.",
    "step_up_required": "Confirm it is you first: your password and a code from your "
    "authenticator app.",
    "weak_password": "The new password does not meet the password rules.",
    "password_reused": "Choose a password you have not used recently.",
    "not_found": "No such session or factor of yours.",
    "conflict": "That factor cannot be changed now.",
    "password_change_required": "Change your password first.",
}
#: a rejected factor's reasons all read the same to the customer (no oracle)
CODE_REFUSED = "The code was not accepted; wait for the next code and try again."
REFUSED = "The request was refused."
#: what a finished change says (``?done=``)
DONE = {
    "password": "Your password was changed; your other sessions were ended.",
    "session": "The session was ended.",
    "step_up": "Confirmed: for a few minutes you may change your password and factors.",
    "totp": "The authenticator app is enrolled.",
    "removed": "The factor was removed.",
}


def message_for(error: BrokerguardError) -> str:
    """What the page says for ``error``: a catalogued sentence, never the service's text."""
    if error.code in MESSAGES:
        return MESSAGES[error.code]
    if error.status_code == 401:
        return CODE_REFUSED
    return REFUSED


def _totp(login_token: str, code: str) -> SimpleNamespace:
    """A TOTP submission as the factor reads it (a code typed in a form, at most 16
    characters; anything else simply fails the code check)."""
    return SimpleNamespace(type="totp", login_token=login_token, code=code[:16])


def _token(request: Request) -> str | None:
    value = request.session.get(CUSTOMER_SESSION_KEY)
    return value if isinstance(value, str) else None


def _signed_in(
    request: Request, service: LoginService
) -> tuple[str, EtradeSession, EtradeCustomer]:
    """The session token, live session and customer of this browser (a due password
    change still lets them in: this page is where they change it)."""
    token = _token(request)
    if token is None:
        raise InvalidSessionError()
    try:
        row, customer = service.load_session(token, for_password_change=True)
    except InvalidSessionError:
        request.session.pop(CUSTOMER_SESSION_KEY, None)
        raise
    return token, row, customer


def _home_page(
    request: Request,
    service: LoginService,
    row: EtradeSession,
    customer: EtradeCustomer,
    *,
    error: BrokerguardError | None = None,
    enrolment: TotpEnrolment | None = None,
    done: str = "",
) -> Response:
    clock = service.clock
    stepped_until = None
    if row.stepped_up_at is not None:
        until = as_utc(row.stepped_up_at) + timedelta(seconds=service.auth.step_up_ttl_s)
        stepped_until = until if until > clock.now() else None
    context = {
        "customer": customer,
        "sessions": live_sessions(service.session, clock, customer.id, row.id),
        "factors": [f for f in factors_of(service.session, customer.id) if f.status != "revoked"],
        "stepped_until": stepped_until,
        "error": message_for(error) if error is not None else None,
        "done": DONE.get(done),
        "enrolment": enrolment,
    }
    status = error.status_code if error is not None else 200
    return render(request, "auth/my_security.html", context, status_code=status)


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse(SIGN_IN, status_code=303)


def _done(what: str) -> RedirectResponse:
    return RedirectResponse(f"{HOME}?done={what}", status_code=303)


@dataclass(frozen=True)
class SignedIn:
    """The customer behind this browser: session token, live session, customer."""

    token: str
    row: EtradeSession
    customer: EtradeCustomer


def _signed_in_form(
    request: Request,
    service: LoginService,
    csrf_token: str,
    act: Callable[[SignedIn], Response],
    *,
    stepped_up: bool = False,
) -> Response:
    """What every form of the security page does: no live session goes to the sign-in;
    then the CSRF token, with ``stepped_up`` a fresh step-up (a due password change
    refuses too), then ``act``; a refusal shows the page again with its message."""
    try:
        token, row, customer = _signed_in(request, service)
    except InvalidSessionError:
        return _to_sign_in()
    try:
        verify_csrf_value(request, csrf_token)
        if stepped_up:
            service.load_stepped_up_session(token)
        return act(SignedIn(token, row, customer))
    except BrokerguardError as error:
        return _home_page(request, service, row, customer, error=error)


# -- sign-in --------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "auth/my_login.html", {"step": "password", "account": "", "error": None})


@router.post("/login")
def login_password(
    request: Request,
    service: Login,
    meta: Meta,
    csrf_token: Csrf = "",
    account: Annotated[str, Form(max_length=256)] = "",
    password: Text = "",
) -> Response:
    """The password step: the same rate limits and lock counter as the API."""
    try:
        verify_csrf_value(request, csrf_token)
        started = service.start_login(account.strip(), password, meta)
    except BrokerguardError as error:
        context = {"step": "password", "account": account[:64], "error": message_for(error)}
        return render(request, "auth/my_login.html", context, status_code=error.status_code)
    request.session[LOGIN_KEY] = started.login_token
    return RedirectResponse(f"{SIGN_IN}/code", status_code=303)


@router.get("/login/code")
def login_code_form(request: Request) -> Response:
    if not isinstance(request.session.get(LOGIN_KEY), str):
        return _to_sign_in()
    return render(request, "auth/my_login.html", {"step": "code", "account": "", "error": None})


@router.post("/login/code")
def login_code(
    request: Request, service: Login, meta: Meta, csrf_token: Csrf = "", code: Text = ""
) -> Response:
    """The TOTP step; a session is issued once the firm's policy is met."""
    login_token = request.session.get(LOGIN_KEY)
    if not isinstance(login_token, str):
        return _to_sign_in()
    try:
        verify_csrf_value(request, csrf_token)
        submission = _totp(login_token, code)
        accepted = service.submit_factor(login_token, submission, meta)
    except BrokerguardError as error:
        if error.code == "invalid_login_token":
            request.session.pop(LOGIN_KEY, None)
        context = {"step": "code", "account": "", "error": message_for(error)}
        return render(request, "auth/my_login.html", context, status_code=error.status_code)
    if accepted.session_token is None:  # the firm wants another factor: only the app has it
        context = {"step": "code", "account": "", "error": REFUSED}
        return render(request, "auth/my_login.html", context, status_code=403)
    request.session.pop(LOGIN_KEY, None)
    request.session.pop(PRE_SESSION_KEY, None)  # a new CSRF binding: the session's own
    request.session[CUSTOMER_SESSION_KEY] = accepted.session_token
    return RedirectResponse(HOME, status_code=303)


@router.post("/logout")
def logout(request: Request, service: Login, meta: Meta, csrf_token: Csrf = "") -> Response:
    token = _token(request)
    try:
        verify_csrf_value(request, csrf_token)
    except BrokerguardError:
        return _to_sign_in()
    if token is not None:
        with suppress(InvalidSessionError):  # already ended: the browser forgets it anyway
            service.revoke_session(token, meta)
    request.session.pop(CUSTOMER_SESSION_KEY, None)
    return _to_sign_in()


# -- the security page ----------------------------------------------------------
@router.get("")
def home(request: Request, service: Login, done: str = "") -> Response:
    try:
        _, row, customer = _signed_in(request, service)
    except InvalidSessionError:
        return _to_sign_in()
    return _home_page(request, service, row, customer, done=done[:16])


@router.post("/step-up")
def step_up(
    request: Request,
    service: Login,
    meta: Meta,
    csrf_token: Csrf = "",
    password: Text = "",
    code: Text = "",
) -> Response:
    """The password (counted on the lock counter) and a TOTP code, in one form."""

    def act(me: SignedIn) -> Response:
        started = service.start_login(me.customer.account, password, meta, purpose="stepup")
        submission = _totp(started.login_token, code)
        service.complete_step_up(me.token, started.login_token, submission, meta)
        return _done("step_up")

    return _signed_in_form(request, service, csrf_token, act)


@router.post("/sessions/{session_id}/revoke")
def revoke_session(
    request: Request,
    session_id: str,
    service: Login,
    meta: Meta,
    clock: AppClock,
    csrf_token: Csrf = "",
) -> Response:
    """End one of the customer's own sessions (another customer's reads as not found)."""

    def act(me: SignedIn) -> Response:
        target = service.session.get(EtradeSession, session_id[:36])
        if target is None or target.customer_id != me.customer.id or target.revoked_at is not None:
            raise NotFoundError("no such live session of yours", field="session_id")
        target.revoked_at = clock.now()
        service.note_session_revoked(me.customer, target, meta)
        if target.id == me.row.id:
            request.session.pop(CUSTOMER_SESSION_KEY, None)
            return _to_sign_in()
        return _done("session")

    return _signed_in_form(request, service, csrf_token, act)


@router.post("/password")
def change_password(
    request: Request,
    service: Login,
    creds: Credentials,
    meta: Meta,
    csrf_token: Csrf = "",
    current_password: Text = "",
    new_password: Text = "",
) -> Response:
    """A fresh step-up, the current password (counted), the policy, no reuse; every
    other session ends and the customer is notified (as ``/password/change``)."""

    def act(me: SignedIn) -> Response:
        stepped, _ = service.load_stepped_up_session(me.token, for_password_change=True)
        creds.change_password(
            me.customer, current_password, new_password, meta, keep_session=stepped.id
        )
        return _done("password")

    return _signed_in_form(request, service, csrf_token, act)


@router.post("/totp")
def enrol_totp(
    request: Request, service: Login, creds: Credentials, meta: Meta, csrf_token: Csrf = ""
) -> Response:
    """Issue a TOTP seed (shown once, as a QR code and a URI); confirm it with a code."""

    def act(me: SignedIn) -> Response:
        enrolment = creds.enroll_totp(me.customer, meta, label="browser")
        return _home_page(request, service, me.row, me.customer, enrolment=enrolment)

    return _signed_in_form(request, service, csrf_token, act, stepped_up=True)


@router.post("/totp/confirm")
def confirm_totp(
    request: Request,
    service: Login,
    creds: Credentials,
    meta: Meta,
    csrf_token: Csrf = "",
    factor_id: Annotated[str, Form(max_length=64)] = "",
    code: Text = "",
) -> Response:
    def act(me: SignedIn) -> Response:
        creds.confirm_totp(me.customer, factor_id, code[:16], meta)
        return _done("totp")

    return _signed_in_form(request, service, csrf_token, act, stepped_up=True)


@router.post("/factors/{factor_id}/remove")
def remove_factor(
    request: Request,
    factor_id: str,
    service: Login,
    creds: Credentials,
    meta: Meta,
    csrf_token: Csrf = "",
) -> Response:
    """Remove one of the customer's factors after a step-up; the customer is told."""

    def act(me: SignedIn) -> Response:
        creds.remove_factor(me.customer, factor_id[:64], meta)
        return _done("removed")

    return _signed_in_form(request, service, csrf_token, act, stepped_up=True)
