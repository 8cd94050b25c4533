"""Device binding, indirect biometrics and certificates with real keys made in the tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.challenges import signed_message
from brokerguard.auth.errors import FactorRejectedError
from brokerguard.auth.settings import AuthSettings
from brokerguard.errors import ConflictError, ValidationError
from tests.auth.helpers import META, PASSWORD, Kit
from tests.auth.pki import Issued, TestCA, ed25519_device, p256_device, sign_with


def enrol_device(kit: Kit, pem: str, device_id: str = "iphone-15") -> None:
    with kit.session() as s:
        creds = kit.credentials(s)
        creds.enroll_device(
            creds.get_customer("A100200"), META, device_id=device_id, public_key_pem=pem
        )
        s.commit()


def start(kit: Kit) -> str:
    with kit.session() as s:
        return kit.login(s).start_login("A100200", PASSWORD, META).login_token


def challenge(kit: Kit, token: str, kind: str) -> tuple[str, str]:
    with kit.session() as s:
        issued, _ = kit.login(s).create_challenge(token, kind)
        return issued.id, issued.nonce


def submit(kit: Kit, token: str, **fields: str) -> str:
    with kit.session() as s:
        try:
            accepted = kit.login(s).submit_factor(
                token, SimpleNamespace(login_token=token, **fields), META
            )
        except FactorRejectedError as exc:
            return exc.code
        return "ok" if accepted.session_token else "partial"


@pytest.mark.parametrize("make_key", [ed25519_device, p256_device])
def test_device_key_signs_the_nonce(kit: Kit, make_key: object) -> None:
    kit.customer(totp=False)
    key, pem = make_key()  # type: ignore[operator]
    enrol_device(kit, pem)
    token = start(kit)
    cid, nonce = challenge(kit, token, "device")
    sig = sign_with(key, signed_message(nonce))
    assert (
        submit(kit, token, type="device", device_id="iphone-15", challenge_id=cid, signature=sig)
        == "ok"
    )
    events = [e for e in kit.sink.events if e.function == "etrade.login.factor"]
    assert events[-1].attributes["device_id"] == "iphone-15"
    assert sig not in str([e.model_dump() for e in kit.sink.events])


def test_signature_over_another_nonce_is_refused(kit: Kit) -> None:
    kit.customer(totp=False)
    key, pem = ed25519_device()
    enrol_device(kit, pem)
    token = start(kit)
    cid, _ = challenge(kit, token, "device")
    _, other_nonce = challenge(kit, token, "device")
    sig = sign_with(key, signed_message(other_nonce))
    assert (
        submit(kit, token, type="device", device_id="iphone-15", challenge_id=cid, signature=sig)
        == "bad_signature"
    )


def test_nonce_is_single_use(kit: Kit) -> None:
    kit.customer(totp=False)
    key, pem = ed25519_device()
    enrol_device(kit, pem)
    token = start(kit)
    cid, nonce = challenge(kit, token, "device")
    bad = sign_with(ed25519_device()[0], signed_message(nonce))
    assert (
        submit(kit, token, type="device", device_id="iphone-15", challenge_id=cid, signature=bad)
        == "bad_signature"
    )
    good = sign_with(key, signed_message(nonce))
    # the failed try used the nonce up: even a right signature over it is refused now
    assert (
        submit(kit, token, type="device", device_id="iphone-15", challenge_id=cid, signature=good)
        == "invalid_nonce"
    )


def test_foreign_key_and_unknown_device_are_refused(kit: Kit) -> None:
    kit.customer(totp=False)
    _, pem = ed25519_device()
    enrol_device(kit, pem)
    token = start(kit)
    cid, nonce = challenge(kit, token, "device")
    stranger = sign_with(ed25519_device()[0], signed_message(nonce))
    assert (
        submit(
            kit, token, type="device", device_id="android-1", challenge_id=cid, signature=stranger
        )
        == "unknown_device"
    )


def test_expired_nonce_is_refused(kit: Kit) -> None:
    kit.customer(totp=False)
    key, pem = ed25519_device()
    enrol_device(kit, pem)
    token = start(kit)
    cid, nonce = challenge(kit, token, "device")
    kit.clock.advance(timedelta(seconds=kit.auth.challenge_ttl_s + 1))
    sig = sign_with(key, signed_message(nonce))
    assert (
        submit(kit, token, type="device", device_id="iphone-15", challenge_id=cid, signature=sig)
        == "invalid_nonce"
    )


@pytest.mark.parametrize("signature", ["", "!!!", "A" * 7, "bm90IGEgc2lnbmF0dXJl"])
def test_garbage_signatures(kit: Kit, signature: str) -> None:
    kit.customer(totp=False)
    _, pem = ed25519_device()
    enrol_device(kit, pem)
    token = start(kit)
    cid, _ = challenge(kit, token, "device")
    assert (
        submit(
            kit, token, type="device", device_id="iphone-15", challenge_id=cid, signature=signature
        )
        == "bad_signature"
    )


@pytest.mark.parametrize(
    "pem", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_bad_device_keys_are_refused_at_enrolment(kit: Kit, pem: str) -> None:
    kit.customer(totp=False)
    with pytest.raises(ValidationError):
        enrol_device(kit, pem)


def test_rsa_device_keys_are_refused(kit: Kit) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    kit.customer(totp=False)
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValidationError, match="P-256 or Ed25519"):
        enrol_device(kit, pem)


def test_device_enrolled_twice_conflicts(kit: Kit) -> None:
    kit.customer(totp=False)
    enrol_device(kit, ed25519_device()[1])
    with pytest.raises(ConflictError):
        enrol_device(kit, ed25519_device()[1])


def biometric(
    kit: Kit, key: object, token: str, method: str = "app-face-v3", result: str = "pass"
) -> str:
    cid, nonce = challenge(kit, token, "biometric")
    sig = sign_with(key, signed_message(nonce, method, result))  # type: ignore[arg-type]
    return submit(
        kit,
        token,
        type="biometric",
        device_id="iphone-15",
        challenge_id=cid,
        method=method,
        result=result,
        signature=sig,
    )


def test_biometric_needs_an_effectiveness_assessment(kit: Kit) -> None:
    kit.customer(totp=False)
    key, pem = ed25519_device()
    enrol_device(kit, pem)
    token = start(kit)
    assert biometric(kit, key, token) == "method_not_assessed"
    with kit.session() as s:
        record_assessment(
            s,
            kit.clock,
            method="app-face-v3",
            assessed_by="資安專責單位 林經理",
            conclusion="ineffective",
        )
        s.commit()
    assert biometric(kit, key, token) == "method_not_assessed"
    with kit.session() as s:
        kit.clock.advance(timedelta(minutes=1))
        record_assessment(
            s,
            kit.clock,
            method="app-face-v3",
            assessed_by="資安專責單位 林經理",
            conclusion="effective",
        )
        s.commit()
    assert biometric(kit, key, token) == "ok"


def test_biometric_result_must_be_pass_and_signed(kit: Kit) -> None:
    kit.customer(totp=False)
    key, pem = ed25519_device()
    enrol_device(kit, pem)
    with kit.session() as s:
        record_assessment(
            s, kit.clock, method="app-face-v3", assessed_by="林經理", conclusion="effective"
        )
        s.commit()
    token = start(kit)
    assert biometric(kit, key, token, result="fail") == "biometric_not_matched"
    # a "pass" signed by someone else's key
    assert biometric(kit, ed25519_device()[0], token) == "bad_signature"


def test_device_and_biometric_are_two_categories(kit: Kit) -> None:
    """Possession + inherence make a login even without the password being the second."""
    kit.customer(totp=False)
    kit.auth = AuthSettings(min_categories=3)
    key, pem = ed25519_device()
    enrol_device(kit, pem)
    with kit.session() as s:
        record_assessment(
            s, kit.clock, method="app-face-v3", assessed_by="林經理", conclusion="effective"
        )
        s.commit()
    token = start(kit)
    cid, nonce = challenge(kit, token, "device")
    assert (
        submit(
            kit,
            token,
            type="device",
            device_id="iphone-15",
            challenge_id=cid,
            signature=sign_with(key, signed_message(nonce)),
        )
        == "partial"
    )
    assert biometric(kit, key, token) == "ok"


# -- certificates ------------------------------------------------------------------
@pytest.fixture
def ca(kit: Kit, tmp_path: Path) -> TestCA:
    authority = TestCA("TWCA Test Root", kit.clock.now())
    kit.auth = AuthSettings(ca_cert_files=(authority.write(tmp_path),))
    return authority


def enrol_cert(kit: Kit, pem: str) -> None:
    with kit.session() as s:
        creds = kit.credentials(s)
        creds.enroll_certificate(creds.get_customer("A100200"), META, certificate_pem=pem)
        s.commit()


def cert_login(kit: Kit, issued_sign: Callable[[bytes], str]) -> str:
    token = start(kit)
    cid, nonce = challenge(kit, token, "certificate")
    return submit(
        kit,
        token,
        type="certificate",
        challenge_id=cid,
        signature=issued_sign(signed_message(nonce)),
        fingerprint="",
    )


def test_certificate_login(kit: Kit, ca: TestCA) -> None:
    kit.customer(totp=False)
    issued = ca.issue("A100200")
    enrol_cert(kit, issued.pem)
    assert cert_login(kit, issued.sign) == "ok"


def test_certificate_signature_by_another_key_is_refused(kit: Kit, ca: TestCA) -> None:
    kit.customer(totp=False)
    issued = ca.issue("A100200")
    enrol_cert(kit, issued.pem)
    assert cert_login(kit, ca.issue("someone").sign) == "bad_signature"


def test_expired_certificate_is_refused(kit: Kit, ca: TestCA) -> None:
    kit.customer(totp=False)
    issued = ca.issue("A100200", not_after=kit.clock.now() + timedelta(days=1))
    enrol_cert(kit, issued.pem)
    kit.clock.advance(timedelta(days=2))
    assert cert_login(kit, issued.sign) == "expired_certificate"


def test_not_yet_valid_and_foreign_certificates_are_refused_at_enrolment(
    kit: Kit, ca: TestCA
) -> None:
    kit.customer(totp=False)
    future = ca.issue("A100200", not_before=kit.clock.now() + timedelta(days=3))
    with pytest.raises(ValidationError) as refused:
        enrol_cert(kit, future.pem)
    assert refused.value.code == "expired_certificate"
    foreign = TestCA("Evil Root", kit.clock.now()).issue("A100200")
    with pytest.raises(ValidationError) as untrusted:
        enrol_cert(kit, foreign.pem)
    assert untrusted.value.code == "untrusted_certificate"
    # a self-signed certificate pretending the CA's name is refused too
    impostor = TestCA("TWCA Test Root", kit.clock.now())
    with pytest.raises(ValidationError):
        enrol_cert(kit, impostor.issue("A100200").pem)


def test_revoked_certificate_is_refused(kit: Kit, ca: TestCA, tmp_path: Path) -> None:
    kit.customer(totp=False)
    issued = ca.issue("A100200")
    enrol_cert(kit, issued.pem)
    crl = ca.crl([issued.cert], tmp_path)
    kit.auth = replace_settings(kit.auth, crl_file=crl)
    assert cert_login(kit, issued.sign) == "revoked_certificate"


def test_crl_signed_by_another_ca_is_refused(kit: Kit, ca: TestCA, tmp_path: Path) -> None:
    kit.customer(totp=False)
    issued = ca.issue("A100200")
    enrol_cert(kit, issued.pem)
    forged = TestCA("TWCA Test Root", kit.clock.now()).crl([], tmp_path)
    kit.auth = replace_settings(kit.auth, crl_file=forged)
    assert cert_login(kit, issued.sign) == "crl_invalid"


@pytest.mark.parametrize(
    "pem",
    ["", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "A" * 20000],
)
def test_malformed_certificates(kit: Kit, ca: TestCA, pem: str) -> None:
    kit.customer(totp=False)
    with pytest.raises(ValidationError):
        enrol_cert(kit, pem)


def replace_settings(settings: AuthSettings, **changes: object) -> AuthSettings:
    return settings.model_copy(update=changes)


# -- chains through intermediate CAs, and their revocation lists ---------------------
@pytest.fixture
def chain(kit: Kit, tmp_path: Path) -> tuple[TestCA, TestCA]:
    """A root that may issue one level of CAs, and an issuing CA under it."""
    root = TestCA("TWCA Test Root", kit.clock.now(), path_length=1)
    issuing = root.subordinate("TWCA Test Issuing CA")
    kit.auth = AuthSettings(
        ca_cert_files=(root.write(tmp_path),),
        intermediate_cert_files=(issuing.write(tmp_path),),
    )
    return root, issuing


def enrolled_through(kit: Kit, issuing: TestCA) -> Issued:
    kit.customer(totp=False)
    issued = issuing.issue("A100200")
    enrol_cert(kit, issued.pem)
    return issued


def test_certificate_through_an_intermediate_ca(kit: Kit, chain: tuple[TestCA, TestCA]) -> None:
    issued = enrolled_through(kit, chain[1])
    assert cert_login(kit, issued.sign) == "ok"


def test_an_intermediate_that_is_not_configured_breaks_the_chain(
    kit: Kit, chain: tuple[TestCA, TestCA]
) -> None:
    kit.customer(totp=False)
    kit.auth = replace_settings(kit.auth, intermediate_cert_files=())
    with pytest.raises(ValidationError) as refused:
        enrol_cert(kit, chain[1].issue("A100200").pem)
    assert refused.value.code == "untrusted_certificate"


def test_a_root_limited_to_path_length_0_cannot_have_intermediates(
    kit: Kit, tmp_path: Path
) -> None:
    root = TestCA("TWCA Test Root", kit.clock.now(), path_length=0)
    issuing = root.subordinate("TWCA Test Issuing CA")
    kit.auth = AuthSettings(
        ca_cert_files=(root.write(tmp_path),), intermediate_cert_files=(issuing.write(tmp_path),)
    )
    kit.customer(totp=False)
    with pytest.raises(ValidationError) as refused:
        enrol_cert(kit, issuing.issue("A100200").pem)
    assert refused.value.code == "untrusted_certificate"


def test_revocation_is_checked_at_every_level_of_the_chain(
    kit: Kit, chain: tuple[TestCA, TestCA], tmp_path: Path
) -> None:
    root, issuing = chain
    issued = enrolled_through(kit, issuing)
    clean = (issuing.crl([], tmp_path / "a"), root.crl([], tmp_path / "b"))
    kit.auth = replace_settings(kit.auth, crl_files=clean)
    assert cert_login(kit, issued.sign) == "ok"
    leaf_revoked = (issuing.crl([issued.cert], tmp_path / "c"), clean[1])
    kit.auth = replace_settings(kit.auth, crl_files=leaf_revoked)
    assert cert_login(kit, issued.sign) == "revoked_certificate"
    ca_revoked = (clean[0], root.crl([issuing.cert], tmp_path / "d"))
    kit.auth = replace_settings(kit.auth, crl_files=ca_revoked)
    assert cert_login(kit, issued.sign) == "revoked_certificate"


def test_the_issuers_crl_must_be_present_and_current(
    kit: Kit, chain: tuple[TestCA, TestCA], tmp_path: Path
) -> None:
    root, issuing = chain
    issued = enrolled_through(kit, issuing)
    kit.auth = replace_settings(kit.auth, crl_files=(root.crl([], tmp_path / "a"),))
    assert cert_login(kit, issued.sign) == "crl_invalid"  # only the root's list: fail closed
    stale = issuing.crl([], tmp_path / "b", next_update=kit.clock.now() - timedelta(hours=1))
    kit.auth = replace_settings(kit.auth, crl_files=(stale,))
    assert cert_login(kit, issued.sign) == "crl_stale"


def test_certificate_renewal_revokes_the_old_one(kit: Kit, ca: TestCA) -> None:
    from brokerguard.auth.models import EnrolledFactor

    kit.customer(totp=False)
    old = ca.issue("A100200")
    enrol_cert(kit, old.pem)
    new = ca.issue("A100200")
    with kit.session() as s:
        creds = kit.credentials(s)
        customer = creds.get_customer("A100200")
        old_id = s.query(EnrolledFactor).one().id
        creds.renew_certificate(customer, old_id, new.pem, META)
        s.commit()
        assert s.get(EnrolledFactor, old_id).status == "revoked"  # type: ignore[union-attr]
    assert cert_login(kit, new.sign) == "ok"
    assert cert_login(kit, old.sign) == "bad_signature"
