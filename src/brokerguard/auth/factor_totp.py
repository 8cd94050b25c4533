"""Possession factor (A9.1.2): RFC 6238 TOTP bound to an enrolled device.

A code is accepted within +-1 time step and at most once: the last accepted step is
stored and only a later step is accepted, via one conditional UPDATE (atomic on
SQLite and PostgreSQL), so two concurrent submissions of one code cannot both pass.
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime
from typing import Any, ClassVar, cast

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import Table, bindparam, or_, select, update

from brokerguard.auth.factors import Category, FactorContext, FactorVerdict
from brokerguard.auth.models import EnrolledFactor

INTERVAL = 30
DIGITS = 6
WINDOW = 1
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


class TotpFactor:
    type: ClassVar[str] = "totp"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})

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
