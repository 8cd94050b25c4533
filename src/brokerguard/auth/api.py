"""JSON API of the e-trading login service (``/api/v1/etrade``).

Front-end call sequence: ``POST /login`` (account + password) -> ``login_token``;
for signature factors ``POST /login/challenge`` -> nonce; ``POST /login/factor`` ->
``session_token`` once two categories are proven. See docs/etrade-login.md.
Customer calls carry ``Authorization: Bearer <session_token>``; staff calls use the
staff session cookie and the CSRF header.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from brokerguard.audit.web import audited
from brokerguard.auth import lockout
from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.challenges import SIGNED_PREFIX
from brokerguard.auth.customer_sessions import live_sessions
from brokerguard.auth.errors import InvalidLoginTokenError, InvalidSessionError
from brokerguard.auth.events import RequestMeta
from brokerguard.auth.lifecycle import CredentialService, factors_of
from brokerguard.auth.login import LoginService
from brokerguard.auth.models import EtradeSession, LoginAttempt
from brokerguard.auth.ratelimit import LoginRateLimiter
from brokerguard.auth.schemas import (
    AssessmentRequest,
    CertificateEnrolRequest,
    CertificateRenewRequest,
    ChallengeRequest,
    ChallengeResponse,
    CustomerCreateRequest,
    CustomerSessionList,
    CustomerSessionOut,
    DeviceEnrolRequest,
    FactorActionRequest,
    FactorOut,
    FactorResponse,
    FactorSubmission,
    LoginRequest,
    LoginResponse,
    PasswordChangeRequest,
    RecoveryPasswordRequest,
    RecoveryStartRequest,
    ResetFactorRequest,
    SessionResponse,
    StepUpRequest,
    TotpConfirmRequest,
    TotpEnrolRequest,
    TotpEnrolResponse,
    UnlockRequest,
    WebAuthnBeginResponse,
    WebAuthnFinishRequest,
)
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.service import credential_service, login_service, secret_box
from brokerguard.auth.settings import AuthSettings
from brokerguard.config import Settings
from brokerguard.errors import NotFoundError, PayloadTooLargeError
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppCtx,
    AppSettings,
    DbSession,
    require_roles,
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


async def get_limiter(context: AppCtx, auth: AppAuth) -> LoginRateLimiter:
    """One limiter per app (its counters live in Redis or in this process)."""
    return context.services.get(
        LoginRateLimiter, lambda: LoginRateLimiter.from_settings(context.settings, auth)
    )


async def request_meta(request: Request, settings: AppSettings, auth: AppAuth) -> RequestMeta:
    return build_meta(request, settings, auth)


def build_meta(request: Request, settings: Settings, auth: AuthSettings) -> RequestMeta:
    """Who is calling: IP, user agent, the trusted proxy's country, the staff member."""
    country = None
    if auth.trust_geo_header or settings.trusted_proxies:
        header = request.headers.get("x-geo-country", "")
        country = header if COUNTRY_RE.match(header) else None
    staff = getattr(request.state, "staff", None)
    return RequestMeta(
        query=f"{request.method} {request.url.path}",
        source_ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        country=country,
        actor=staff.username if isinstance(staff, StaffIdentity) else None,
    )


Meta = Annotated[RequestMeta, Depends(request_meta)]


async def get_secret_box(context: AppCtx, auth: AppAuth) -> SecretBox:
    """One key ring per app and key version (keys are read from disk once)."""
    return context.services.get(
        SecretBox, lambda: secret_box(context.settings, auth), key=auth.seed_key_version
    )


Box = Annotated[SecretBox, Depends(get_secret_box)]


async def get_login_service(
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    settings: AppSettings,
    auth: AppAuth,
    box: Box,
    limiter: Annotated[LoginRateLimiter, Depends(get_limiter)],
) -> LoginService:
    return login_service(session, clock, sink, settings, auth, limiter=limiter, secrets=box)


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
def start_login(body: LoginRequest, service: Login, meta: Meta) -> LoginResponse:
    """Step 1: account and password. 401 ``invalid_credentials`` (also for unknown
    accounts), 423 ``locked`` after 5 wrong passwords, 429 ``rate_limited``."""
    started = service.start_login(body.account, body.password, meta)
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
        webauthn_options=options,
    )


@router.post("/login/challenge", response_model=ChallengeResponse)
def login_challenge(body: ChallengeRequest, service: Login) -> ChallengeResponse:
    """A single-use nonce for the device, certificate, biometric or WebAuthn factor."""
    return _challenge(service, body, "login")


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


@router.post(
    "/login/factor", response_model=FactorResponse, responses={202: {"model": FactorResponse}}
)
def submit_factor(
    body: FactorSubmission, service: Login, meta: Meta, response: Response
) -> FactorResponse:
    """Step 2+: 200 with ``session_token`` once two categories are proven; 202 when the
    firm's policy wants another factor; 401 with the reason code otherwise."""
    accepted = service.submit_factor(body.login_token, body, meta)
    if accepted.session_token is None:
        response.status_code = 202
    return _factor_response(accepted, body.login_token)


# -- sessions -----------------------------------------------------------------
@router.get("/session", response_model=SessionResponse)
def session_info(token: Bearer, service: Login) -> SessionResponse:
    """What an order system checks: the session is live and which factors made it."""
    info = service.session_info(token)
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


@router.post(
    "/step-up/factor", response_model=FactorResponse, responses={202: {"model": FactorResponse}}
)
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


@router.post("/recovery/factor", response_model=FactorResponse)
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


@router.post("/credentials/reset-factor")
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


# -- enrolment by the customer (full session) ----------------------------------
@router.post("/enroll/totp", response_model=TotpEnrolResponse)
def enroll_totp(
    body: TotpEnrolRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> TotpEnrolResponse:
    """Issue a TOTP seed (shown once, as URI and QR); confirm it with a code."""
    _, customer = service.load_stepped_up_session(token)
    enrolment = creds.enroll_totp(customer, meta, device_id=body.device_id, label=body.label)
    return TotpEnrolResponse(
        factor_id=enrolment.factor_id, otpauth_uri=enrolment.uri, qr_svg=enrolment.qr_svg
    )


@router.post("/enroll/totp/confirm", status_code=204)
def confirm_totp(
    body: TotpConfirmRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> Response:
    _, customer = service.load_stepped_up_session(token)
    creds.confirm_totp(customer, body.factor_id, body.code, meta)
    return Response(status_code=204)


@router.post("/factors/{factor_id}/remove", response_model=FactorOut)
def remove_factor(
    factor_id: str, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> FactorOut:
    """Remove one of the customer's factors; needs a fresh step-up; the customer is told."""
    _, customer = service.load_stepped_up_session(token)
    factor = creds.remove_factor(customer, factor_id[:64], meta)
    return FactorOut.model_validate(factor, from_attributes=True)


@router.post("/enroll/device", response_model=FactorOut)
def enroll_device(
    body: DeviceEnrolRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> FactorOut:
    _, customer = service.load_stepped_up_session(token)
    factor = creds.enroll_device(
        customer, meta, device_id=body.device_id, public_key_pem=body.public_key, label=body.label
    )
    return FactorOut.model_validate(factor, from_attributes=True)


@router.post("/enroll/certificate", response_model=FactorOut)
def enroll_certificate(
    body: CertificateEnrolRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> FactorOut:
    _, customer = service.load_stepped_up_session(token)
    factor = creds.enroll_certificate(customer, meta, certificate_pem=body.certificate)
    return FactorOut.model_validate(factor, from_attributes=True)


@router.post("/enroll/webauthn/begin", response_model=WebAuthnBeginResponse)
def webauthn_begin(token: Bearer, service: Login, creds: Credentials) -> WebAuthnBeginResponse:
    row, customer = service.load_stepped_up_session(token)
    challenge_id, options = creds.begin_webauthn(customer, row.id)
    return WebAuthnBeginResponse(challenge_id=challenge_id, options=options)


@router.post("/enroll/webauthn/finish", response_model=FactorOut)
def webauthn_finish(
    body: WebAuthnFinishRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> FactorOut:
    row, customer = service.load_stepped_up_session(token)
    factor = creds.finish_webauthn(
        customer, row.id, body.challenge_id, body.credential, meta, label=body.label
    )
    return FactorOut.model_validate(factor, from_attributes=True)


# -- staff ----------------------------------------------------------------------
@router.post("/staff/customers", response_model=dict[str, str], status_code=201)
def staff_create_customer(
    body: CustomerCreateRequest, staff: SecurityStaff, creds: Credentials, meta: Meta
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
    account: str, body: UnlockRequest, staff: SecurityStaff, creds: Credentials, meta: Meta
) -> Response:
    """An authorised unlock; audited with the staff member as actor."""
    creds.unlock(account[:256], meta, reason=body.reason)
    return Response(status_code=204)


@router.post("/staff/biometric-assessments", status_code=201)
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
    meta: Meta,
) -> FactorOut:
    """Suspend, resume or revoke one credential (A9.2); audited with the staff member."""
    customer = creds.get_customer(account[:64])
    factor = creds.set_factor_status(customer, factor_id[:64], action, meta, note=body.note)
    return FactorOut.model_validate(factor, from_attributes=True)


@router.post("/enroll/certificate/renew", response_model=FactorOut)
def renew_certificate(
    body: CertificateRenewRequest, token: Bearer, service: Login, creds: Credentials, meta: Meta
) -> FactorOut:
    """Replace a registered certificate with its renewal (the old one is revoked)."""
    _, customer = service.load_stepped_up_session(token)
    factor = creds.renew_certificate(customer, body.factor_id, body.certificate, meta)
    return FactorOut.model_validate(factor, from_attributes=True)
