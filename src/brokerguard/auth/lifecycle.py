"""Credential lifecycle (A9.2): application, identity check, issuance, delivery, use,
renewal, suspension, revocation, reset and unlock. Every step is a
:class:`~brokerguard.auth.models.CredentialEvent` row and an audit event.

Resetting a factor needs a proven factor of another category: the password is reset
only after a possession or inherence factor, a lost possession factor is revoked
only after the password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.auth import (
    events,
    factor_certificate,
    factor_device,
    factor_totp,
    factor_webauthn,
    lockout,
)
from brokerguard.auth.customer_sessions import notify_customer, revoke_sessions
from brokerguard.auth.errors import AccountLockedError
from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.factor_totp import TotpEnrolment
from brokerguard.auth.factors import Category, FactorRegistry
from brokerguard.auth.models import (
    CredentialEvent,
    EnrolledFactor,
    EtradeCustomer,
    LoginToken,
    PasswordHistory,
)
from brokerguard.auth.passwords import HASHING, PasswordHashing, PasswordPolicy, normalise_password
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import Clock
from brokerguard.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from brokerguard.kernel.audit import AuditSink
from brokerguard.kernel.notices import NoticeSink

ACCOUNT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")


@dataclass
class CredentialService:
    session: Session
    clock: Clock
    sink: AuditSink
    auth: AuthSettings
    secrets: SecretBox
    hashing: PasswordHashing = HASHING
    policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    #: where notices to the customer go (password changed or reset, factor removed)
    notices: NoticeSink | None = None
    factors: FactorRegistry = field(default_factory=lambda: FACTORS)

    # -- customers ----------------------------------------------------------
    def get_customer(self, account: str) -> EtradeCustomer:
        customer = self.session.scalar(
            select(EtradeCustomer).where(EtradeCustomer.account == account)
        )
        if customer is None:
            raise NotFoundError(f"no e-trading customer {account[:64]!r}", field="account")
        return customer

    def create_customer(
        self,
        account: str,
        password: str,
        meta: events.RequestMeta,
        *,
        display_name: str = "",
        identity_verified_by: str = "",
    ) -> EtradeCustomer:
        """Application (and, when ``identity_verified_by`` is given, the identity check)."""
        if not ACCOUNT_RE.match(account):
            raise ValidationError(
                "account must be 3-64 characters of letters, digits, '.', '_' or '-'",
                field="account",
            )
        if len(display_name) > 128:
            raise ValidationError("display name longer than 128 characters", field="display_name")
        normalised = self.policy.validate(password, account=account)
        if self.session.scalar(select(EtradeCustomer.id).where(EtradeCustomer.account == account)):
            raise ConflictError(f"customer already exists: {account}", field="account")
        now = self.clock.now()
        password_hash = self.hashing.hash(normalised)
        customer = EtradeCustomer(
            account=account,
            display_name=display_name or account,
            status="active",
            password_hash=password_hash,
            password_changed_at=now,
            must_change_password=False,
            created_at=now,
        )
        self.session.add(customer)
        self.session.flush()
        self.session.add(
            PasswordHistory(customer_id=customer.id, password_hash=password_hash, created_at=now)
        )
        self.record_step(customer, "apply", meta, note="customer account opened")
        if identity_verified_by:
            self.verify_identity(customer, identity_verified_by, meta)
        return customer

    def verify_identity(
        self, customer: EtradeCustomer, verified_by: str, meta: events.RequestMeta
    ) -> None:
        if not verified_by.strip() or len(verified_by) > 128:
            raise ValidationError("verified_by must be 1-128 characters", field="verified_by")
        customer.identity_verified_at = self.clock.now()
        customer.identity_verified_by = verified_by.strip()
        self.record_step(customer, "verify_identity", meta, note=f"by {verified_by.strip()}")

    # -- issuance -------------------------------------------------------------
    # Each factor's module owns its enrolment (see :mod:`brokerguard.auth.factors`);
    # these name the built-in ones for the CLI, the demo and the tests.
    def enroll_totp(
        self,
        customer: EtradeCustomer,
        meta: events.RequestMeta,
        *,
        device_id: str = "",
        label: str = "",
        activate: bool = False,
    ) -> TotpEnrolment:
        """Issue a TOTP seed; pending until a code confirms it unless ``activate``."""
        return factor_totp.enroll(
            self, customer, meta, device_id=device_id, label=label, activate=activate
        )

    def confirm_totp(
        self, customer: EtradeCustomer, factor_id: str, code: str, meta: events.RequestMeta
    ) -> None:
        factor_totp.confirm(self, customer, factor_id, code, meta)

    def enroll_device(
        self,
        customer: EtradeCustomer,
        meta: events.RequestMeta,
        *,
        device_id: str,
        public_key_pem: str,
        label: str = "",
    ) -> EnrolledFactor:
        return factor_device.enroll(
            self, customer, meta, device_id=device_id, public_key_pem=public_key_pem, label=label
        )

    def enroll_certificate(
        self, customer: EtradeCustomer, meta: events.RequestMeta, *, certificate_pem: str
    ) -> EnrolledFactor:
        return factor_certificate.enroll(self, customer, meta, certificate_pem=certificate_pem)

    def begin_webauthn(self, customer: EtradeCustomer, owner_id: str) -> tuple[str, dict[str, Any]]:
        return factor_webauthn.begin(self, customer, owner_id)

    def finish_webauthn(
        self,
        customer: EtradeCustomer,
        owner_id: str,
        challenge_id: str,
        credential: dict[str, Any],
        meta: events.RequestMeta,
        *,
        label: str = "",
    ) -> EnrolledFactor:
        return factor_webauthn.finish(
            self, customer, owner_id, challenge_id, credential, meta, label=label
        )

    # -- later steps ----------------------------------------------------------
    def renew_certificate(
        self,
        customer: EtradeCustomer,
        factor_id: str,
        certificate_pem: str,
        meta: events.RequestMeta,
    ) -> EnrolledFactor:
        return factor_certificate.renew(self, customer, factor_id, certificate_pem, meta)

    def set_factor_status(
        self,
        customer: EtradeCustomer,
        factor_id: str,
        step: str,
        meta: events.RequestMeta,
        note: str = "",
    ) -> EnrolledFactor:
        """``suspend``, ``resume`` (recorded as renew) or ``revoke`` one factor."""
        factor = self.owned_factor(customer, factor_id, None)
        if factor.status == "revoked":
            raise ConflictError("factor is already revoked", field="factor_id")
        if step == "suspend":
            factor.status = "suspended"
        elif step == "resume":
            if factor.status != "suspended":
                raise ConflictError("only a suspended factor can be resumed", field="factor_id")
            factor.status = "active"
            step = "renew"
        elif step == "revoke":
            factor.status = "revoked"
            factor.revoked_at = self.clock.now()
        else:
            raise ValidationError("step must be suspend, resume or revoke", field="step")
        self.record_step(customer, step, meta, factor, note=note, device_id=factor.device_id)
        return factor

    def unlock(self, account: str, meta: events.RequestMeta, *, reason: str) -> None:
        """An authorised staff unlock (the actor is in ``meta``)."""
        if not meta.actor:
            raise ValidationError("an unlock names the staff member", field="actor")
        if not reason.strip() or len(reason) > 512:
            raise ValidationError("give a reason of 1-512 characters", field="reason")
        customer = self.session.scalar(
            select(EtradeCustomer).where(EtradeCustomer.account == account)
        )
        lockout.reset_counter(self.session, self.clock, account)
        lockout.reset_counter(self.session, self.clock, lockout.recovery_key(account))
        if customer is not None:
            self.record_step(customer, "unlock", meta, note=reason.strip())
        else:
            events.emit(
                self.sink,
                self.clock,
                meta,
                function=events.credential_function("unlock"),
                account=account,
                known=False,
                success=True,
                reason="ok",
            )

    def change_password(
        self,
        customer: EtradeCustomer,
        current: str,
        new: str,
        meta: events.RequestMeta,
        *,
        keep_session: str | None = None,
    ) -> None:
        """The customer's own change (A9.8): the current password, the policy, no reuse.

        A wrong ``current_password`` counts on the account's lock counter like a wrong
        login password (no password oracle for a session holder). A change ends every
        other session of the customer (``keep_session`` stays) and notifies them.
        """
        threshold = self.auth.lock_threshold
        if lockout.reserve_attempt(self.session, self.clock, customer.account, threshold) is None:
            self._password_event(customer, meta, False, "locked")
            self.session.commit()
            raise AccountLockedError()
        try:
            ok = self.hashing.verify(customer.password_hash, normalise_password(current))
        except ValidationError:
            ok = False
        if not ok:
            lockout.confirm_failure(self.session, self.clock, customer.account, threshold)
            self._password_event(customer, meta, False, "invalid_credentials")
            self.session.commit()  # the counted failure stays, whatever the answer
            raise AuthenticationError(
                "current password is wrong", field="current_password", code="invalid_credentials"
            )
        lockout.reset_counter(self.session, self.clock, customer.account)
        self._set_password(customer, new, meta, reason="ok")
        self.after_credential_change(customer, "password_changed", keep_session=keep_session)

    def reset_password(
        self, recovery: LoginToken, new: str, meta: events.RequestMeta
    ) -> EtradeCustomer:
        """Reset after a proven factor of another category; also unlocks the account."""
        proven = {Category(c) for c in recovery.categories.split(",") if c}
        if recovery.customer_id is None or not proven - {Category.knowledge}:
            raise AuthenticationError(
                "prove a possession or inherence factor first",
                field="login_token",
                code="factor_required",
            )
        customer = self.session.get(EtradeCustomer, recovery.customer_id)
        if customer is None:
            raise AuthenticationError("prove a factor first", code="factor_required")
        self._set_password(customer, new, meta, reason="reset")
        recovery.finished_at = self.clock.now()
        lockout.reset_counter(self.session, self.clock, customer.account)
        self.record_step(
            customer, "reset", meta, note="password reset after " + recovery.factors_used
        )
        self.record_step(customer, "unlock", meta, note="unlocked by password reset")
        self.after_credential_change(customer, "password_reset")
        return customer

    def reset_factor(
        self, token: LoginToken, factor_type: str, meta: events.RequestMeta
    ) -> list[str]:
        """Revoke a lost factor after proving a possession or inherence factor of a
        different category (a recovery token, or a login token past its password).

        The password alone never suffices: whoever phished it must not strip the
        customer's second factor. A customer whose only second factor is lost asks the
        firm (identity check, then ``/staff/customers/{account}/factors/{id}/revoke``).
        """
        factor_impl = self.factors.get(factor_type)
        if factor_impl is None:
            raise ValidationError("unknown factor type", field="type")
        proven = {Category(c) for c in token.categories.split(",") if c}
        if token.customer_id is None or not proven - factor_impl.categories - {Category.knowledge}:
            raise AuthenticationError(
                "resetting a factor needs a proven possession or inherence factor of "
                "another kind; the password alone is not enough",
                field="login_token",
                code="factor_required",
            )
        customer = self.session.get(EtradeCustomer, token.customer_id)
        if customer is None:
            raise AuthenticationError("prove a factor first", code="factor_required")
        revoked = []
        for factor in self.session.scalars(
            select(EnrolledFactor).where(
                EnrolledFactor.customer_id == customer.id,
                EnrolledFactor.type == factor_type,
                EnrolledFactor.status.in_(("active", "pending", "suspended")),
            )
        ):
            factor.status = "revoked"
            factor.revoked_at = self.clock.now()
            revoked.append(factor.id)
            self.record_step(customer, "revoke", meta, factor, note="lost; reset by customer")
        self.record_step(
            customer, "reset", meta, note=f"{factor_type} reset after {token.factors_used}"
        )
        token.finished_at = self.clock.now()
        return revoked

    def remove_factor(
        self, customer: EtradeCustomer, factor_id: str, meta: events.RequestMeta
    ) -> EnrolledFactor:
        """The customer removes one of their factors (after a step-up); they are told."""
        factor = self.set_factor_status(
            customer, factor_id, "revoke", meta, note="removed by the customer"
        )
        self.after_credential_change(customer, "factor_removed", end_sessions=False)
        return factor

    # -- internals ------------------------------------------------------------
    def after_credential_change(
        self,
        customer: EtradeCustomer,
        change: str,
        *,
        keep_session: str | None = None,
        end_sessions: bool = True,
    ) -> None:
        """End the customer's other sessions (all of them when ``keep_session`` is None)
        and queue a notice to the customer, in the change's transaction."""
        ended = 0
        if end_sessions:
            ended = revoke_sessions(self.session, self.clock, customer.id, keep=keep_session)
        if self.notices is not None:
            notify_customer(self.notices, self.clock, customer, change, sessions_ended=ended)

    def _set_password(
        self, customer: EtradeCustomer, new: str, meta: events.RequestMeta, *, reason: str
    ) -> None:
        try:
            normalised = self.policy.validate(new, account=customer.account)
        except ValidationError as exc:
            self._password_event(customer, meta, False, "policy")
            raise ValidationError(exc.message, field="new_password", code="weak_password") from None
        history = list(
            self.session.scalars(
                select(PasswordHistory.password_hash)
                .where(PasswordHistory.customer_id == customer.id)
                .order_by(PasswordHistory.created_at.desc())
                .limit(max(self.policy.history, 1))
            )
        )
        if self.policy.history and self.policy.reused(self.hashing, normalised, history):
            self._password_event(customer, meta, False, "reused")
            raise ValidationError(
                f"choose a password not used in the last {self.policy.history} changes",
                field="new_password",
                code="password_reused",
            )
        now = self.clock.now()
        customer.password_hash = self.hashing.hash(normalised)
        customer.password_changed_at = now
        customer.must_change_password = False
        self.session.add(
            PasswordHistory(
                customer_id=customer.id, password_hash=customer.password_hash, created_at=now
            )
        )
        self._password_event(customer, meta, True, reason)

    def _password_event(
        self, customer: EtradeCustomer, meta: events.RequestMeta, success: bool, reason: str
    ) -> None:
        events.emit(
            self.sink,
            self.clock,
            meta,
            function=events.PASSWORD_CHANGE,
            account=customer.account,
            known=True,
            success=success,
            reason=reason,
            factor="password",
        )

    def owned_factor(
        self, customer: EtradeCustomer, factor_id: str, factor_type: str | None
    ) -> EnrolledFactor:
        factor = self.session.get(EnrolledFactor, factor_id) if len(factor_id) <= 36 else None
        if (
            factor is None
            or factor.customer_id != customer.id
            or (factor_type is not None and factor.type != factor_type)
        ):
            raise NotFoundError("no such factor for this customer", field="factor_id")
        return factor

    def record_step(
        self,
        customer: EtradeCustomer,
        step: str,
        meta: events.RequestMeta,
        factor: EnrolledFactor | None = None,
        *,
        note: str = "",
        device_id: str = "",
    ) -> None:
        self.session.add(
            CredentialEvent(
                customer_id=customer.id,
                factor_id=factor.id if factor is not None else None,
                step=step,
                actor=(meta.actor or customer.account)[:128],
                note=note[:512],
                created_at=self.clock.now(),
            )
        )
        events.emit(
            self.sink,
            self.clock,
            meta,
            function=events.credential_function(step),
            account=customer.account,
            known=True,
            success=True,
            reason="ok",
            factor=factor.type if factor is not None else None,
            device_id=device_id or None,
        )


def last_events(session: Session, customer_id: str, limit: int = 50) -> list[CredentialEvent]:
    return list(
        session.scalars(
            select(CredentialEvent)
            .where(CredentialEvent.customer_id == customer_id)
            .order_by(CredentialEvent.created_at.desc())
            .limit(limit)
        )
    )


def factors_of(session: Session, customer_id: str) -> list[EnrolledFactor]:
    return list(
        session.scalars(
            select(EnrolledFactor)
            .where(EnrolledFactor.customer_id == customer_id)
            .order_by(EnrolledFactor.created_at)
        )
    )
