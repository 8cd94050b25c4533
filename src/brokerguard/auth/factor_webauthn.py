"""WebAuthn / passkey factor (py_webauthn).

Possession (A9.1.2) always; with the authenticator's user-verified (UV) flag it
also proves indirect inherence (A9.1.3), but only once the firm has recorded an
effective assessment of method ``webauthn-uv`` (indirect verification must be
assessed before use).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field
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
from brokerguard.auth.bodies import FactorOut, FactorSubmissionBody, Strict, StrictRequest
from brokerguard.auth.challenges import consume_challenge, issue_challenge
from brokerguard.auth.errors import FactorRejectedError
from brokerguard.auth.factors import (
    Category,
    EnrolmentCall,
    EnrolmentStep,
    Factor,
    FactorContext,
    FactorVerdict,
)
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.settings import AuthSettings
from brokerguard.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from brokerguard.auth.events import RequestMeta
    from brokerguard.auth.lifecycle import CredentialService
    from brokerguard.auth.models import EtradeCustomer

#: the challenge type of a registration (the login challenge is ``webauthn``)
REGISTER_CHALLENGE = "webauthn-register"


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


class WebAuthnSubmission(FactorSubmissionBody):
    type: Literal["webauthn"]
    challenge_id: str = Field(min_length=1, max_length=64)
    credential: dict[str, Any]


class WebAuthnBeginResponse(Strict):
    challenge_id: str
    options: dict[str, Any]


class WebAuthnFinishRequest(StrictRequest):
    challenge_id: str = Field(min_length=1, max_length=64)
    credential: dict[str, Any]
    label: str = Field(default="", max_length=128)


def begin(
    creds: CredentialService, customer: EtradeCustomer, owner_id: str
) -> tuple[str, dict[str, Any]]:
    """(challenge ID, PublicKeyCredentialCreationOptions as JSON) for registration."""
    issued = issue_challenge(
        creds.session,
        creds.clock,
        login_token_id=owner_id,
        factor_type=REGISTER_CHALLENGE,
        ttl_s=creds.auth.challenge_ttl_s,
    )
    options = registration_options(
        creds.auth, nonce=issued.nonce, customer_id=customer.id, account=customer.account
    )
    return issued.id, options


def finish(
    creds: CredentialService,
    customer: EtradeCustomer,
    owner_id: str,
    challenge_id: str,
    credential: dict[str, Any],
    meta: RequestMeta,
    *,
    label: str = "",
) -> EnrolledFactor:
    """Register the authenticator whose attestation answers the registration challenge."""
    nonce = consume_challenge(
        creds.session,
        creds.clock,
        challenge_id=challenge_id,
        login_token_id=owner_id,
        factor_type=REGISTER_CHALLENGE,
    )
    if nonce is None:
        raise FactorRejectedError("invalid_nonce", field="challenge_id")
    try:
        credential_id, public_key, sign_count = verify_registration(
            creds.auth, nonce=nonce, credential=credential
        )
    except ValueError:
        raise ValidationError(
            "WebAuthn registration did not verify", field="credential", code="bad_signature"
        ) from None
    now = creds.clock.now()
    factor = EnrolledFactor(
        customer_id=customer.id,
        type="webauthn",
        status="active",
        label=label[:128] or "passkey",
        credential_id=credential_id,
        public_key_pem=public_key,
        sign_count=sign_count,
        algorithm="cose",
        created_at=now,
        delivered_at=now,
    )
    creds.session.add(factor)
    creds.session.flush()
    creds.record_step(customer, "enroll_webauthn", meta, factor)
    creds.record_step(customer, "issue", meta, factor)
    return factor


def _begin_call(call: EnrolmentCall, body: None) -> WebAuthnBeginResponse:
    challenge_id, options = begin(call.credentials, call.customer, call.session_id)
    return WebAuthnBeginResponse(challenge_id=challenge_id, options=options)


def _finish_call(call: EnrolmentCall, body: WebAuthnFinishRequest) -> FactorOut:
    factor = finish(
        call.credentials,
        call.customer,
        call.session_id,
        body.challenge_id,
        body.credential,
        call.meta,
        label=body.label,
    )
    return FactorOut.model_validate(factor, from_attributes=True)


class WebAuthnFactor(Factor):
    type: ClassVar[str] = "webauthn"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession, Category.inherence})
    submission = WebAuthnSubmission
    needs_challenge = True
    enrolment: ClassVar[tuple[EnrolmentStep, ...]] = (
        EnrolmentStep(
            "webauthn/begin",
            "webauthn_begin",
            "Begin registering a passkey: the creation options to pass to the browser.",
            _begin_call,
            None,
            WebAuthnBeginResponse,
        ),
        EnrolmentStep(
            "webauthn/finish",
            "webauthn_finish",
            "Finish registering a passkey with the browser's attestation.",
            _finish_call,
            WebAuthnFinishRequest,
            FactorOut,
        ),
    )

    def challenge_options(
        self, session: Session, settings: AuthSettings, customer_id: str | None, nonce: str
    ) -> dict[str, Any] | None:
        """The request options, allowing the customer's active passkeys."""
        ids: list[str] = []
        if customer_id is not None:
            ids = list(
                session.scalars(
                    select(EnrolledFactor.credential_id).where(
                        EnrolledFactor.customer_id == customer_id,
                        EnrolledFactor.type == "webauthn",
                        EnrolledFactor.status == "active",
                    )
                )
            )
        return authentication_options(settings, nonce=nonce, credential_ids=ids)

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
