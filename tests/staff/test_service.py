from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.errors import AuthenticationError, ConflictError, ValidationError
from brokerguard.staff.roles import Role
from brokerguard.staff.service import authenticate_staff, create_staff_user

GOOD = "Long-enough-pass-1"


def test_create_and_authenticate(session: Session, clock: FixedClock) -> None:
    create_staff_user(session, clock, username="dora", password=GOOD, roles={Role.security})
    identity = authenticate_staff(session, clock, "dora", GOOD)
    assert identity.roles == {Role.security}
    assert identity.has_any(Role.security)
    assert not identity.has_any(Role.compliance)


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("Bad Name", GOOD, "username"),
        ("ok-name", "short1!", "password"),
        ("ok-name", "lettersonlylongenough", "password"),
        ("ok-name", "with\x00nul-character-1", "password"),
        ("ok-name", "a1" * 600, "password"),
    ],
)
def test_bad_input_names_the_field(
    session: Session, clock: FixedClock, username: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        create_staff_user(
            session, clock, username=username, password=password, roles={Role.auditor}
        )
    assert info.value.field == field


def test_duplicate_username(session: Session, clock: FixedClock) -> None:
    create_staff_user(session, clock, username="eve", password=GOOD, roles={Role.auditor})
    with pytest.raises(ConflictError):
        create_staff_user(session, clock, username="eve", password=GOOD, roles={Role.auditor})


def test_staff_account_locks_after_five_failures(session: Session, clock: FixedClock) -> None:
    create_staff_user(session, clock, username="finn", password=GOOD, roles={Role.admin})
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            authenticate_staff(session, clock, "finn", "wrong-password-1")
    with pytest.raises(AuthenticationError):
        authenticate_staff(session, clock, "finn", GOOD)


def test_unknown_user_gets_the_same_error(session: Session, clock: FixedClock) -> None:
    with pytest.raises(AuthenticationError) as info:
        authenticate_staff(session, clock, "nobody", GOOD)
    assert info.value.message == "wrong username or password"
