"""A9.2: resetting one factor needs a proven factor of another kind."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.challenges import signed_message
from brokerguard.auth.errors import AccountLockedError, InvalidCredentialsError
from brokerguard.auth.models import CredentialEvent, EnrolledFactor
from brokerguard.errors import AuthenticationError, ValidationError
from tests.auth.helpers import META, PASSWORD, Kit
from tests.auth.pki import ed25519_device, sign_with

NEW_PASSWORD = "Fresh-start-8899"


def aged_customer(kit: Kit) -> str | None:
    """A customer whose TOTP was enrolled 8 days ago (old enough to recover with)."""
    seed = kit.customer()
    kit.clock.advance(timedelta(days=8))
    return seed


def lock(kit: Kit) -> None:
    for i in range(5):
        with kit.session() as s, pytest.raises(InvalidCredentialsError):
            kit.login(s).start_login("A100200", f"Wrong-guess-{i}", META)


def test_password_reset_needs_a_possession_factor_and_unlocks(kit: Kit) -> None:
    seed = aged_customer(kit)
    assert seed is not None
    lock(kit)
    with kit.session() as s:
        service = kit.login(s)
        recovery = service.start_recovery("A100200", META)
        token = service.load_token(recovery.login_token, "recovery")
        with pytest.raises(AuthenticationError) as refused:
            kit.credentials(s).reset_password(token, NEW_PASSWORD, META)
        assert refused.value.code == "factor_required"
        accepted = service.submit_factor(
            recovery.login_token,
            SimpleNamespace(
                type="totp", login_token=recovery.login_token, code=kit.totp_code(seed)
            ),
            META,
            purpose="recovery",
        )
        assert accepted.session_token is None  # recovery never issues a session
        token = service.load_token(recovery.login_token, "recovery")
        kit.credentials(s).reset_password(token, NEW_PASSWORD, META)
        s.commit()
    with kit.session() as s:
        started = kit.login(s).start_login("A100200", NEW_PASSWORD, META)
        assert started.next_factors == ["totp"]
        steps = {e.step for e in s.query(CredentialEvent)}
        assert {"apply", "enroll_totp", "issue", "deliver", "reset", "unlock"} <= steps
    functions = {e.function for e in kit.sink.events}
    assert {
        "etrade.credential.reset",
        "etrade.credential.unlock",
        "etrade.password.change",
    } <= functions


def test_recovery_for_unknown_accounts_looks_the_same(kit: Kit) -> None:
    aged_customer(kit)
    with kit.session() as s:
        known = kit.login(s).start_recovery("A100200", META)
        unknown = kit.login(s).start_recovery("no-such-customer", META)
    assert known.next_factors == unknown.next_factors
    assert len(known.login_token) == len(unknown.login_token)


def test_recovery_token_cannot_log_in_and_login_token_cannot_recover(kit: Kit) -> None:
    aged_customer(kit)
    with kit.session() as s:
        service = kit.login(s)
        recovery = service.start_recovery("A100200", META)
        from brokerguard.auth.errors import InvalidLoginTokenError

        with pytest.raises(InvalidLoginTokenError):
            service.load_token(recovery.login_token, "login")
        login = service.start_login("A100200", PASSWORD, META)
        with pytest.raises(InvalidLoginTokenError):
            service.load_token(login.login_token, "recovery")


def test_the_password_alone_cannot_revoke_the_totp(kit: Kit) -> None:
    """Issue 13 (low): whoever phished the password must not strip the second factor."""
    aged_customer(kit)
    with kit.session() as s:
        service = kit.login(s)
        login = service.start_login("A100200", PASSWORD, META)
        token = service.load_token(login.login_token)
        with pytest.raises(AuthenticationError) as refused:
            kit.credentials(s).reset_factor(token, "totp", META)
        assert refused.value.code == "factor_required"
    with kit.session() as s:
        statuses = {f.type: f.status for f in s.query(EnrolledFactor)}
    assert statuses == {"totp": "active"}


def test_lost_totp_is_revoked_after_a_biometric_recovery(kit: Kit) -> None:
    """A factor of another category (inherence) proven on a recovery token may revoke
    the lost TOTP (possession)."""
    kit.customer()
    key, pem = ed25519_device()
    with kit.session() as s:
        creds = kit.credentials(s)
        creds.enroll_device(
            creds.get_customer("A100200"), META, device_id="iphone-15", public_key_pem=pem
        )
        record_assessment(
            s, kit.clock, method="app-face-v3", assessed_by="資安專責單位", conclusion="effective"
        )
        s.commit()
    kit.clock.advance(timedelta(days=8))
    with kit.session() as s:
        service = kit.login(s)
        recovery = service.start_recovery("A100200", META).login_token
        issued, _ = service.create_challenge(recovery, "biometric", purpose="recovery")
        signature = sign_with(key, signed_message(issued.nonce, "app-face-v3", "pass"))
        service.submit_factor(
            recovery,
            SimpleNamespace(
                type="biometric",
                login_token=recovery,
                device_id="iphone-15",
                challenge_id=issued.id,
                method="app-face-v3",
                result="pass",
                signature=signature,
            ),
            META,
            purpose="recovery",
        )
        token = service.load_token(recovery, "recovery")
        revoked = kit.credentials(s).reset_factor(token, "totp", META)
        s.commit()
        assert len(revoked) == 1
        assert s.get(EnrolledFactor, revoked[0]).status == "revoked"  # type: ignore[union-attr]


def test_password_proof_cannot_reset_the_password(kit: Kit) -> None:
    aged_customer(kit)
    with kit.session() as s:
        service = kit.login(s)
        login = service.start_login("A100200", PASSWORD, META)
        token = service.load_token(login.login_token)
        with pytest.raises(AuthenticationError):
            kit.credentials(s).reset_password(token, NEW_PASSWORD, META)


def test_recovery_proof_cannot_reset_a_factor_of_the_same_kind(kit: Kit) -> None:
    seed = aged_customer(kit)
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        recovery = service.start_recovery("A100200", META)
        service.submit_factor(
            recovery.login_token,
            SimpleNamespace(
                type="totp", login_token=recovery.login_token, code=kit.totp_code(seed)
            ),
            META,
            purpose="recovery",
        )
        token = service.load_token(recovery.login_token, "recovery")
        with pytest.raises(AuthenticationError):
            kit.credentials(s).reset_factor(token, "device", META)


def test_reset_password_still_follows_the_policy(kit: Kit) -> None:
    seed = aged_customer(kit)
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        recovery = service.start_recovery("A100200", META)
        service.submit_factor(
            recovery.login_token,
            SimpleNamespace(
                type="totp", login_token=recovery.login_token, code=kit.totp_code(seed)
            ),
            META,
            purpose="recovery",
        )
        token = service.load_token(recovery.login_token, "recovery")
        with pytest.raises(ValidationError) as weak:
            kit.credentials(s).reset_password(token, "short1", META)
        assert weak.value.code == "weak_password"
        with pytest.raises(ValidationError) as reused:
            kit.credentials(s).reset_password(token, PASSWORD, META)
        assert reused.value.code == "password_reused"


def test_locked_account_still_locked_after_failed_recovery(kit: Kit) -> None:
    aged_customer(kit)
    lock(kit)
    with kit.session() as s:
        service = kit.login(s)
        service.start_recovery("A100200", META)
        with pytest.raises(AccountLockedError):
            service.start_login("A100200", PASSWORD, META)


def test_recovery_guessing_is_bounded(kit: Kit) -> None:
    """One wrong factor per recovery token, five recovery starts, then only staff can help."""
    from dataclasses import replace

    from brokerguard.auth.errors import FactorRejectedError, InvalidLoginTokenError

    seed = aged_customer(kit)
    assert seed is not None
    for _ in range(5):
        with kit.session() as s:
            service = kit.login(s)
            token = service.start_recovery("A100200", META).login_token
            guess = SimpleNamespace(type="totp", login_token=token, code="000000")
            with pytest.raises(FactorRejectedError):
                service.submit_factor(token, guess, META, purpose="recovery")
            with pytest.raises(InvalidLoginTokenError):
                service.submit_factor(token, guess, META, purpose="recovery")
    with kit.session() as s, pytest.raises(AccountLockedError):
        kit.login(s).start_recovery("A100200", META)
    with kit.session() as s:
        kit.credentials(s).unlock("A100200", replace(META, actor="lin"), reason="identity checked")
        s.commit()
    with kit.session() as s:
        token = kit.login(s).start_recovery("A100200", META).login_token
        accepted = kit.login(s).submit_factor(
            token,
            SimpleNamespace(type="totp", login_token=token, code=kit.totp_code(seed)),
            META,
            purpose="recovery",
        )
        assert "possession" in accepted.categories


def test_a_factor_enrolled_days_ago_cannot_recover(kit: Kit) -> None:
    """Pentest finding 2: a thief enrols a TOTP with a stolen session, then resets the
    password with it. A factor younger than recovery_factor_min_age_days (7) is refused."""
    seed = kit.customer()
    assert seed is not None
    kit.clock.advance(timedelta(days=6))
    with kit.session() as s:
        service = kit.login(s)
        recovery = service.start_recovery("A100200", META)
        submission = SimpleNamespace(
            type="totp", login_token=recovery.login_token, code=kit.totp_code(seed)
        )
        with pytest.raises(AuthenticationError) as refused:
            service.submit_factor(recovery.login_token, submission, META, purpose="recovery")
        assert refused.value.code == "factor_too_new"
        with pytest.raises(AuthenticationError):  # the token is used up: one factor per token
            service.load_token(recovery.login_token, "recovery")
