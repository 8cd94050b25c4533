"""JSON API of the e-trading login service (``/api/v1/etrade``).

Front-end call sequence: ``POST /login`` (account + password) -> ``login_token``;
for signature factors ``POST /login/challenge`` -> nonce; ``POST /login/factor`` ->
``session_token`` once two categories are proven. See docs/etrade-login.md.
Customer calls carry ``Authorization: Bearer <session_token>``; staff calls use the
staff session cookie and the CSRF header.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.audit.web import audited
from brokerguard.auth import lockout
from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.bodies import FactorOut
from brokerguard.auth.challenges import SIGNED_PREFIX
from brokerguard.auth.customer_sessions import live_sessions
from brokerguard.auth.errors import InvalidLoginTokenError, InvalidSessionError
from brokerguard.auth.events import RequestMeta
from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.factors import EnrolmentCall, EnrolmentStep, FactorRegistry
from brokerguard.auth.lifecycle import CredentialService, factors_of
from brokerguard.auth.login import LoginService, read_session
from brokerguard.auth.models import EtradeSession, LoginAttempt
from brokerguard.auth.passwords import hashing_for
from brokerguard.auth.policy import LoginPolicy
from brokerguard.auth.ratelimit import LoginRateLimiter
from brokerguard.auth.schemas import (
    AssessmentRecordedOut,
    AssessmentRequest,
    ChallengeRequest,
    ChallengeResponse,
    CustomerCreatedOut,
    CustomerCreateRequest,
    CustomerDetailOut,
    CustomerSessionList,
    CustomerSessionOut,
    FactorActionRequest,
    FactorResponse,
    FactorSubmission,
    LoginRequest,
    LoginResponse,
    PasswordChangeRequest,
    RecoveryPasswordRequest,
    RecoveryStartRequest,
    ResetFactorRequest,
    RevokedFactorsOut,
    SessionResponse,
    StepUpRequest,
    UnlockRequest,
)
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.service import credential_service, secret_box
from brokerguard.auth.settings import AuthSettings
from brokerguard.config import Settings
from brokerguard.errors import NotFoundError, PayloadTooLargeError
from brokerguard.kernel.audit import AuditSink
from brokerguard.kernel.context import AppContext
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppCtx,
    AppSettings,
    CurrentStaff,
    DbSession,
    app_context,
    request_audit_sink,
    require_roles,
    run_unit_of_work,
)

MAX_BODY_BYTES = 64 * 1024
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


async def limit_body(request: Request) -> None:
    """Refuse bodies over 64 KiB before parsing them (413 too_large)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise PayloadTooLargeError("request body larger than 64 KiB", field="body")
    if request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLargeError("request body larger than 64 KiB", field="body")


router = APIRouter(
    prefix="/api/v1/etrade", tags=["e-trading login"], dependencies=[Depends(limit_body)]
)


async def get_auth_settings(settings: AppSettings) -> AuthSettings:
    return settings.auth


AppAuth = Annotated[AuthSettings, Depends(get_auth_settings)]


def app_limiter(context: AppContext, auth: AuthSettings) -> LoginRateLimiter:
    """One limiter per app (its counters live in Redis or in this process)."""
    return context.services.get(
        LoginRateLimiter, lambda: LoginRateLimiter.from_settings(context.settings, auth)
    )


def app_secret_box(context: AppContext, auth: AuthSettings) -> SecretBox:
    """One key ring per app and key version (keys are read from disk once)."""
    return context.services.get(
        SecretBox, lambda: secret_box(context.settings, auth), key=auth.seed_key_version
    )


async def request_meta(request: Request, settings: AppSettings, auth: AppAuth) -> RequestMeta:
    return build_meta(request, settings, auth)


async def staff_request_meta(
    request: Request, settings: AppSettings, auth: AppAuth, staff: CurrentStaff
) -> RequestMeta:
    """A signed-in staff member's call: audited with them as the actor."""
    return build_meta(request, settings, auth, actor=staff.username)


def build_meta(
    request: Request, settings: Settings, auth: AuthSettings, *, actor: str | None = None
) -> RequestMeta:
    """Who is calling: IP, user agent, the trusted proxy's country, the staff member
    (``actor``) when a staff member acts."""
    country = None
    if auth.trust_geo_header or settings.trusted_proxies:
        header = request.headers.get("x-geo-country", "")
        country = header if COUNTRY_RE.match(header) else None
    return RequestMeta(
        query=f"{request.method} {request.url.path}",
        source_ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        country=country,
        actor=actor,
    )


Meta = Annotated[RequestMeta, Depends(request_meta)]
#: the request of a signed-in staff member (the actor of what it audits)
StaffMeta = Annotated[RequestMeta, Depends(staff_request_meta)]


async def get_secret_box(context: AppCtx, auth: AppAuth) -> SecretBox:
    return app_secret_box(context, auth)


Box = Annotated[SecretBox, Depends(get_secret_box)]


@dataclass(frozen=True)
class PasswordWorkers:
    """The bounded pool for the password step: at most ``auth.verify_workers`` argon2
    checks of this process run at once, each in a worker thread (argon2-cffi releases
    the GIL), so the event loop keeps serving; the others wait on the event loop,
    first come first served, so latency grows with the queue, not with contention."""

    limiter: anyio.CapacityLimiter


def password_workers(context: AppContext, auth: AuthSettings) -> anyio.CapacityLimiter:
    """The app's one bound on concurrent password checks."""
    workers = context.services.get(
        PasswordWorkers, lambda: PasswordWorkers(anyio.CapacityLimiter(auth.verify_workers))
    )
    return workers.limiter


def login_service(
    context: AppContext, session: Session, sink: AuditSink, auth: AuthSettings
) -> LoginService:
    """The request's login service over the app's one limiter, key ring and policy
    (read from the context, not assembled from a dependency each)."""
    return LoginService(
        session=session,
        clock=context.clock,
        sink=sink,
        auth=auth,
        secrets=app_secret_box(context, auth),
        limiter=app_limiter(context, auth),
        hashing=hashing_for(auth),
        policy=LoginPolicy.from_settings(auth),
    )


async def get_login_service(
    session: DbSession, context: AppCtx, sink: AppAuditSink, auth: AppAuth
) -> LoginService:
    return login_service(context, session, sink, auth)


@dataclass(frozen=True)
class LoginStep:
    """What a login step's route needs (the service, who is calling, the password
    workers), assembled by one dependency: every API request pays FastAPI's dependency
    solving per dependency, and the two login steps are the hot path."""

    service: LoginService
    meta: RequestMeta
    workers: anyio.CapacityLimiter


async def get_login_step(request: Request, session: DbSession, auth: AppAuth) -> LoginStep:
    context = app_context(request.app)
    return LoginStep(
        service=login_service(context, session, request_audit_sink(context, session), auth),
        meta=build_meta(request, context.settings, auth),
        workers=password_workers(context, auth),
    )


async def get_credential_service(
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    settings: AppSettings,
    auth: AppAuth,
    box: Box,
) -> CredentialService:
    return credential_service(session, clock, sink, settings, auth, secrets=box)


Login = Annotated[LoginService, Depends(get_login_service)]
Step = Annotated[LoginStep, Depends(get_login_step)]
Credentials = Annotated[CredentialService, Depends(get_credential_service)]
SecurityStaff = Annotated[StaffIdentity, Depends(require_roles(Role.security))]
ReadingStaff = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]


async def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidSessionError()
    return token.strip()


Bearer = Annotated[str, Depends(bearer_token)]


# -- login ---------------------------------------------------------------------
@router.post("/login", response_model=LoginResponse)
async def start_login(body: LoginRequest, step: Step) -> LoginResponse:
    """Step 1: account and password. 401 ``invalid_credentials`` (also for unknown
    accounts), 423 ``locked`` after 5 wrong passwords, 429 ``rate_limited``."""
    service = step.service
    started = await run_unit_of_work(
        service.session,
        partial(service.start_login, body.account, body.password, step.meta),
        limiter=step.workers,
    )
    return LoginResponse(
        login_token=started.login_token,
        next_factors=started.next_factors,
        password_change_required=started.password_change_required,
    )


def _challenge(service: LoginService, body: ChallengeRequest, purpose: str) -> ChallengeResponse:
    issued, options = service.create_challenge(body.login_token, body.type, purpose=purpose)
    return ChallengeResponse(
        challenge_id=issued.id,
        nonce=issued.nonce,
        expires_at=issued.expires_at,
        sign=SIGNED_PREFIX.decode() + issued.nonce,
        options=options,
        webauthn_options=options,
    )


@router.post("/login/challenge", response_model=ChallengeResponse)
async def login_challenge(body: ChallengeRequest, service: Login) -> ChallengeResponse:
    """A single-use nonce for the device, certificate, biometric or WebAuthn factor."""
    return await run_unit_of_work(service.session, partial(_challenge, service, body, "login"))


def _factor_response(accepted: Any, login_token: str) -> FactorResponse:
    return FactorResponse(
        session_token=accepted.session_token,
        factors_used=accepted.factors_used,
        categories=accepted.categories,
        expires_at=accepted.expires_at,
        login_token=None if accepted.session_token else login_token,
        next_factors=accepted.next_factors,
        password_change_required=accepted.password_change_required,
    )


async def submit_factor(body: FactorSubmission, step: Step, response: Response) -> FactorResponse:
    """Step 2+: 200 with ``session_token`` once two categories are proven; 202 when the
    firm's policy wants another factor; 401 with the reason code otherwise."""
    service = step.service
    accepted = await run_unit_of_work(
        service.session, partial(service.submit_factor, body.login_token, body, step.meta)
    )
    if accepted.session_token is None:
        response.status_code = 202
    return _factor_response(accepted, body.login_token)


# -- sessions -----------------------------------------------------------------
@router.get("/session", response_model=SessionResponse)
async def session_info(
    token: Bearer, session: DbSession, context: AppCtx, auth: AppAuth
) -> SessionResponse:
    """What an order system checks: the session is live and which factors made it.

    Every API call of the order system pays for this read: one Core statement in a
    read-only transaction, no login service and no audit sink (it records nothing)."""
    work = partial(read_session, session, context.clock, auth, token)
    info = await run_unit_of_work(session, work)
    return SessionResponse(
        account=info.account,
        factors_used=info.factors_used,
        categories=info.categories,
        expires_at=info.expires_at,
        password_change_required=info.password_change_required,
    )


@router.post("/session/revoke", status_code=204)
def revoke_session(token: Bearer, service: Login, meta: Meta) -> Response:
    service.revoke_session(token, meta)
    return Response(status_code=204)


@router.get("/sessions", response_model=CustomerSessionList)
def list_sessions(token: Bearer, service: Login, clock: AppClock) -> CustomerSessionList:
    """The customer's live sessions (``current`` marks the one asking)."""
    row, customer = service.load_session(token, for_password_change=True)
    items = live_sessions(service.session, clock, customer.id, row.id)
    return CustomerSessionList(sessions=[CustomerSessionOut(**vars(item)) for item in items])


@router.post("/sessions/{session_id}/revoke", status_code=204)
def revoke_own_session(
    session_id: str, token: Bearer, service: Login, meta: Meta, clock: AppClock
) -> Response:
    """End one of the customer's own sessions (404 for any other session)."""
    _, customer = service.load_session(token, for_password_change=True)
    target = service.session.get(EtradeSession, session_id[:36])
    if target is None or target.customer_id != customer.id or target.revoked_at is not None:
        raise NotFoundError("no such live session of yours", field="session_id")
    target.revoked_at = clock.now()
    service.note_session_revoked(customer, target, meta)
    return Response(status_code=204)


# -- step-up: the password and an enrolled factor again, within 5 minutes ---------
@router.post("/step-up", response_model=LoginResponse)
def step_up_start(body: StepUpRequest, token: Bearer, service: Login, meta: Meta) -> LoginResponse:
    """Begin a step-up for this session: the password (counted like a login password;
    locks at 5). Then ``/step-up/factor`` with an enrolled factor of another kind."""
    _, customer = service.load_session(token, for_password_change=True)
    started = service.start_login(customer.account, body.password, meta, purpose="stepup")
    return LoginResponse(login_token=started.login_token, next_factors=started.next_factors)


@router.post("/step-up/challenge", response_model=ChallengeResponse)
def step_up_challenge(body: ChallengeRequest, token: Bearer, service: Login) -> ChallengeResponse:
    service.load_session(token, for_password_change=True)
    return _challenge(service, body, "stepup")


def step_up_factor(
    body: FactorSubmission, token: Bearer, service: Login, meta: Meta, response: Response
) -> FactorResponse:
    """200 once the password and a factor of another category are proven: until
    ``expires_at`` the session may enrol, confirm or remove factors and change the
    password. 202 when another factor is needed."""
    accepted = service.complete_step_up(token, body.login_token, body, meta)
    if accepted.next_factors or accepted.expires_at is None:
        response.status_code = 202
    return _factor_response(accepted, body.login_token)


@router.post("/password/change", status_code=204)
def change_password(
    body: PasswordChangeRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> Response:
    """The customer's own change (A9.8), any time and when it is due; needs a fresh
    step-up. Every other session of the customer ends; the customer is notified."""
    row, customer = service.load_stepped_up_session(token, for_password_change=True)
    creds.change_password(
        customer, body.current_password, body.new_password, meta, keep_session=row.id
    )
    return Response(status_code=204)


# -- recovery (reset needs a factor of another kind) ---------------------------
@router.post("/recovery/start", response_model=LoginResponse)
def recovery_start(body: RecoveryStartRequest, service: Login, meta: Meta) -> LoginResponse:
    started = service.start_recovery(body.account, meta)
    return LoginResponse(login_token=started.login_token, next_factors=started.next_factors)


@router.post("/recovery/challenge", response_model=ChallengeResponse)
def recovery_challenge(body: ChallengeRequest, service: Login) -> ChallengeResponse:
    return _challenge(service, body, "recovery")


def recovery_factor(body: FactorSubmission, service: Login, meta: Meta) -> FactorResponse:
    accepted = service.submit_factor(body.login_token, body, meta, purpose="recovery")
    return _factor_response(accepted, body.login_token)


@router.post("/recovery/password", status_code=204)
def recovery_password(
    body: RecoveryPasswordRequest, service: Login, creds: Credentials, meta: Meta
) -> Response:
    """Set a new password after a possession or inherence factor; unlocks the account."""
    token = service.load_token(body.login_token, "recovery")
    creds.reset_password(token, body.new_password, meta)
    return Response(status_code=204)


@router.post("/credentials/reset-factor", response_model=RevokedFactorsOut)
def reset_factor(
    body: ResetFactorRequest, service: Login, creds: Credentials, meta: Meta
) -> dict[str, list[str]]:
    """Revoke a lost factor with a recovery (or login) token that proved a possession or
    inherence factor of another kind; a token that proved only the password is refused."""
    try:
        token = service.load_token(body.login_token, "recovery")
    except InvalidLoginTokenError:
        token = service.load_token(body.login_token, "login")
    return {"revoked": creds.reset_factor(token, body.type, meta)}


@router.post("/factors/{factor_id}/remove", response_model=FactorOut)
def remove_factor(
    factor_id: str, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> FactorOut:
    """Remove one of the customer's factors; needs a fresh step-up; the customer is told."""
    _, customer = service.load_stepped_up_session(token)
    factor = creds.remove_factor(customer, factor_id[:64], meta)
    return FactorOut.model_validate(factor, from_attributes=True)


# -- staff ----------------------------------------------------------------------
@router.post("/staff/customers", response_model=CustomerCreatedOut, status_code=201)
def staff_create_customer(
    body: CustomerCreateRequest, staff: SecurityStaff, creds: Credentials, meta: StaffMeta
) -> dict[str, str]:
    customer = creds.create_customer(
        body.account,
        body.password,
        meta,
        display_name=body.display_name,
        identity_verified_by=staff.username if body.identity_verified else "",
    )
    return {"account": customer.account, "id": customer.id}


@router.get(
    "/staff/customers/{account}",
    response_model=CustomerDetailOut,
    dependencies=[Depends(audited("etrade.staff.customer.view", customer_param="account"))],
)
def staff_customer(
    account: str, staff: ReadingStaff, creds: Credentials, auth: AppAuth
) -> dict[str, Any]:
    """Factors, lock state and the last 50 login steps of one customer."""
    customer = creds.get_customer(account[:64])
    counter = lockout.lock_state(creds.session, customer.account)
    attempts = creds.session.scalars(
        select(LoginAttempt)
        .where(LoginAttempt.account == customer.account)
        .order_by(LoginAttempt.created_at.desc())
        .limit(50)
    ).all()
    return {
        "account": customer.account,
        "display_name": customer.display_name,
        "status": customer.status,
        "locked": counter is not None and counter.failed_count >= auth.lock_threshold,
        "failed_count": counter.failed_count if counter else 0,
        "password_changed_at": customer.password_changed_at,
        "factors": [
            FactorOut.model_validate(f, from_attributes=True).model_dump()
            for f in factors_of(creds.session, customer.id)
        ],
        "history": [
            {
                "time": a.created_at,
                "factor": a.factor,
                "outcome": a.outcome,
                "reason": a.reason,
                "source_ip": a.source_ip,
            }
            for a in attempts
        ],
    }


@router.post("/staff/customers/{account}/unlock", status_code=204)
def staff_unlock(
    account: str, body: UnlockRequest, staff: SecurityStaff, creds: Credentials, meta: StaffMeta
) -> Response:
    """An authorised unlock; audited with the staff member as actor."""
    creds.unlock(account[:256], meta, reason=body.reason)
    return Response(status_code=204)


@router.post("/staff/biometric-assessments", status_code=201, response_model=AssessmentRecordedOut)
def staff_assessment(
    body: AssessmentRequest, staff: SecurityStaff, session: DbSession, clock: AppClock
) -> dict[str, str]:
    """Record the effectiveness assessment of an indirect biometric method (A9.1.3)."""
    row = record_assessment(
        session,
        clock,
        method=body.method,
        assessed_by=staff.username,
        conclusion=body.conclusion,
        summary=body.summary,
        evidence_ref=body.evidence_ref,
        valid_until=body.valid_until,
    )
    return {"id": row.id, "method": row.method, "conclusion": row.conclusion}


@router.post("/staff/customers/{account}/factors/{factor_id}/{action}", response_model=FactorOut)
def staff_factor_action(
    account: str,
    factor_id: str,
    action: Literal["suspend", "resume", "revoke"],
    body: FactorActionRequest,
    staff: SecurityStaff,
    creds: Credentials,
    meta: StaffMeta,
) -> FactorOut:
    """Suspend, resume or revoke one credential (A9.2); audited with the staff member."""
    customer = creds.get_customer(account[:64])
    factor = creds.set_factor_status(customer, factor_id[:64], action, meta, note=body.note)
    return FactorOut.model_validate(factor, from_attributes=True)


# -- the routes the factor registry shapes ------------------------------------------
def _with_body(endpoint: Callable[..., Any], body: Any, name: str) -> Callable[..., Any]:
    """``endpoint`` as a route whose ``body`` parameter has the type ``body`` (None: no
    body), so FastAPI validates and documents the registry's current bodies."""

    async def awaited(**kwargs: Any) -> Any:
        return await endpoint(**kwargs)

    def called(**kwargs: Any) -> Any:
        return endpoint(**kwargs)

    route: Callable[..., Any] = awaited if inspect.iscoroutinefunction(endpoint) else called
    signature = inspect.signature(endpoint)
    parameters = [
        p.replace(annotation=body) if p.name == "body" else p
        for p in signature.parameters.values()
        if p.name != "body" or body is not None
    ]
    route.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    route.__name__ = route.__qualname__ = name
    route.__doc__ = endpoint.__doc__
    return route


def _enrolment(step: EnrolmentStep) -> Callable[..., Any]:
    def enrol(token: Bearer, service: Login, creds: Credentials, meta: Meta, body: Any) -> Any:
        row, customer = service.load_stepped_up_session(token)
        answer = step.handle(EnrolmentCall(creds, customer, row.id, meta), body)
        return Response(status_code=204) if step.response is None else answer

    enrol.__doc__ = step.summary
    return _with_body(enrol, step.request, step.name)


def factor_routes(factors: FactorRegistry = FACTORS) -> APIRouter:
    """Submitting a factor (login, step-up, recovery), with the registered factors'
    bodies, and ``POST /enroll/<path>`` for every enrolment call a factor declares."""
    routes = APIRouter(
        prefix="/api/v1/etrade", tags=["e-trading login"], dependencies=[Depends(limit_body)]
    )
    union = factors.submission_union()
    later: dict[int | str, dict[str, Any]] = {202: {"model": FactorResponse}}
    for path, endpoint, responses in (
        ("/login/factor", submit_factor, later),
        ("/step-up/factor", step_up_factor, later),
        ("/recovery/factor", recovery_factor, None),
    ):
        routes.add_api_route(
            path,
            _with_body(endpoint, union, endpoint.__name__),
            methods=["POST"],
            response_model=FactorResponse,
            responses=responses,
        )
    for step in factors.enrolment_steps():
        routes.add_api_route(
            f"/enroll/{step.path}",
            _enrolment(step),
            methods=["POST"],
            response_model=step.response,
            status_code=204 if step.response is None else 200,
        )
    return routes
