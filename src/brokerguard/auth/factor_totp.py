"""Possession factor (A9.1.2): RFC 6238 TOTP bound to an enrolled device.

A code is accepted within +-1 time step and at most once: the last accepted step is
stored and only a later step is accepted, via one conditional UPDATE (atomic on
SQLite and PostgreSQL), so two concurrent submissions of one code cannot both pass.
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import pyotp
import qrcode
import qrcode.image.svg
from pydantic import Field
from sqlalchemy import Table, bindparam, or_, select, update

from brokerguard.auth.bodies import FactorSubmissionBody, Strict, StrictRequest
from brokerguard.auth.errors import FactorRejectedError
from brokerguard.auth.factors import (
    Category,
    EnrolmentCall,
    EnrolmentStep,
    Factor,
    FactorContext,
    FactorVerdict,
    check_device_id,
)
from brokerguard.auth.models import EnrolledFactor
from brokerguard.errors import ConflictError

if TYPE_CHECKING:
    from brokerguard.auth.events import RequestMeta
    from brokerguard.auth.lifecycle import CredentialService
    from brokerguard.auth.models import EtradeCustomer

INTERVAL = 30
DIGITS = 6
WINDOW = 1
ISSUER = "brokerguard e-trading"
#: Core statements on the table: the hot path skips the ORM's per-statement machinery
_factors = cast(Table, EnrolledFactor.__table__)
#: built once, so each use only binds values (its cache key is computed once)
_CLAIM_STEP = (
    update(_factors)
    .where(
        _factors.c.id == bindparam("b_id"),
        or_(_factors.c.last_totp_step.is_(None), _factors.c.last_totp_step < bindparam("b_step")),
    )
    .values(last_totp_step=bindparam("b_step"), last_used_at=bindparam("b_now"))
)
_ACTIVE_TOTP = select(EnrolledFactor).where(
    EnrolledFactor.customer_id == bindparam("b_customer"),
    EnrolledFactor.type == "totp",
    EnrolledFactor.status == "active",
)


def seed_context(factor_id: str) -> str:
    return f"auth-totp-seed:{factor_id}"


def time_step(when: datetime) -> int:
    return int(when.timestamp()) // INTERVAL


def new_seed() -> str:
    return pyotp.random_base32(32)


def provisioning_uri(seed: str, account: str, issuer: str) -> str:
    return str(
        pyotp.TOTP(seed, digits=DIGITS, interval=INTERVAL).provisioning_uri(
            name=account, issuer_name=issuer
        )
    )


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an SVG document."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


def matching_step(seed: str, code: str, now: datetime) -> int | None:
    """The time step within +-1 of ``now`` whose code equals ``code``, else None."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(seed, digits=DIGITS, interval=INTERVAL)
    current = time_step(now)
    found: int | None = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(str(totp.generate_otp(step)), code):
            found = step
    return found


def claim_step(ctx: FactorContext, factor_id: str, step: int) -> bool:
    """Record ``step`` as the last accepted one unless an equal or later one was accepted."""
    params = {"b_id": factor_id, "b_step": step, "b_now": ctx.clock.now()}
    result = ctx.session.execute(_CLAIM_STEP, params)
    return bool(getattr(result, "rowcount", 0) == 1)


class TotpSubmission(FactorSubmissionBody):
    type: Literal["totp"]
    code: str = Field(min_length=1, max_length=16)


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


@dataclass(frozen=True)
class TotpEnrolment:
    factor_id: str
    uri: str
    qr_svg: str


def enroll(
    creds: CredentialService,
    customer: EtradeCustomer,
    meta: RequestMeta,
    *,
    device_id: str = "",
    label: str = "",
    activate: bool = False,
) -> TotpEnrolment:
    """Issue a TOTP seed; pending until a code confirms it unless ``activate``."""
    check_device_id(device_id, required=False)
    now = creds.clock.now()
    seed = new_seed()
    factor = EnrolledFactor(
        customer_id=customer.id,
        type="totp",
        status="active" if activate else "pending",
        label=label[:128] or "TOTP",
        device_id=device_id,
        created_at=now,
        delivered_at=now if activate else None,
    )
    creds.session.add(factor)
    creds.session.flush()
    factor.secret_ciphertext = creds.secrets.encrypt(seed.encode(), seed_context(factor.id))
    uri = provisioning_uri(seed, customer.account, ISSUER)
    creds.record_step(customer, "enroll_totp", meta, factor, device_id=device_id)
    creds.record_step(customer, "issue", meta, factor)
    if activate:
        creds.record_step(customer, "deliver", meta, factor, note="delivered in person")
    creds.session.flush()
    return TotpEnrolment(factor.id, uri, qr_svg(uri))


def confirm(
    creds: CredentialService,
    customer: EtradeCustomer,
    factor_id: str,
    code: str,
    meta: RequestMeta,
) -> None:
    """Delivery confirmed: the customer's authenticator shows a valid code."""
    factor = creds.owned_factor(customer, factor_id, "totp")
    if factor.status != "pending" or factor.secret_ciphertext is None:
        raise ConflictError("this TOTP factor is not waiting for confirmation", field="factor_id")
    seed = creds.secrets.decrypt(factor.secret_ciphertext, seed_context(factor.id)).decode()
    step = matching_step(seed, code, creds.clock.now())
    if step is None:
        raise FactorRejectedError("invalid_otp", field="code")
    factor.last_totp_step = step
    factor.status = "active"
    factor.delivered_at = creds.clock.now()
    creds.record_step(customer, "deliver", meta, factor, note="confirmed with a valid code")
    creds.after_credential_change(customer, "factor_enrolled", end_sessions=False)


def _enrol_call(call: EnrolmentCall, body: TotpEnrolRequest) -> TotpEnrolResponse:
    enrolment = enroll(
        call.credentials, call.customer, call.meta, device_id=body.device_id, label=body.label
    )
    return TotpEnrolResponse(
        factor_id=enrolment.factor_id, otpauth_uri=enrolment.uri, qr_svg=enrolment.qr_svg
    )


def _confirm_call(call: EnrolmentCall, body: TotpConfirmRequest) -> None:
    confirm(call.credentials, call.customer, body.factor_id, body.code, call.meta)


class TotpFactor(Factor):
    type: ClassVar[str] = "totp"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})
    submission = TotpSubmission
    enrolment: ClassVar[tuple[EnrolmentStep, ...]] = (
        EnrolmentStep(
            "totp",
            "enroll_totp",
            "Issue a TOTP seed (shown once, as URI and QR); confirm it with a code.",
            _enrol_call,
            TotpEnrolRequest,
            TotpEnrolResponse,
        ),
        EnrolmentStep(
            "totp/confirm",
            "confirm_totp",
            "Confirm a pending TOTP seed with a code from the authenticator.",
            _confirm_call,
            TotpConfirmRequest,
        ),
    )

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        code = str(submission.code)
        factors = ctx.session.scalars(_ACTIVE_TOTP, {"b_customer": ctx.customer.id}).all()
        if not factors:
            return FactorVerdict.fail("factor_not_enrolled")
        now = ctx.clock.now()
        for factor in factors:
            if factor.secret_ciphertext is None:
                continue
            seed = ctx.secrets.decrypt(factor.secret_ciphertext, seed_context(factor.id)).decode()
            step = matching_step(seed, code, now)
            if step is None:
                continue
            if not claim_step(ctx, factor.id, step):
                return FactorVerdict.fail(
                    "replayed_otp", factor_id=factor.id, device_id=factor.device_id
                )
            return FactorVerdict(True, "ok", self.categories, factor.id, factor.device_id)
        return FactorVerdict.fail("invalid_otp")
