from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from brokerguard.auth.models import EtradeCustomer
from brokerguard.auth.passwords import (
    HASHING,
    PasswordHashing,
    PasswordPolicy,
    hashing_for,
    hashing_with,
    meets_owasp_floor,
    normalise_password,
)
from brokerguard.auth.settings import AuthSettings
from brokerguard.config import SettingsError, settings_with
from brokerguard.errors import ValidationError
from brokerguard.staff.service import staff_hashing
from brokerguard.staff.settings import StaffSettings
from tests.auth.helpers import META, PASSWORD, CountingHashing, Kit
from tests.conftest import ROOT

POLICY = PasswordPolicy.from_settings(AuthSettings(brand_words=("fubon",)))


@pytest.mark.parametrize(
    "password",
    [
        "",
        "abc12",
        "abcdefgh",
        "12345678",
        "password1",
        "Qwer1234",
        "MyFubon-2026",
        "a\x00bcdefg1",
        "x1" * 600,
    ],
)
def test_policy_refuses(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        POLICY.validate(password, account="A100200")
    assert refused.value.field == "password"


def test_policy_refuses_the_account_name() -> None:
    with pytest.raises(ValidationError):
        POLICY.validate("xA100200x!", account="A100200")


@pytest.mark.parametrize("password", ["Trade-safely-2026", "台北股票交易2026", "correct horse 9"])
def test_policy_accepts(password: str) -> None:
    assert POLICY.validate(password, account="A100200") == unicodedata.normalize("NFKC", password)


def test_floor_applies_even_if_a_policy_object_is_built_lower() -> None:
    weak = PasswordPolicy(min_length=3)
    with pytest.raises(ValidationError):
        weak.validate("ab1c5")


def test_blocklist_file(tmp_path: Path) -> None:
    path = tmp_path / "blocklist.txt"
    path.write_text("# firm list\nDemoSecurities99\n", encoding="utf-8")
    policy = PasswordPolicy.from_settings(AuthSettings(password_blocklist_file=path))
    with pytest.raises(ValidationError, match="common"):
        policy.validate("demosecurities99")


def test_nfkc_makes_fullwidth_equal_to_ascii() -> None:
    assert normalise_password("Ｔｒａｄｅ１２３") == "Trade123"
    h = HASHING.hash(normalise_password("Ｔｒａｄｅ１２３"))
    assert HASHING.verify(h, normalise_password("Trade123"))


def test_owasp_parameters() -> None:
    assert HASHING.hash("Trade123").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_production_costs_are_the_documented_owasp_ones_and_their_hash_verifies() -> None:
    """Unless configured otherwise, customers' and staff's new hashes use OWASP's argon2id
    costs, as docs/etrade-login.md (A9.5) says; the tests run cheaper through the same
    settings (tests/conftest.py), so this test names the production costs itself."""
    assert "m=19456 KiB、t=2、p=1" in (ROOT / "docs" / "etrade-login.md").read_text("utf-8")
    for model in (AuthSettings, StaffSettings):
        assert model.model_fields["argon2_time_cost"].default == 2
        assert model.model_fields["argon2_memory_kib"].default == 19456
    production = hashing_with(2, 19456)
    assert production is HASHING
    stored = production.hash(normalise_password("Trade123"))
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert production.verify(stored, "Trade123")
    assert not production.verify(stored, "Trade124")
    assert not production.needs_rehash(stored)


def test_the_argon2_costs_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("BROKERGUARD_AUTH__ARGON2_TIME_COST", "3"),
        ("BROKERGUARD_AUTH__ARGON2_MEMORY_KIB", "512"),
        ("BROKERGUARD_STAFF__ARGON2_TIME_COST", "2"),
        ("BROKERGUARD_STAFF__ARGON2_MEMORY_KIB", "256"),
    ):
        monkeypatch.setenv(name, value)
    settings = settings_with()
    customer = hashing_for(settings.auth).hash("Trade123")
    staff = staff_hashing(settings.staff).hash("Trade123")
    assert customer.startswith("$argon2id$v=19$m=512,t=3,p=1$")
    assert staff.startswith("$argon2id$v=19$m=256,t=2,p=1$")
    assert hashing_for(settings.auth).verify(customer, "Trade123")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BROKERGUARD_AUTH__ARGON2_TIME_COST", "0"),
        ("BROKERGUARD_AUTH__ARGON2_MEMORY_KIB", "4"),
        ("BROKERGUARD_STAFF__ARGON2_MEMORY_KIB", "lots"),
    ],
)
def test_an_impossible_argon2_cost_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        settings_with()
    assert f"environment variable {name}" in caught.value.message


def test_rehash_on_login_when_parameters_change(kit: Kit) -> None:
    kit.hashing = CountingHashing(time_cost=1, memory_cost=512)
    kit.customer(totp=False)
    with kit.session() as s:
        old = s.query(EtradeCustomer).one().password_hash
    assert ",t=1," in old
    kit.hashing = CountingHashing(time_cost=2, memory_cost=1024)
    with kit.session() as s:
        kit.login(s).start_login("A100200", PASSWORD, META)
    with kit.session() as s:
        new = s.query(EtradeCustomer).one().password_hash
    assert new != old and "m=1024,t=2" in new
    assert PasswordHashing(time_cost=2, memory_cost=1024).verify(new, PASSWORD)


def test_rehash_never_overwrites_a_password_changed_meanwhile(kit: Kit) -> None:
    """argon2 runs outside the login's transactions: a password change that commits while
    it runs must survive the login's rehash of the old password."""
    kit.hashing = CountingHashing(time_cost=1, memory_cost=512)
    kit.customer(totp=False)
    changed = PasswordHashing(time_cost=2, memory_cost=1024).hash("Changed-Meanwhile-42")

    class ChangedDuringVerify(CountingHashing):
        def verify(self, stored_hash: str, normalised: str) -> bool:
            ok = super().verify(stored_hash, normalised)
            with kit.session() as other:  # the customer's password change commits now
                other.query(EtradeCustomer).one().password_hash = changed
                other.commit()
            return ok

    kit.hashing = ChangedDuringVerify(time_cost=2, memory_cost=1024)
    with kit.session() as s:
        kit.login(s).start_login("A100200", PASSWORD, META)
    with kit.session() as s:
        assert s.query(EtradeCustomer).one().password_hash == changed


def test_password_change_keeps_history(kit: Kit) -> None:
    kit.customer(totp=False)
    with kit.session() as s:
        creds = kit.credentials(s)
        customer = creds.get_customer("A100200")
        from brokerguard.errors import AuthenticationError

        with pytest.raises(AuthenticationError):
            creds.change_password(customer, "Wrong-current-1", "Another-pass-77", META)
        creds.change_password(customer, PASSWORD, "Another-pass-77", META)
        with pytest.raises(ValidationError, match="not used"):
            creds.change_password(customer, "Another-pass-77", PASSWORD, META)
        s.commit()
    changes = [e for e in kit.sink.events if e.function == "etrade.password.change"]
    assert [e.outcome for e in changes] == ["failure", "success", "failure"]
    assert all("Another-pass-77" not in str(e.model_dump()) for e in kit.sink.events)


def test_forced_change_when_password_too_old(kit: Kit) -> None:
    from datetime import timedelta

    kit.auth = AuthSettings(password_max_age_days=90)
    kit.customer(totp=False)
    kit.clock.advance(timedelta(days=91))
    with kit.session() as s:
        started = kit.login(s).start_login("A100200", PASSWORD, META)
    assert started.password_change_required


def test_needs_rehash_agrees_with_argon2_on_every_shape() -> None:
    """The fast path (a prefix and length compare) answers False only for hashes argon2
    itself says need no rehash; anything else goes to ``check_needs_rehash``."""
    from argon2 import PasswordHasher

    hashing = PasswordHashing(time_cost=2, memory_cost=1024)
    reference = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
    current = hashing.hash(PASSWORD)
    others = [
        PasswordHasher(time_cost=3, memory_cost=1024, parallelism=1).hash(PASSWORD),
        PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD),
        PasswordHasher(time_cost=2, memory_cost=1024, parallelism=2).hash(PASSWORD),
        PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, salt_len=8).hash(PASSWORD),
        PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, hash_len=16).hash(PASSWORD),
        PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, salt_len=17).hash(PASSWORD),
    ]
    assert hashing.needs_rehash(current) is False
    assert reference.check_needs_rehash(current) is False
    for other in others:
        assert hashing.needs_rehash(other) is True, other
        assert reference.check_needs_rehash(other) is True
    # same length, salt and hash boundary moved: not the current shape
    salt, digest = current.rsplit("$", 2)[1:]
    moved = current[: -len(salt) - len(digest) - 1] + salt + "A$" + digest[1:]
    assert len(moved) == len(current)
    assert hashing.needs_rehash(moved) is True
    for broken in ("", "$argon2id$", current + "$x", "$argon2i$" + current[10:], "x" * 300):
        assert hashing.needs_rehash(broken) is True, broken


@pytest.mark.parametrize(
    ("time_cost", "memory_kib", "strong"),
    [
        (2, 19456, True),  # OWASP's default
        (1, 47104, True),  # the equivalent settings
        (3, 12288, True),
        (5, 7168, True),
        (1, 19456, False),  # one pass needs 46 MiB
        (2, 12288, False),
        (1, 1024, False),  # the tests' cheap costs
    ],
)
def test_meets_owasp_floor(time_cost: int, memory_kib: int, strong: bool) -> None:
    made = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1).hash("pw")
    assert meets_owasp_floor(made) is strong


@pytest.mark.parametrize("stored", ["", "$2b$12$bcrypt", "$argon2id$v=19$m=oops", "plain"])
def test_meets_owasp_floor_refuses_what_it_cannot_read(stored: str) -> None:
    assert meets_owasp_floor(stored) is False
