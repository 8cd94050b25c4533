"""Password factor material: argon2id hashing, NFKC normalisation, the password policy.

A9.5: only argon2id hashes are stored. A9.7/A9.8: the policy floor (6 characters,
letters plus digits or symbols, lock at 5) cannot be lowered; the firm raises it in
:class:`~brokerguard.auth.settings.AuthSettings`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from brokerguard.auth.settings import (
    ARGON2_MEMORY_KIB,
    ARGON2_TIME_COST,
    MIN_PASSWORD_LENGTH_FLOOR,
    Argon2Costs,
    AuthSettings,
    meets_owasp_costs,
)
from brokerguard.errors import ValidationError

#: OWASP's argon2id parallelism (its costs, m=19456 KiB and t=2, are the settings' defaults)
PARALLELISM = 1
MAX_PASSWORD_BYTES = 1024

COMMON_PASSWORDS = frozenset(
    {
        "123456",
        "1234567",
        "12345678",
        "123456789",
        "1234567890",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "qwerty",
        "qwerty123",
        "abc123",
        "abc12345",
        "a123456",
        "a12345678",
        "aa123456",
        "iloveyou",
        "111111",
        "000000",
        "taiwan",
        "taiwan123",
        "taipei101",
        "admin123",
        "welcome1",
        "letmein1",
        "zxcvbnm",
        "asdf1234",
        "qwer1234",
        "1qaz2wsx",
        "1q2w3e4r",
    }
)


class PasswordHashing:
    """argon2id, by default with the OWASP parameters; a thin wrapper so tests can watch
    verifications. Services take theirs from the settings (:func:`hashing_for`,
    :func:`brokerguard.staff.service.staff_hashing`)."""

    def __init__(
        self,
        time_cost: int = ARGON2_TIME_COST,
        memory_cost: int = ARGON2_MEMORY_KIB,
        parallelism: int = PARALLELISM,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        self.dummy_hash = self._hasher.hash("brokerguard-etrade-dummy-password")
        #: a hash made with these parameters: ``$argon2id$v=19$m=..,t=..,p=..$`` then the
        #: salt and the hash, whose encoded lengths give their byte lengths
        self._current_prefix = "$".join(self.dummy_hash.split("$")[:4]) + "$"
        self._current_shape = (len(self.dummy_hash), self.dummy_hash.rindex("$"))

    def hash(self, normalised: str) -> str:
        return self._hasher.hash(normalised)

    def verify(self, stored_hash: str, normalised: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, normalised)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether ``stored_hash`` was made with other parameters than these.

        The common case (same type, version, costs, salt and hash lengths) is a string
        compare of the parameter prefix and the field lengths; anything else is parsed
        by argon2-cffi (``check_needs_rehash``), which decides."""
        if (
            stored_hash.startswith(self._current_prefix)
            and (len(stored_hash), stored_hash.rfind("$")) == self._current_shape
            and stored_hash.count("$") == 5
        ):
            return False
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def verify_dummy(self, normalised: str) -> bool:
        """The unknown-account path: the same work as a real verification, always False."""
        self.verify(self.dummy_hash, normalised)
        return False


@lru_cache(maxsize=8)
def hashing_with(time_cost: int, memory_kib: int) -> PasswordHashing:
    """The one hasher of the process for these argon2id costs (each hasher makes its
    dummy hash, the unknown-account path's work, once)."""
    return PasswordHashing(time_cost=time_cost, memory_cost=memory_kib)


def hashing_for(costs: Argon2Costs) -> PasswordHashing:
    """The password hashing with the costs of a settings section (``auth`` for the
    customers, ``staff`` for the staff: their ``argon2_*``)."""
    return hashing_with(costs.argon2_time_cost, costs.argon2_memory_kib)


#: the production (OWASP) hashing: the default of services built without settings
HASHING = hashing_with(ARGON2_TIME_COST, ARGON2_MEMORY_KIB)


def normalise_password(password: str) -> str:
    """NFKC-normalised password; refuses NUL characters and more than 1,024 bytes."""
    if "\x00" in password:
        raise ValidationError("password contains a NUL character", field="password")
    if len(password) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"password longer than {MAX_PASSWORD_BYTES} bytes", field="password")
    normalised = unicodedata.normalize("NFKC", password)
    if len(normalised.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"password longer than {MAX_PASSWORD_BYTES} bytes", field="password")
    return normalised


def is_argon2id(stored_hash: str) -> bool:
    return stored_hash.startswith("$argon2id$")


def meets_owasp_floor(stored_hash: str) -> bool:
    """Whether an argon2id hash was made with at least one of OWASP's minimum settings
    (A9.5: a hash whose cost a setting or an import lowered is not a password hash an
    inspector can accept). A hash that is not argon2id or cannot be read does not."""
    if not is_argon2id(stored_hash):
        return False
    try:
        made = extract_parameters(stored_hash)
    except InvalidHashError:
        return False
    return meets_owasp_costs(made.memory_cost, made.time_cost)


@dataclass(frozen=True)
class PasswordPolicy:
    """The strong-password rule (A9.7); never below the floor."""

    min_length: int = 8
    history: int = 5
    max_age_days: int = 180
    lock_threshold: int = 5
    brand_words: tuple[str, ...] = ()
    blocklist: frozenset[str] = field(default=COMMON_PASSWORDS)

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> PasswordPolicy:
        blocklist = set(COMMON_PASSWORDS)
        if settings.password_blocklist_file is not None:
            blocklist.update(_read_blocklist(settings.password_blocklist_file))
        return cls(
            min_length=max(settings.password_min_length, MIN_PASSWORD_LENGTH_FLOOR),
            history=settings.password_history,
            max_age_days=settings.password_max_age_days,
            lock_threshold=settings.lock_threshold,
            brand_words=tuple(w.lower() for w in settings.brand_words if w),
            blocklist=frozenset(blocklist),
        )

    def validate(self, password: str, *, account: str = "") -> str:
        """Return the normalised password or raise naming the broken rule."""
        normalised = normalise_password(password)
        if len(normalised) < max(self.min_length, MIN_PASSWORD_LENGTH_FLOOR):
            raise ValidationError(
                f"password needs at least {self.min_length} characters", field="password"
            )
        if not re.search(r"[^\W\d_]", normalised) or not re.search(r"[\d\W_]", normalised):
            raise ValidationError("password needs letters plus digits or symbols", field="password")
        lowered = normalised.lower()
        if lowered in self.blocklist:
            raise ValidationError("password is on the list of common passwords", field="password")
        for word in (*self.brand_words, account.lower()):
            if len(word) >= 4 and word in lowered:
                raise ValidationError(
                    "password must not contain the firm's brand or the account name",
                    field="password",
                )
        return normalised

    def reused(self, hashing: PasswordHashing, normalised: str, previous: Iterable[str]) -> bool:
        return any(hashing.verify(h, normalised) for h in list(previous)[: self.history])


def _read_blocklist(path: Path) -> set[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip().lower()
        if word and not word.startswith("#"):
            words.add(word)
    return words
