"""Request and response bodies of the e-trading login API (unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.inputs import InputModel, TextPolicyModel
from brokerguard.textpolicy import VERBATIM, MultilineText

#: generous limits: the service checks the real ones and counts failures
PASSWORD_FIELD_MAX = 4096
TOKEN_MAX = 200


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StrictRequest(Strict, InputModel):
    """A request body: unknown fields, unsafe text and loose scalars are refused."""


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
    type: Literal["device", "certificate", "webauthn", "biometric"]


class ChallengeResponse(Strict):
    challenge_id: str
    nonce: str
    expires_at: datetime
    sign: str = Field(description="The exact bytes to sign (UTF-8), before any extra parts.")
    webauthn_options: dict[str, Any] | None = None


class _Submission(Strict, TextPolicyModel):
    """A member of :data:`FactorSubmission` (a discriminated union: text fields only)."""

    login_token: str = Field(min_length=1, max_length=TOKEN_MAX)


class TotpSubmission(_Submission):
    type: Literal["totp"]
    code: str = Field(min_length=1, max_length=16)


class DeviceSubmission(_Submission):
    type: Literal["device"]
    device_id: str = Field(min_length=1, max_length=128)
    challenge_id: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=1024)


class CertificateSubmission(_Submission):
    type: Literal["certificate"]
    challenge_id: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=2048)
    fingerprint: str | None = Field(default=None, max_length=128)


class WebAuthnSubmission(_Submission):
    type: Literal["webauthn"]
    challenge_id: str = Field(min_length=1, max_length=64)
    credential: dict[str, Any]


class BiometricSubmission(_Submission):
    type: Literal["biometric"]
    device_id: str = Field(min_length=1, max_length=128)
    challenge_id: str = Field(min_length=1, max_length=64)
    method: str = Field(min_length=1, max_length=64)
    result: Literal["pass", "fail"]
    signature: str = Field(min_length=1, max_length=1024)


FactorSubmission = Annotated[
    TotpSubmission
    | DeviceSubmission
    | CertificateSubmission
    | WebAuthnSubmission
    | BiometricSubmission,
    Field(discriminator="type"),
]


class FactorResponse(Strict):
    """200: ``session_token`` set (policy met). 202: another factor is needed."""

    session_token: str | None = None
    factors_used: list[str]
    categories: list[str]
    expires_at: datetime | None = None
    login_token: str | None = None
    next_factors: list[str] = []
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
    type: Literal["totp", "device", "certificate", "webauthn"]


class TotpEnrolRequest(StrictRequest):
    device_id: str = Field(default="", max_length=128)
    label: str = Field(default="", max_length=128)


class TotpEnrolResponse(Strict):
    factor_id: str
    otpauth_uri: str
    qr_svg: str


class TotpConfirmRequest(StrictRequest):
    factor_id: str = Field(min_length=1, max_length=36)
    code: str = Field(min_length=1, max_length=16)


class DeviceEnrolRequest(StrictRequest):
    device_id: str = Field(min_length=1, max_length=128)
    public_key: MultilineText = Field(min_length=1, max_length=4096)
    label: str = Field(default="", max_length=128)


class CertificateEnrolRequest(StrictRequest):
    certificate: MultilineText = Field(min_length=1, max_length=16384)


class WebAuthnBeginResponse(Strict):
    challenge_id: str
    options: dict[str, Any]


class WebAuthnFinishRequest(StrictRequest):
    challenge_id: str = Field(min_length=1, max_length=64)
    credential: dict[str, Any]
    label: str = Field(default="", max_length=128)


class FactorOut(Strict):
    id: str
    type: str
    status: str
    label: str
    device_id: str
    created_at: datetime
    delivered_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None


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


class CertificateRenewRequest(StrictRequest):
    factor_id: str = Field(min_length=1, max_length=36)
    certificate: MultilineText = Field(min_length=1, max_length=16384)
