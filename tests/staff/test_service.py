from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.auth.passwords import hashing_with
from brokerguard.clock import FixedClock
from brokerguard.errors import AuthenticationError, ConflictError, ValidationError
from brokerguard.staff.models import StaffUser
from brokerguard.staff.roles import Role
from brokerguard.staff.service import authenticate_staff, create_staff_user

GOOD = "Long-enough-pass-1"


def test_create_and_authenticate(session: Session, clock: FixedClock) -> None:
    create_staff_user(session, clock, username="dora", password=GOOD, roles={Role.security})
    identity = authenticate_staff(session, clock, "dora", GOOD)
    assert identity.roles == {Role.security}
    assert identity.has_any(Role.security)
    assert not identity.has_any(Role.compliance)


def test_a_sign_in_rehashes_a_password_made_with_other_costs(
    session: Session, clock: FixedClock
) -> None:
    before, after = hashing_with(1, 512), hashing_with(2, 1024)
    create_staff_user(
        session, clock, username="gail", password=GOOD, roles={Role.auditor}, hashing=before
    )
    stored = select(StaffUser.password_hash).where(StaffUser.username == "gail")
    old = session.scalar(stored)
    assert old is not None and "m=512,t=1" in old
    with pytest.raises(AuthenticationError):
        authenticate_staff(session, clock, "gail", GOOD + "x", hashing=after)
    assert session.scalar(stored) == old  # no rehash on a wrong password
    authenticate_staff(session, clock, "gail", GOOD, hashing=after)
    new = session.scalar(stored)
    assert new is not None and "m=1024,t=2" in new
    assert after.verify(new, GOOD)
    authenticate_staff(session, clock, "gail", GOOD, hashing=after)
    assert session.scalar(stored) == new  # no rehash while the costs stay


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
