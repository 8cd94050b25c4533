"""Staff accounts: creation, password check (argon2id), roles."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.auth.passwords import PasswordHashing, hashing_for
from brokerguard.clock import Clock, as_utc
from brokerguard.config import get_settings
from brokerguard.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from brokerguard.staff.models import StaffUser
from brokerguard.staff.roles import Role
from brokerguard.staff.sessions import end_all_sessions
from brokerguard.staff.settings import StaffSettings

STAFF_LOCK_THRESHOLD = 5
STAFF_LOCK_PERIOD = timedelta(minutes=30)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MAX_PASSWORD_BYTES = 1024


@dataclass(frozen=True)
class StaffIdentity:
    id: str
    username: str
    display_name: str
    unit: str
    roles: frozenset[Role]

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles)) or Role.admin in self.roles


def _identity(user: StaffUser) -> StaffIdentity:
    return StaffIdentity(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        unit=user.unit,
        roles=frozenset(Role(r) for r in user.roles.split(",") if r),
    )


def staff_hashing(settings: StaffSettings | None = None) -> PasswordHashing:
    """argon2id with the costs of ``settings`` (``staff.argon2_*``; by default the process
    settings', OWASP unless configured otherwise)."""
    return hashing_for(settings if settings is not None else get_settings().staff)


def _normalise_password(password: str) -> str:
    if "\x00" in password:
        raise ValidationError("password contains a NUL character", field="password")
    normalised = unicodedata.normalize("NFKC", password)
    if len(normalised.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"password longer than {MAX_PASSWORD_BYTES} bytes", field="password")
    return normalised


def validate_staff_password(password: str) -> str:
    normalised = _normalise_password(password)
    if len(normalised) < 12:
        raise ValidationError("staff passwords need at least 12 characters", field="password")
    if not (re.search(r"[A-Za-z]", normalised) and re.search(r"[^A-Za-z]", normalised)):
        raise ValidationError(
            "staff passwords need letters and digits or symbols", field="password"
        )
    return normalised


def create_staff_user(
    session: Session,
    clock: Clock,
    *,
    username: str,
    password: str,
    roles: set[Role],
    display_name: str = "",
    unit: str = "",
    hashing: PasswordHashing | None = None,
) -> StaffIdentity:
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "username must be 2-64 characters of a-z, 0-9, '.', '_' or '-'", field="username"
        )
    if not roles:
        raise ValidationError("a staff user needs at least one role", field="roles")
    if session.scalar(select(StaffUser).where(StaffUser.username == username)) is not None:
        raise ConflictError(f"staff user already exists: {username}", field="username")
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        unit=unit,
        roles=",".join(sorted(r.value for r in roles)),
        password_hash=(hashing or staff_hashing()).hash(validate_staff_password(password)),
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return _identity(user)


def authenticate_staff(
    session: Session,
    clock: Clock,
    username: str,
    password: str,
    *,
    lock_threshold: int = STAFF_LOCK_THRESHOLD,
    lock_period: timedelta = STAFF_LOCK_PERIOD,
    hashing: PasswordHashing | None = None,
) -> StaffIdentity:
    """Check a staff login. Unknown users cost the same as wrong passwords.

    The ``lock_threshold``-th wrong password locks the account; the lock is released
    after ``lock_period`` or by an admin (:func:`unlock_staff`). A locked account is
    refused before its password is checked, with the same answer as a wrong password.
    """
    hashing = hashing or staff_hashing()
    try:
        candidate = _normalise_password(password)
    except ValidationError:
        raise AuthenticationError("wrong username or password") from None
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is not None and user.failed_logins >= lock_threshold:
        locked_at = as_utc(user.locked_at) if user.locked_at else None
        if locked_at is not None and locked_at + lock_period <= clock.now():
            user.failed_logins, user.locked_at = 0, None  # the timed release
    if user is None or not user.active or user.failed_logins >= lock_threshold:
        hashing.verify_dummy(candidate)
        raise AuthenticationError("wrong username or password")
    if not hashing.verify(user.password_hash, candidate):
        user.failed_logins += 1
        if user.failed_logins >= lock_threshold:
            user.locked_at = clock.now()
        session.flush()
        raise AuthenticationError("wrong username or password")
    if hashing.needs_rehash(user.password_hash):
        user.password_hash = hashing.hash(candidate)
    user.failed_logins = 0
    user.locked_at = None
    user.last_login_at = clock.now()
    session.flush()
    return _identity(user)


@dataclass(frozen=True)
class StaffLockState:
    username: str
    display_name: str
    active: bool
    failed_logins: int
    locked_at: datetime | None


def lock_states(session: Session) -> list[StaffLockState]:
    return [
        StaffLockState(u.username, u.display_name, u.active, u.failed_logins, u.locked_at)
        for u in session.scalars(select(StaffUser).order_by(StaffUser.username))
    ]


def unlock_staff(session: Session, username: str) -> bool:
    """An admin's unlock: the failure count back to zero. False if it was not locked."""
    user = _user(session, username)
    was_locked = user.failed_logins > 0 or user.locked_at is not None
    user.failed_logins, user.locked_at = 0, None
    session.flush()
    return was_locked


def get_staff(session: Session, user_id: str) -> StaffIdentity | None:
    user = session.get(StaffUser, user_id)
    if user is None or not user.active:
        return None
    return _identity(user)


def staff_by_username(session: Session, username: str) -> StaffIdentity | None:
    """The active staff user named ``username`` (None: no such user, or deactivated)."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    if user is None or not user.active:
        return None
    return _identity(user)


def list_staff(session: Session) -> list[StaffIdentity]:
    return [_identity(u) for u in session.scalars(select(StaffUser).order_by(StaffUser.username))]


def list_active_staff(session: Session) -> list[StaffIdentity]:
    """Staff users who may still sign in (not deactivated), by username."""
    rows = session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.username)
    )
    return [_identity(u) for u in rows]


def _user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username[:64]))
    if user is None:
        raise NotFoundError(f"no staff user {username[:64]!r}", field="username")
    return user


def change_staff_password(
    session: Session,
    clock: Clock,
    username: str,
    password: str,
    *,
    hashing: PasswordHashing | None = None,
) -> int:
    """Set a new password; every session of the user ends. Returns the sessions ended."""
    user = _user(session, username)
    user.password_hash = (hashing or staff_hashing()).hash(validate_staff_password(password))
    return end_all_sessions(session, clock, user.id, "password_changed")


def set_staff_roles(session: Session, clock: Clock, username: str, roles: set[Role]) -> int:
    """Replace the user's roles; every session ends (the next sign-in gets the new roles)."""
    if not roles:
        raise ValidationError("a staff user needs at least one role", field="roles")
    user = _user(session, username)
    user.roles = ",".join(sorted(r.value for r in roles))
    return end_all_sessions(session, clock, user.id, "role_changed")


def disable_staff(session: Session, clock: Clock, username: str) -> int:
    """Disable the account; every session ends at once."""
    user = _user(session, username)
    user.active = False
    return end_all_sessions(session, clock, user.id, "disabled")
