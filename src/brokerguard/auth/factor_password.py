"""Knowledge factor (A9.1.1): the password, argon2id, NFKC, transparent rehash."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import update

from brokerguard.auth.factors import Category, FactorContext, FactorVerdict
from brokerguard.auth.models import EtradeCustomer
from brokerguard.auth.passwords import HASHING, PasswordHashing


class PasswordFactor:
    type: ClassVar[str] = "password"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.knowledge})

    def __init__(self, hashing: PasswordHashing = HASHING) -> None:
        self.hashing = hashing

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        """``submission`` is the NFKC-normalised password."""
        customer = ctx.customer
        if not self.hashing.verify(customer.password_hash, str(submission)):
            return FactorVerdict.fail("invalid_credentials")
        if self.hashing.needs_rehash(customer.password_hash):
            # conditional: the password may have been read in an earlier transaction, and a
            # password change committed since then must not be overwritten by this rehash
            ctx.session.execute(
                update(EtradeCustomer)
                .where(
                    EtradeCustomer.id == customer.id,
                    EtradeCustomer.password_hash == customer.password_hash,
                )
                .values(password_hash=self.hashing.hash(str(submission)))
                .execution_options(synchronize_session=False)
            )
        return FactorVerdict(True, "ok", self.categories)
