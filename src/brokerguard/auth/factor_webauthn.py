"""WebAuthn / passkey factor (py_webauthn).

Possession (A9.1.2) always; with the authenticator's user-verified (UV) flag it
also proves indirect inherence (A9.1.3), but only once the firm has recorded an
effective assessment of method ``webauthn-uv`` (indirect verification must be
assessed before use).
"""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from brokerguard.auth.assessments import WEBAUTHN_UV_METHOD, method_is_assessed
from brokerguard.auth.challenges import consume_challenge
from brokerguard.auth.factors import Category, FactorContext, FactorVerdict
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.settings import AuthSettings


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url_encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


def registration_options(
    settings: AuthSettings, *, nonce: str, customer_id: str, account: str
) -> dict[str, Any]:
    options = generate_registration_options(
        rp_id=settings.webauthn_rp_id,
        rp_name=settings.webauthn_rp_name,
        user_name=account,
        user_id=customer_id.encode("utf-8"),
        challenge=b64url_decode(nonce),
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def authentication_options(
    settings: AuthSettings, *, nonce: str, credential_ids: list[str]
) -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=settings.webauthn_rp_id,
        challenge=b64url_decode(nonce),
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=b64url_decode(c)) for c in credential_ids
        ],
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def verify_registration(
    settings: AuthSettings, *, nonce: str, credential: dict[str, Any]
) -> tuple[str, str, int]:
    """(credential ID, COSE public key base64url, sign count) or raise ValueError."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=b64url_decode(nonce),
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=settings.webauthn_origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise ValueError(str(exc)[:200]) from None
    return (
        b64url_encode(verified.credential_id),
        b64url_encode(verified.credential_public_key),
        int(verified.sign_count),
    )


class WebAuthnFactor:
    type: ClassVar[str] = "webauthn"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession, Category.inherence})

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        credential: dict[str, Any] = submission.credential
        raw_id = credential.get("rawId") or credential.get("id")
        if not isinstance(raw_id, str) or len(raw_id) > 512:
            return FactorVerdict.fail("invalid_credential")
        factor = ctx.session.scalar(
            select(EnrolledFactor).where(
                EnrolledFactor.customer_id == ctx.customer.id,
                EnrolledFactor.type == "webauthn",
                EnrolledFactor.status == "active",
                EnrolledFactor.credential_id == raw_id,
            )
        )
        if factor is None or factor.public_key_pem is None:
            return FactorVerdict.fail("factor_not_enrolled")
        nonce = consume_challenge(
            ctx.session,
            ctx.clock,
            challenge_id=submission.challenge_id,
            login_token_id=ctx.login_token_id,
            factor_type=self.type,
        )
        if nonce is None:
            return FactorVerdict.fail("invalid_nonce", factor_id=factor.id)
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=b64url_decode(nonce),
                expected_rp_id=ctx.settings.webauthn_rp_id,
                expected_origin=ctx.settings.webauthn_origin,
                credential_public_key=b64url_decode(factor.public_key_pem),
                credential_current_sign_count=factor.sign_count,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
            return FactorVerdict.fail("bad_signature", factor_id=factor.id)
        factor.sign_count = int(verified.new_sign_count)
        factor.last_used_at = ctx.clock.now()
        categories = {Category.possession}
        if verified.user_verified and method_is_assessed(
            ctx.session, ctx.clock, WEBAUTHN_UV_METHOD
        ):
            categories.add(Category.inherence)
        return FactorVerdict(True, "ok", frozenset(categories), factor.id)
