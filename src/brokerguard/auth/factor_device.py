"""Device binding (A9.1.2) and the app's indirect biometric result (A9.1.3).

The customer's enrolled device key signs a single-use server nonce, proving the
request comes from the device agreed with the firm. The biometric result is
accepted only when signed by that key over the nonce, and only for a method with
an effective assessment on record.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import select

from brokerguard.auth.assessments import method_is_assessed
from brokerguard.auth.challenges import consume_challenge, decode_signature, signed_message
from brokerguard.auth.factors import Category, FactorContext, FactorVerdict
from brokerguard.auth.keysig import load_device_key, verify_signature
from brokerguard.auth.models import EnrolledFactor


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


class DeviceKeyFactor:
    type: ClassVar[str] = "device"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})

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


class BiometricResultFactor:
    """Indirect inherence: ``<nonce>|<method>|pass`` signed by the enrolled device key."""

    type: ClassVar[str] = "biometric"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.inherence})

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
