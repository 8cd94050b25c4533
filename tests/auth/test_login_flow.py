from __future__ import annotations

from types import SimpleNamespace

import pytest

from brokerguard.auth.errors import (
    FactorRejectedError,
    InvalidCredentialsError,
    InvalidLoginTokenError,
    InvalidSessionError,
)
from brokerguard.auth.models import EtradeSession
from brokerguard.auth.settings import AuthSettings
from tests.auth.helpers import META, PASSWORD, Kit


def totp(token: str, code: str) -> SimpleNamespace:
    return SimpleNamespace(type="totp", login_token=token, code=code)


def test_password_alone_gives_no_session(kit: Kit) -> None:
    kit.customer()
    with kit.session() as s:
        started = kit.login(s).start_login("A100200", PASSWORD, META)
        assert started.next_factors == ["totp"]
        assert s.query(EtradeSession).count() == 0


def test_two_categories_issue_a_session(kit: Kit) -> None:
    seed = kit.customer()
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        started = service.start_login("A100200", PASSWORD, META)
        accepted = service.submit_factor(
            started.login_token, totp(started.login_token, kit.totp_code(seed)), META
        )
        assert accepted.session_token is not None
        assert accepted.factors_used == ["password", "totp"]
        assert accepted.categories == ["knowledge", "possession"]
        info = service.session_info(accepted.session_token)
        assert info.account == "A100200"
        # the login token is used up
        with pytest.raises(InvalidLoginTokenError):
            service.load_token(started.login_token)
        service.revoke_session(accepted.session_token, META)
        with pytest.raises(InvalidSessionError):
            service.session_info(accepted.session_token)


def test_policy_can_require_more_than_two_categories(kit: Kit) -> None:
    kit.auth = AuthSettings(min_categories=3)
    seed = kit.customer()
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        started = service.start_login("A100200", PASSWORD, META)
        accepted = service.submit_factor(
            started.login_token, totp(started.login_token, kit.totp_code(seed)), META
        )
        assert accepted.session_token is None
        assert s.query(EtradeSession).count() == 0


def test_policy_floor_cannot_be_lowered() -> None:
    with pytest.raises(ValueError, match="min_categories"):
        AuthSettings(min_categories=1)
    with pytest.raises(ValueError, match="lock_threshold"):
        AuthSettings(lock_threshold=6)
    with pytest.raises(ValueError, match="password_min_length"):
        AuthSettings(password_min_length=5)


def test_wrong_password_and_unknown_account_look_the_same(kit: Kit) -> None:
    kit.customer()
    with kit.session() as s:
        service = kit.login(s)
        with pytest.raises(InvalidCredentialsError) as wrong:
            service.start_login("A100200", "Wrong-password-1", META)
        with pytest.raises(InvalidCredentialsError) as unknown:
            service.start_login("Z999999", "Wrong-password-1", META)
    assert wrong.value.to_dict() == unknown.value.to_dict()
    assert wrong.value.status_code == unknown.value.status_code == 401


def test_wrong_second_factor_counts_and_kills_the_token(kit: Kit) -> None:
    kit.auth = AuthSettings(max_factor_failures=2)
    seed = kit.customer()
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        started = service.start_login("A100200", PASSWORD, META)
        for _ in range(2):
            with pytest.raises(FactorRejectedError) as rejected:
                service.submit_factor(
                    started.login_token, totp(started.login_token, "000000x"), META
                )
            assert rejected.value.code == "invalid_otp"
        with pytest.raises(InvalidLoginTokenError):
            service.submit_factor(
                started.login_token, totp(started.login_token, kit.totp_code(seed)), META
            )


def test_expired_login_token_is_refused(kit: Kit) -> None:
    from datetime import timedelta

    seed = kit.customer()
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        started = service.start_login("A100200", PASSWORD, META)
        kit.clock.advance(timedelta(seconds=kit.auth.login_token_ttl_s + 1))
        with pytest.raises(InvalidLoginTokenError):
            service.submit_factor(
                started.login_token, totp(started.login_token, kit.totp_code(seed)), META
            )


@pytest.mark.parametrize("token", ["", "x", "a" * 500, "not.a.token", "0" * 36 + ".secret"])
def test_malformed_login_tokens(kit: Kit, token: str) -> None:
    with kit.session() as s, pytest.raises(InvalidLoginTokenError):
        kit.login(s).submit_factor(token, totp(token, "123456"), META)
