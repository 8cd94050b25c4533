"""WebAuthn with a software authenticator built from the spec (ES256, attestation "none")."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from types import SimpleNamespace
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from brokerguard.auth.assessments import WEBAUTHN_UV_METHOD, record_assessment
from brokerguard.auth.errors import FactorRejectedError
from brokerguard.auth.factor_webauthn import b64url_decode, b64url_encode
from brokerguard.auth.settings import AuthSettings
from brokerguard.errors import ValidationError
from tests.auth.helpers import META, PASSWORD, Kit

RP_ID = "trade.example.com.tw"
ORIGIN = "https://trade.example.com.tw"
UP, UV, AT = 0x01, 0x04, 0x40


class SoftAuthenticator:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.count = 0

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return bytes(
            cbor2.dumps(
                {
                    1: 2,
                    3: -7,
                    -1: 1,
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            )
        )

    def register(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        auth_data = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + bytes([UP | UV | AT])
            + struct.pack(">I", 0)
            + bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.cose_key()
        )
        client_data = json.dumps(
            {"type": "webauthn.create", "challenge": options["challenge"], "origin": origin}
        ).encode()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cid = b64url_encode(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "attestationObject": b64url_encode(attestation),
            },
        }

    def assert_(
        self, challenge: str, *, uv: bool = True, origin: str = ORIGIN, rp_id: str = RP_ID
    ) -> dict[str, Any]:
        self.count += 1
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([UP | (UV if uv else 0)])
            + struct.pack(">I", self.count)
        )
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": challenge, "origin": origin}
        ).encode()
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        cid = b64url_encode(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "authenticatorData": b64url_encode(auth_data),
                "signature": b64url_encode(signature),
            },
        }


@pytest.fixture
def passkey(kit: Kit) -> SoftAuthenticator:
    kit.auth = AuthSettings(webauthn_rp_id=RP_ID, webauthn_origin=ORIGIN)
    kit.customer(totp=False)
    authenticator = SoftAuthenticator()
    with kit.session() as s:
        creds = kit.credentials(s)
        customer = creds.get_customer("A100200")
        challenge_id, options = creds.begin_webauthn(customer, "session-1")
        assert options["rp"]["id"] == RP_ID
        creds.finish_webauthn(
            customer, "session-1", challenge_id, authenticator.register(options), META
        )
        s.commit()
    return authenticator


def login(kit: Kit, authenticator: SoftAuthenticator, **kwargs: Any) -> str:
    with kit.session() as s:
        service = kit.login(s)
        token = service.start_login("A100200", PASSWORD, META).login_token
        issued, options = service.create_challenge(token, "webauthn")
        assert options is not None and options["allowCredentials"][0]["id"] == b64url_encode(
            authenticator.credential_id
        )
        assert b64url_decode(options["challenge"]) == b64url_decode(issued.nonce)
        credential = authenticator.assert_(options["challenge"], **kwargs)
        try:
            accepted = service.submit_factor(
                token,
                SimpleNamespace(
                    type="webauthn",
                    login_token=token,
                    challenge_id=issued.id,
                    credential=credential,
                ),
                META,
            )
        except FactorRejectedError as exc:
            return exc.code
        return "ok" if accepted.session_token else "+".join(accepted.categories)


def test_passkey_is_possession(kit: Kit, passkey: SoftAuthenticator) -> None:
    assert login(kit, passkey) == "ok"


def test_user_verification_counts_as_inherence_only_after_assessment(
    kit: Kit, passkey: SoftAuthenticator
) -> None:
    kit.auth = kit.auth.model_copy(update={"min_categories": 3})
    assert login(kit, passkey) == "knowledge+possession"
    with kit.session() as s:
        record_assessment(
            s, kit.clock, method=WEBAUTHN_UV_METHOD, assessed_by="林經理", conclusion="effective"
        )
        s.commit()
    assert login(kit, passkey) == "ok"
    assert login(kit, passkey, uv=False) == "knowledge+possession"


@pytest.mark.parametrize(
    "kwargs", [{"origin": "https://phish.example.com"}, {"rp_id": "phish.example.com"}]
)
def test_phishing_origin_or_rp_is_refused(
    kit: Kit, passkey: SoftAuthenticator, kwargs: dict[str, str]
) -> None:
    assert login(kit, passkey, **kwargs) == "bad_signature"


def test_another_authenticator_is_refused(kit: Kit, passkey: SoftAuthenticator) -> None:
    stranger = SoftAuthenticator()
    stranger.credential_id = passkey.credential_id  # same ID, wrong key
    assert login(kit, stranger) == "bad_signature"


def test_registration_with_wrong_origin_is_refused(kit: Kit) -> None:
    kit.auth = AuthSettings(webauthn_rp_id=RP_ID, webauthn_origin=ORIGIN)
    kit.customer(totp=False)
    with kit.session() as s:
        creds = kit.credentials(s)
        customer = creds.get_customer("A100200")
        challenge_id, options = creds.begin_webauthn(customer, "session-1")
        with pytest.raises(ValidationError):
            creds.finish_webauthn(
                customer,
                "session-1",
                challenge_id,
                SoftAuthenticator().register(options, "https://evil.example"),
                META,
            )
        with pytest.raises(FactorRejectedError):  # the challenge was used up
            creds.finish_webauthn(
                customer, "session-1", challenge_id, SoftAuthenticator().register(options), META
            )


@pytest.mark.parametrize(
    "credential", [{}, {"id": 5}, {"id": "x" * 600}, {"rawId": "abc", "response": {}}]
)
def test_malformed_credentials(
    kit: Kit, passkey: SoftAuthenticator, credential: dict[str, Any]
) -> None:
    with kit.session() as s:
        service = kit.login(s)
        token = service.start_login("A100200", PASSWORD, META).login_token
        issued, _ = service.create_challenge(token, "webauthn")
        with pytest.raises(FactorRejectedError):
            service.submit_factor(
                token,
                SimpleNamespace(
                    type="webauthn",
                    login_token=token,
                    challenge_id=issued.id,
                    credential=credential,
                ),
                META,
            )
