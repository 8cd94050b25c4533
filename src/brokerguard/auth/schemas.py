"""Request and response bodies of the e-trading login API (unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from brokerguard.auth.bodies import (
    PASSWORD_FIELD_MAX,
    TOKEN_MAX,
    FactorOut,
    FactorSubmissionBody,
    Strict,
    StrictRequest,
)
from brokerguard.auth.factor_registry import FACTORS
from brokerguard.textpolicy import VERBATIM

#: a factor that needs a server challenge (``POST /login/challenge``)
ChallengeType = Annotated[
    str,
    AfterValidator(FACTORS.challenge_type),
    Field(json_schema_extra=lambda schema: schema.update(enum=list(FACTORS.challenge_types))),
]
#: a factor customers enrol as their own credential (a lost one is reset)
EnrolledType = Annotated[
    str,
    AfterValidator(FACTORS.enrolled_type),
    Field(json_schema_extra=lambda schema: schema.update(enum=list(FACTORS.enrolled_types))),
]


class LoginRequest(StrictRequest):
    #: credentials: the login service answers hostile values (issue 4's contract)
    account: Annotated[str, VERBATIM] = Field(min_length=1, max_length=256)
    password: Annotated[str, VERBATIM] = Field(max_length=PASSWORD_FIELD_MAX)


class LoginResponse(Strict):
    login_token: str
    next_factors: list[str]
    password_change_required: bool = False


class ChallengeRequest(StrictRequest):
    login_token: str = Field(min_length=1, max_length=TOKEN_MAX)
    type: ChallengeType


class ChallengeResponse(Strict):
    challenge_id: str
    nonce: str
    expires_at: datetime
    sign: str = Field(description="The exact bytes to sign (UTF-8), before any extra parts.")
    options: dict[str, Any] | None = Field(
        default=None, description="What the factor needs besides the nonce (WebAuthn's options)."
    )
    webauthn_options: dict[str, Any] | None = Field(
        default=None, description="The same as options (kept for existing WebAuthn clients)."
    )


if TYPE_CHECKING:
    FactorSubmission = FactorSubmissionBody
else:
    #: the body of ``POST /login/factor``: the registered factors' submissions on ``type``
    FactorSubmission = FACTORS.submission_union()


class FactorResponse(Strict):
    """200: ``session_token`` set (policy met). 202: another factor is needed."""

    session_token: str | None = None
    factors_used: list[str]
    categories: list[str]
    expires_at: datetime | None = None
    login_token: str | None = None
    next_factors: list[str] = Field(default_factory=list)
    password_change_required: bool = False


class SessionResponse(Strict):
    account: str
    factors_used: list[str]
    categories: list[str]
    expires_at: datetime
    password_change_required: bool


class PasswordChangeRequest(StrictRequest):
    current_password: str = Field(max_length=PASSWORD_FIELD_MAX)
    new_password: str = Field(max_length=PASSWORD_FIELD_MAX)


class StepUpRequest(StrictRequest):
    password: str = Field(max_length=PASSWORD_FIELD_MAX)


class CustomerSessionOut(Strict):
    id: str
    created_at: datetime
    expires_at: datetime
    factors_used: list[str]
    current: bool


class CustomerSessionList(Strict):
    sessions: list[CustomerSessionOut]


class RecoveryStartRequest(StrictRequest):
    account: str = Field(min_length=1, max_length=256)


class RecoveryPasswordRequest(StrictRequest):
    login_token: str = Field(min_length=1, max_length=TOKEN_MAX)
    new_password: str = Field(max_length=PASSWORD_FIELD_MAX)


class ResetFactorRequest(StrictRequest):
    login_token: str = Field(min_length=1, max_length=TOKEN_MAX)
    type: EnrolledType


class RevokedFactorsOut(Strict):
    """``POST /credentials/reset-factor``: the IDs of the credentials revoked."""

    revoked: list[str]


class CustomerCreatedOut(Strict):
    account: str
    id: str


class LoginStepOut(Strict):
    """One login step of a customer, as the staff view shows it."""

    time: datetime
    factor: str
    outcome: str
    reason: str
    source_ip: str


class CustomerDetailOut(Strict):
    """Factors, lock state and the last 50 login steps of one customer (staff view)."""

    account: str
    display_name: str
    status: str
    locked: bool
    failed_count: int
    password_changed_at: datetime
    factors: list[FactorOut]
    history: list[LoginStepOut]


class AssessmentRecordedOut(Strict):
    """A recorded effectiveness assessment of an indirect biometric method (A9.1.3)."""

    id: str
    method: str
    conclusion: str


class CustomerCreateRequest(StrictRequest):
    account: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=PASSWORD_FIELD_MAX)
    display_name: str = Field(default="", max_length=128)
    identity_verified: bool = False


class UnlockRequest(StrictRequest):
    reason: str = Field(min_length=1, max_length=512)


class AssessmentRequest(StrictRequest):
    method: str = Field(min_length=1, max_length=64)
    conclusion: Literal["effective", "ineffective"]
    summary: str = Field(default="", max_length=1024)
    evidence_ref: str = Field(default="", max_length=256)
    valid_until: datetime | None = None


class FactorActionRequest(StrictRequest):
    note: str = Field(default="", max_length=512)
