"""Login factors: the ``Factor`` protocol, each tagged with its A9.1 category, and the
:class:`FactorRegistry` the login flow, enrolment, settings and routes are built from.

- knowledge (A9.1.1): :class:`~brokerguard.auth.factor_password.PasswordFactor` (step 1)
- possession (A9.1.2): TOTP, device key, certificate, WebAuthn
- inherence (A9.1.3): WebAuthn with user verification, the app's signed biometric
  result; both indirect, so both need an effectiveness assessment first.

A factor module owns everything about its factor: the submission body, the verdict,
whether it needs a server challenge (and what that challenge carries), and its
enrolment calls. Adding one is that module and one line in
:mod:`brokerguard.auth.factor_registry`; everything else is derived from the registry.

Every verdict is computed on the server (A9.6); a client never sends a verdict.
"""

from __future__ import annotations

import abc
import builtins
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union, get_args

from pydantic import BaseModel, Field

from brokerguard.auth.bodies import FactorSubmissionBody
from brokerguard.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from brokerguard.auth.events import RequestMeta
    from brokerguard.auth.lifecycle import CredentialService
    from brokerguard.auth.models import EtradeCustomer
    from brokerguard.auth.secretbox import SecretBox
    from brokerguard.auth.settings import AuthSettings
    from brokerguard.clock import Clock

#: a factor's name is stored in ``EnrolledFactor.type`` (16 characters) and in events
FACTOR_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class Category(StrEnum):
    knowledge = "knowledge"
    possession = "possession"
    inherence = "inherence"

    @property
    def requirement_id(self) -> str:
        return {"knowledge": "A9.1.1", "possession": "A9.1.2", "inherence": "A9.1.3"}[self.value]


@dataclass(frozen=True)
class FactorVerdict:
    """The server's verdict on one submitted factor."""

    ok: bool
    reason: str
    categories: frozenset[Category] = frozenset()
    factor_id: str | None = None
    device_id: str = ""

    @classmethod
    def fail(
        cls, reason: str, *, factor_id: str | None = None, device_id: str = ""
    ) -> FactorVerdict:
        return cls(False, reason, frozenset(), factor_id, device_id)


@dataclass
class FactorContext:
    """What a factor may use to reach its verdict."""

    session: Session
    clock: Clock
    settings: AuthSettings
    secrets: SecretBox
    customer: EtradeCustomer
    login_token_id: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrolmentCall:
    """One enrolment request of a signed-in, stepped-up customer."""

    credentials: CredentialService
    customer: EtradeCustomer
    #: the customer's session: owns registration challenges (WebAuthn)
    session_id: str
    meta: RequestMeta


@dataclass(frozen=True)
class EnrolmentStep:
    """``POST /api/v1/etrade/enroll/<path>`` of a factor (after a step-up).

    ``handle`` gets the call and the validated ``request`` body (None without one) and
    returns the ``response`` body, or None for 204 when ``response`` is None.
    """

    path: str
    name: str
    summary: str
    handle: Callable[[EnrolmentCall, Any], BaseModel | None]
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None


class Factor(abc.ABC):
    """One kind of credential a login can add after the password.

    ``categories`` lists what it can prove at most; ``submission`` is the body of
    ``POST /login/factor`` (its ``type`` is ``Literal[<type>]``); a factor with
    ``needs_challenge`` is verified against a single-use server nonce issued by
    ``POST /login/challenge`` (``challenge_options`` adds what the client needs besides
    the nonce); ``enrolled_as`` is the enrolled factor type that makes it available to a
    customer (default: its own name; the biometric result rides on the bound device);
    ``enrolment`` lists its ``POST /enroll/...`` calls.
    """

    type: ClassVar[str]
    categories: ClassVar[frozenset[Category]]
    submission: ClassVar[builtins.type[FactorSubmissionBody]]
    needs_challenge: ClassVar[bool] = False
    enrolled_as: ClassVar[str]
    enrolment: ClassVar[tuple[EnrolmentStep, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "enrolled_as" not in cls.__dict__ and "type" in cls.__dict__:
            cls.enrolled_as = cls.type

    def challenge_options(
        self, session: Session, settings: AuthSettings, customer_id: str | None, nonce: str
    ) -> dict[str, Any] | None:
        """What the client needs besides the nonce (WebAuthn's request options), or None."""
        return None

    @abc.abstractmethod
    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        """The server's verdict on ``submission`` (an instance of ``submission``)."""


class FactorRegistry(Mapping[str, Factor]):
    """The factors a login may use after the password, by name, in registration order
    (the order ``next_factors`` lists them in)."""

    def __init__(self) -> None:
        self._factors: dict[str, Factor] = {}

    def register(self, factor: Factor) -> Factor:
        """Add ``factor``; a second factor of the same name or a malformed one is refused."""
        name = factor.type
        if not FACTOR_NAME_RE.match(name):
            raise ValueError(f"factor name {name!r} must match {FACTOR_NAME_RE.pattern}")
        if name in self._factors:
            raise ValueError(f"factor {name!r} is registered twice")
        if not factor.categories or Category.knowledge in factor.categories:
            raise ValueError(f"factor {name!r}: a second factor proves possession or inherence")
        tag = factor.submission.model_fields.get("type")
        if tag is None or get_args(tag.annotation) != (name,):
            raise ValueError(f"factor {name!r}: its submission's type must be Literal[{name!r}]")
        paths = {step.path for f in self._factors.values() for step in f.enrolment}
        for step in factor.enrolment:
            if step.path in paths:
                raise ValueError(f"factor {name!r}: enrolment path {step.path!r} is taken")
        self._factors[name] = factor
        return factor

    def unregister(self, name: str) -> None:
        del self._factors[name]

    @contextmanager
    def registered(self, factor: Factor) -> Iterator[Factor]:
        """``factor`` registered for the ``with`` block (tests)."""
        self.register(factor)
        try:
            yield factor
        finally:
            self.unregister(factor.type)

    def __getitem__(self, name: str) -> Factor:
        return self._factors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._factors)

    def __len__(self) -> int:
        return len(self._factors)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._factors)

    @property
    def challenge_types(self) -> tuple[str, ...]:
        """The factors ``POST /login/challenge`` issues a nonce for."""
        return tuple(n for n, f in self._factors.items() if f.needs_challenge)

    @property
    def enrolled_types(self) -> tuple[str, ...]:
        """The factors a customer enrols as their own credential (a lost one is reset)."""
        return tuple(n for n, f in self._factors.items() if f.enrolled_as == n)

    def enrolment_steps(self) -> tuple[EnrolmentStep, ...]:
        return tuple(step for f in self._factors.values() for step in f.enrolment)

    def challenge_type(self, value: str) -> str:
        """``value`` if it names a challenge factor, else a ValueError naming the choices."""
        if value not in self.challenge_types:
            raise ValueError(f"type must be one of {', '.join(self.challenge_types)}")
        return value

    def enrolled_type(self, value: str) -> str:
        """``value`` if it names a factor customers enrol, else a ValueError."""
        if value not in self.enrolled_types:
            raise ValueError(f"type must be one of {', '.join(self.enrolled_types)}")
        return value

    def factor_name(self, value: str) -> str:
        """``value`` if it names a registered factor, else a ValueError."""
        if value not in self._factors:
            raise ValueError(f"unknown factor type {value!r}; use {', '.join(self.names)}")
        return value

    def submission_union(self) -> Any:
        """The body of ``POST /login/factor``: the factors' submissions on ``type``."""
        members = tuple(f.submission for f in self._factors.values())
        return Annotated[Union[members], Field(discriminator="type")]  # noqa: UP007


def check_device_id(device_id: str, *, required: bool) -> None:
    """A device ID the firm can show and search: letters, digits, ``.``, ``_``, ``:``, ``-``."""
    if not device_id and not required:
        return
    if not DEVICE_ID_RE.match(device_id):
        raise ValidationError(
            "device_id must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
            field="device_id",
        )


__all__ = [
    "Category",
    "EnrolmentCall",
    "EnrolmentStep",
    "Factor",
    "FactorContext",
    "FactorRegistry",
    "FactorVerdict",
    "check_device_id",
]
