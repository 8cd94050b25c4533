"""Issue 14 item 5: a factor is one module and one registration.

The throw-away factor below lives in this file only. Registered (one line), it can be
enrolled over ``POST /enroll/hmac``, challenged, and used to log in; settings accept it
in ``required_factor_types``; its enrolment is an A9.2 credential step in the audit
trail. Nothing else in the code base names it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from fastapi.testclient import TestClient
from pydantic import Field, ValidationError
from sqlalchemy import Engine, select

from brokerguard.auth import api
from brokerguard.auth.bodies import FactorSubmissionBody, Strict, StrictRequest
from brokerguard.auth.challenges import consume_challenge
from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.factor_totp import TotpSubmission
from brokerguard.auth.factors import (
    Category,
    EnrolmentCall,
    EnrolmentStep,
    Factor,
    FactorContext,
    FactorRegistry,
    FactorVerdict,
)
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.domains import all_domains
from brokerguard.web.app import create_app
from tests.auth.test_api import LOGIN, make_customer, session_for, sink, step_up

API = "/api/v1/etrade"


def _key_context(factor_id: str) -> str:
    return f"auth-hmac-key:{factor_id}"


class HmacSubmission(FactorSubmissionBody):
    type: Literal["hmac"]
    challenge_id: str = Field(min_length=1, max_length=64)
    mac: str = Field(min_length=1, max_length=128)


class HmacEnrolRequest(StrictRequest):
    label: str = Field(default="", max_length=128)


class HmacEnrolResponse(Strict):
    factor_id: str
    key: str


def _enrol(call: EnrolmentCall, body: HmacEnrolRequest) -> HmacEnrolResponse:
    creds, now = call.credentials, call.credentials.clock.now()
    key = secrets.token_bytes(32)
    factor = EnrolledFactor(
        customer_id=call.customer.id,
        type="hmac",
        status="active",
        label=body.label or "hardware token",
        created_at=now,
        delivered_at=now,
    )
    creds.session.add(factor)
    creds.session.flush()
    factor.secret_ciphertext = creds.secrets.encrypt(key, _key_context(factor.id))
    creds.record_step(call.customer, "enroll_hmac", call.meta, factor)
    return HmacEnrolResponse(factor_id=factor.id, key=base64.b64encode(key).decode())


class HmacTokenFactor(Factor):
    """A hardware token holding a key: HMAC-SHA256 over the server's nonce (possession)."""

    type: ClassVar[str] = "hmac"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})
    submission = HmacSubmission
    needs_challenge = True
    enrolment: ClassVar[tuple[EnrolmentStep, ...]] = (
        EnrolmentStep(
            "hmac", "enroll_hmac", "Issue a token key.", _enrol, HmacEnrolRequest, HmacEnrolResponse
        ),
    )

    def challenge_options(
        self, session: Any, settings: AuthSettings, customer_id: str | None, nonce: str
    ) -> dict[str, Any] | None:
        return {"algorithm": "HMAC-SHA256"}

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        factor = ctx.session.scalar(
            select(EnrolledFactor).where(
                EnrolledFactor.customer_id == ctx.customer.id,
                EnrolledFactor.type == "hmac",
                EnrolledFactor.status == "active",
            )
        )
        if factor is None or factor.secret_ciphertext is None:
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
        key = ctx.secrets.decrypt(factor.secret_ciphertext, _key_context(factor.id))
        wanted = hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(wanted, submission.mac):
            return FactorVerdict.fail("bad_signature", factor_id=factor.id)
        return FactorVerdict(True, "ok", self.categories, factor.id)


@pytest.fixture
def hmac_client(settings: Settings, engine: Engine, clock: FixedClock) -> Iterator[TestClient]:
    """The app built while the throw-away factor is registered (the one registration)."""
    with FACTORS.registered(HmacTokenFactor()):
        domains = [
            dataclasses.replace(m, api_routers=(api.router, api.factor_routes()))
            if m.name == "auth"
            else m
            for m in all_domains()
        ]
        app = create_app(settings, engine=engine, clock=clock, domains=domains)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            yield client


def test_a_registered_factor_enrols_and_logs_in(
    hmac_client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    client = hmac_client
    seed = make_customer(engine, clock, settings)
    bearer = {"Authorization": f"Bearer {session_for(client, seed, clock)}"}
    assert client.post(API + "/enroll/hmac", json={}, headers=bearer).status_code == 403
    step_up(client, bearer, seed, clock)
    enrolled = client.post(API + "/enroll/hmac", json={"label": "desk token"}, headers=bearer)
    assert enrolled.status_code == 200, enrolled.text
    key = base64.b64decode(enrolled.json()["key"])

    started = client.post(LOGIN, json={"account": "A100200", "password": "Trade-safely-2026"})
    assert started.json()["next_factors"] == ["totp", "hmac"]
    token = started.json()["login_token"]
    challenge = client.post(API + "/login/challenge", json={"login_token": token, "type": "hmac"})
    assert challenge.status_code == 200, challenge.text
    assert challenge.json()["options"] == {"algorithm": "HMAC-SHA256"}
    nonce, challenge_id = challenge.json()["nonce"], challenge.json()["challenge_id"]

    forged = client.post(
        API + "/login/factor",
        json={"login_token": token, "type": "hmac", "challenge_id": challenge_id, "mac": "0" * 64},
    )
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
    again = client.post(API + "/login/challenge", json={"login_token": token, "type": "hmac"})
    nonce, challenge_id = again.json()["nonce"], again.json()["challenge_id"]
    mac = hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()
    done = client.post(
        API + "/login/factor",
        json={"login_token": token, "type": "hmac", "challenge_id": challenge_id, "mac": mac},
    )
    assert done.status_code == 200, done.text
    assert done.json()["factors_used"] == ["password", "hmac"] and done.json()["session_token"]
    functions = [e.function for e in sink(client).events]
    assert "etrade.credential.enroll_hmac" in functions
    assert AuthSettings(required_factor_types=("hmac",)).required_factor_types == ("hmac",)


def test_an_unregistered_factor_is_unknown_everywhere(client: TestClient) -> None:
    with pytest.raises(ValidationError, match="unknown factor type 'hmac'"):
        AuthSettings(required_factor_types=("hmac",))
    refused = client.post(API + "/enroll/hmac", json={})
    assert refused.status_code == 404
    challenge = client.post(API + "/login/challenge", json={"login_token": "x.y", "type": "hmac"})
    assert challenge.status_code == 422 and "type" in challenge.text
    assert "hmac" not in FACTORS


class _Named(Factor):
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})
    submission = TotpSubmission

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        return FactorVerdict.fail("not_used")


def _factor(name: str, **attributes: Any) -> Factor:
    kind = type(f"Factor_{name}", (_Named,), {"type": name, **attributes})
    factor: Factor = kind()
    return factor


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        (_factor("totp"), "registered twice"),
        (_factor("Bad Name"), "must match"),
        (_factor(""), "must match"),
        (_factor("x" * 17), "must match"),
        (_factor("pin", categories=frozenset({Category.knowledge})), "possession or inherence"),
        (_factor("pin", categories=frozenset()), "possession or inherence"),
        (_factor("pin"), "Literal['pin']"),
        (
            _factor(
                "hmac",
                submission=HmacSubmission,
                enrolment=(dataclasses.replace(HmacTokenFactor.enrolment[0], path="totp"),),
            ),
            "enrolment path 'totp' is taken",
        ),
    ],
)
def test_a_malformed_factor_is_refused_at_registration(factor: Factor, message: str) -> None:
    registry = FactorRegistry()
    registry.register(FACTORS["totp"])
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        registry.register(factor)
    assert registry.names == ("totp",)


def test_everything_derived_from_the_registry() -> None:
    assert FACTORS.names == ("totp", "device", "certificate", "webauthn", "biometric")
    assert FACTORS.challenge_types == ("device", "certificate", "webauthn", "biometric")
    assert FACTORS.enrolled_types == ("totp", "device", "certificate", "webauthn")
    assert FACTORS["biometric"].enrolled_as == "device"
    paths = [step.path for step in FACTORS.enrolment_steps()]
    assert paths == [
        "totp",
        "totp/confirm",
        "device",
        "certificate",
        "certificate/renew",
        "webauthn/begin",
        "webauthn/finish",
    ]
