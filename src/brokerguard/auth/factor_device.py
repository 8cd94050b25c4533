"""Device binding (A9.1.2) and the app's indirect biometric result (A9.1.3).

The customer's enrolled device key signs a single-use server nonce, proving the
request comes from the device agreed with the firm. The biometric result is
accepted only when signed by that key over the nonce, and only for a method with
an effective assessment on record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field
from sqlalchemy import select

from brokerguard.auth.assessments import method_is_assessed
from brokerguard.auth.bodies import FactorOut, FactorSubmissionBody, StrictRequest
from brokerguard.auth.challenges import consume_challenge, decode_signature, signed_message
from brokerguard.auth.factors import (
    Category,
    EnrolmentCall,
    EnrolmentStep,
    Factor,
    FactorContext,
    FactorVerdict,
    check_device_id,
)
from brokerguard.auth.keysig import key_fingerprint, load_device_key, verify_signature
from brokerguard.auth.models import EnrolledFactor
from brokerguard.errors import ConflictError, ValidationError
from brokerguard.textpolicy import MultilineText

if TYPE_CHECKING:
    from brokerguard.auth.events import RequestMeta
    from brokerguard.auth.lifecycle import CredentialService
    from brokerguard.auth.models import EtradeCustomer

MAX_KEY_PEM = 4096


class DeviceSubmission(FactorSubmissionBody):
    type: Literal["device"]
    device_id: str = Field(min_length=1, max_length=128)
    challenge_id: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=1024)


class BiometricSubmission(FactorSubmissionBody):
    type: Literal["biometric"]
    device_id: str = Field(min_length=1, max_length=128)
    challenge_id: str = Field(min_length=1, max_length=64)
    method: str = Field(min_length=1, max_length=64)
    result: Literal["pass", "fail"]
    signature: str = Field(min_length=1, max_length=1024)


class DeviceEnrolRequest(StrictRequest):
    device_id: str = Field(min_length=1, max_length=128)
    public_key: MultilineText = Field(min_length=1, max_length=4096)
    label: str = Field(default="", max_length=128)


def enroll(
    creds: CredentialService,
    customer: EtradeCustomer,
    meta: RequestMeta,
    *,
    device_id: str,
    public_key_pem: str,
    label: str = "",
) -> EnrolledFactor:
    """Bind a device: its public key verifies the nonces it signs at login."""
    check_device_id(device_id, required=True)
    if len(public_key_pem) > MAX_KEY_PEM:
        raise ValidationError("public key larger than 4 KiB", field="public_key")
    key, algorithm = load_device_key(public_key_pem)
    existing = creds.session.scalar(
        select(EnrolledFactor).where(
            EnrolledFactor.customer_id == customer.id,
            EnrolledFactor.type == "device",
            EnrolledFactor.device_id == device_id,
            EnrolledFactor.status.in_(("active", "suspended")),
        )
    )
    if existing is not None:
        raise ConflictError(f"device {device_id} is already enrolled", field="device_id")
    now = creds.clock.now()
    factor = EnrolledFactor(
        customer_id=customer.id,
        type="device",
        status="active",
        label=label[:128] or device_id,
        device_id=device_id,
        public_key_pem=public_key_pem,
        fingerprint=key_fingerprint(key),
        algorithm=algorithm,
        created_at=now,
        delivered_at=now,
    )
    creds.session.add(factor)
    creds.session.flush()
    creds.record_step(customer, "enroll_device", meta, factor, device_id=device_id)
    creds.record_step(customer, "issue", meta, factor, device_id=device_id)
    return factor


def _enrol_call(call: EnrolmentCall, body: DeviceEnrolRequest) -> FactorOut:
    factor = enroll(
        call.credentials,
        call.customer,
        call.meta,
        device_id=body.device_id,
        public_key_pem=body.public_key,
        label=body.label,
    )
    return FactorOut.model_validate(factor, from_attributes=True)


def _device(ctx: FactorContext, device_id: str) -> EnrolledFactor | None:
    return ctx.session.scalar(
        select(EnrolledFactor).where(
            EnrolledFactor.customer_id == ctx.customer.id,
            EnrolledFactor.type == "device",
            EnrolledFactor.device_id == device_id,
            EnrolledFactor.status == "active",
        )
    )


def _check_signature(
    ctx: FactorContext,
    factor: EnrolledFactor,
    challenge_id: str,
    kind: str,
    signature: str,
    *parts: str,
) -> str:
    nonce = consume_challenge(
        ctx.session,
        ctx.clock,
        challenge_id=challenge_id,
        login_token_id=ctx.login_token_id,
        factor_type=kind,
    )
    if nonce is None:
        return "invalid_nonce"
    raw = decode_signature(signature)
    if raw is None or factor.public_key_pem is None:
        return "bad_signature"
    key, _ = load_device_key(factor.public_key_pem)
    if not verify_signature(key, raw, signed_message(nonce, *parts)):
        return "bad_signature"
    factor.last_used_at = ctx.clock.now()
    return "ok"


class DeviceKeyFactor(Factor):
    type: ClassVar[str] = "device"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})
    submission = DeviceSubmission
    needs_challenge = True
    enrolment: ClassVar[tuple[EnrolmentStep, ...]] = (
        EnrolmentStep(
            "device",
            "enroll_device",
            "Bind a device by its public key (PEM).",
            _enrol_call,
            DeviceEnrolRequest,
            FactorOut,
        ),
    )

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        factor = _device(ctx, submission.device_id)
        if factor is None:
            return FactorVerdict.fail("unknown_device", device_id=submission.device_id)
        reason = _check_signature(
            ctx, factor, submission.challenge_id, self.type, submission.signature
        )
        if reason != "ok":
            return FactorVerdict.fail(reason, factor_id=factor.id, device_id=factor.device_id)
        return FactorVerdict(True, "ok", self.categories, factor.id, factor.device_id)


class BiometricResultFactor(Factor):
    """Indirect inherence: ``<nonce>|<method>|pass`` signed by the enrolled device key
    (available with a bound device; nothing of its own to enrol)."""

    type: ClassVar[str] = "biometric"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.inherence})
    submission = BiometricSubmission
    needs_challenge = True
    enrolled_as = "device"

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        factor = _device(ctx, submission.device_id)
        if factor is None:
            return FactorVerdict.fail("unknown_device", device_id=submission.device_id)
        if not method_is_assessed(ctx.session, ctx.clock, submission.method):
            return FactorVerdict.fail(
                "method_not_assessed", factor_id=factor.id, device_id=factor.device_id
            )
        reason = _check_signature(
            ctx,
            factor,
            submission.challenge_id,
            self.type,
            submission.signature,
            submission.method,
            submission.result,
        )
        if reason != "ok":
            return FactorVerdict.fail(reason, factor_id=factor.id, device_id=factor.device_id)
        if submission.result != "pass":
            return FactorVerdict.fail(
                "biometric_not_matched", factor_id=factor.id, device_id=factor.device_id
            )
        return FactorVerdict(True, "ok", self.categories, factor.id, factor.device_id)
