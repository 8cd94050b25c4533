"""The ``Factor`` protocol: every way of proving identity, tagged with its A9.1 category.

- knowledge (A9.1.1): :class:`~brokerguard.auth.factor_password.PasswordFactor`
- possession (A9.1.2): TOTP, device key, certificate, WebAuthn
- inherence (A9.1.3): WebAuthn with user verification, the app's signed biometric
  result; both indirect, so both need an effectiveness assessment first.

Every verdict is computed on the server (A9.6); a client never sends a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from brokerguard.auth.models import EtradeCustomer
    from brokerguard.auth.secretbox import SecretBox
    from brokerguard.auth.settings import AuthSettings
    from brokerguard.clock import Clock


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


class Factor(Protocol):
    """One kind of credential. ``categories`` lists what it can prove at most."""

    type: ClassVar[str]
    categories: ClassVar[frozenset[Category]]

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict: ...
