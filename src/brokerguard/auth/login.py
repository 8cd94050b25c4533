"""The login flow: password first, then further factors until the policy is met.

Every verdict is computed here, on the server (A9.6). Sessions are issued only
when factors of at least two categories are proven (A9.1); the password step alone
never yields a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from brokerguard.auth import events, lockout
from brokerguard.auth.challenges import IssuedChallenge, issue_challenge
from brokerguard.auth.errors import (
    AccountLockedError,
    FactorRejectedError,
    InvalidCredentialsError,
    InvalidLoginTokenError,
    InvalidSessionError,
    PasswordChangeRequiredError,
    PasswordRejectedError,
    RateLimitedError,
    StepUpRequiredError,
)
from brokerguard.auth.factor_password import PasswordFactor
from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.factors import Category, FactorContext, FactorRegistry, FactorVerdict
from brokerguard.auth.models import EnrolledFactor, EtradeCustomer, EtradeSession, LoginToken
from brokerguard.auth.passwords import HASHING, PasswordHashing, normalise_password
from brokerguard.auth.policy import LoginPolicy
from brokerguard.auth.ratelimit import LoginRateLimiter
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import AuthSettings
from brokerguard.auth.tokens import matches, new_secret, split_token
from brokerguard.clock import Clock, as_utc
from brokerguard.db.base import new_uuid
from brokerguard.errors import ValidationError
from brokerguard.kernel.audit import AuditSink

MAX_ACCOUNT_LENGTH = 256
_factors = cast(Table, EnrolledFactor.__table__)
#: statements of every login, built once (each use binds its values; the cache key of
#: a statement built once is computed once)
_CUSTOMER_BY_ACCOUNT = select(EtradeCustomer).where(
    EtradeCustomer.account == bindparam("b_account")
)
#: the password step's read: the customer and the types of its active factors (for
#: ``next_factors``), one statement
_FACTOR_TYPES = (
    select(func.aggregate_strings(_factors.c.type, ","))
    .where(_factors.c.customer_id == EtradeCustomer.id, _factors.c.status == "active")
    .scalar_subquery()
)
_CUSTOMER_AND_FACTOR_TYPES = select(EtradeCustomer, _FACTOR_TYPES).where(
    EtradeCustomer.account == bindparam("b_account")
)
#: PostgreSQL: the lockout reservation and that read in one statement (a row only when
#: a slot was taken; the customer columns are NULL for an unknown account)
_RESERVED = lockout.reservation_cte()
_RESERVE_AND_READ_CUSTOMER = (
    select(EtradeCustomer, _FACTOR_TYPES, _RESERVED.c.failed_count)
    .select_from(_RESERVED)
    .outerjoin(EtradeCustomer, EtradeCustomer.account == bindparam("b_account"))
)
_CUSTOMER_ID_BY_ACCOUNT = select(EtradeCustomer.id).where(
    EtradeCustomer.account == bindparam("b_account")
)
_ACTIVE_FACTOR_TYPES = select(_factors.c.type).where(
    _factors.c.customer_id == bindparam("b_customer"), _factors.c.status == "active"
)
#: a login token with its customer: both land in the session's identity map, so the
#: factor step's ``session.get(EtradeCustomer, ...)`` needs no second statement
_TOKEN_WITH_CUSTOMER = (
    select(LoginToken, EtradeCustomer)
    .outerjoin(EtradeCustomer, EtradeCustomer.id == LoginToken.customer_id)
    .where(LoginToken.id == bindparam("b_id"))
)
_sessions = cast(Table, EtradeSession.__table__)
_customers = cast(Table, EtradeCustomer.__table__)
_tokens = cast(Table, LoginToken.__table__)


def _bound_insert(table: Table, prefix: str, columns: str) -> Insert:
    """``INSERT INTO table (columns) VALUES (:<prefix><column>, ...)``, built once."""
    return insert(table).values({name: bindparam(prefix + name) for name in columns.split()})


#: the rows a login writes, as Core statements (no unit-of-work flush at commit); on
#: PostgreSQL the other writes of the same step ride on the insert as CTEs, so the
#: password step's token, counter reset and attempt row, and the factor step's session,
#: token finish, last-login stamp and attempt row are one round trip each
_INSERT_TOKEN = _bound_insert(
    _tokens,
    "t_",
    "id secret_hash purpose account customer_id categories factors_used failures"
    " created_at expires_at",
)
_ISSUE_TOKEN = _INSERT_TOKEN.add_cte(lockout.reset_cte()).add_cte(events.attempt_cte())
_INSERT_SESSION = _bound_insert(
    _sessions,
    "s_",
    "id secret_hash customer_id login_token_id categories factors_used created_at expires_at",
)
_FINISH_TOKEN = (
    update(_tokens)
    .where(_tokens.c.id == bindparam("s_login_token_id"))
    .values(
        categories=bindparam("s_categories"),
        factors_used=bindparam("s_factors_used"),
        finished_at=bindparam("s_created_at"),
    )
)
_STAMP_LAST_LOGIN = (
    update(_customers)
    .where(_customers.c.id == bindparam("s_customer_id"))
    .values(last_login_at=bindparam("s_created_at"))
)
_ISSUE_SESSION = (
    _INSERT_SESSION.add_cte(_FINISH_TOKEN.cte("token_finished"))
    .add_cte(_STAMP_LAST_LOGIN.cte("last_login_stamped"))
    .add_cte(events.attempt_cte())
)
#: what ``GET /session`` reads: the session and its customer's state, one Core row
_SESSION_AND_CUSTOMER = (
    select(
        _sessions.c.id,
        _sessions.c.secret_hash,
        _sessions.c.factors_used,
        _sessions.c.categories,
        _sessions.c.expires_at,
        _sessions.c.revoked_at,
        _customers.c.account,
        _customers.c.status,
        _customers.c.must_change_password,
        _customers.c.password_changed_at,
    )
    .join_from(_sessions, _customers, _sessions.c.customer_id == _customers.c.id)
    .where(_sessions.c.id == bindparam("b_id"))
)


@dataclass(frozen=True)
class LoginStarted:
    login_token: str
    login_token_id: str
    next_factors: list[str]
    password_change_required: bool = False


@dataclass(frozen=True)
class FactorAccepted:
    """A factor was right; ``session_token`` is set once the policy is met."""

    login_token_id: str
    factors_used: list[str]
    categories: list[str]
    next_factors: list[str] = field(default_factory=list)
    session_token: str | None = None
    session_id: str | None = None
    expires_at: datetime | None = None
    password_change_required: bool = False


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    account: str
    factors_used: list[str]
    categories: list[str]
    expires_at: datetime
    password_change_required: bool


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def password_expired(customer: EtradeCustomer, auth: AuthSettings, now: datetime) -> bool:
    return _expired(customer.must_change_password, customer.password_changed_at, auth, now)


def _expired(must_change: bool, changed_at: datetime, auth: AuthSettings, now: datetime) -> bool:
    if must_change:
        return True
    if auth.password_max_age_days <= 0:
        return False
    return as_utc(changed_at) + timedelta(days=auth.password_max_age_days) < now


def _session_live(
    secret: str, secret_hash: str, revoked_at: datetime | None, expires_at: datetime, now: datetime
) -> bool:
    """The session token's secret is right and the session neither revoked nor expired."""
    return matches(secret, secret_hash) and revoked_at is None and as_utc(expires_at) > now


def read_session(
    session: Session, clock: Clock, auth: AuthSettings, session_token: str
) -> SessionInfo:
    """What ``GET /session`` answers, read with one Core statement (no ORM objects, no
    audit sink: a read-only transaction): the same refusals as
    :meth:`LoginService.load_session` (``InvalidSessionError`` for a wrong, revoked or
    expired session or an inactive customer; ``PasswordChangeRequiredError`` while a
    forced change is due)."""
    parts = split_token(session_token)
    if parts is None:
        raise InvalidSessionError()
    row = session.execute(_SESSION_AND_CUSTOMER, {"b_id": parts[0]}).first()
    now = clock.now()
    if (
        row is None
        or not _session_live(parts[1], row.secret_hash, row.revoked_at, row.expires_at, now)
        or row.status != "active"
    ):
        raise InvalidSessionError()
    expired = _expired(row.must_change_password, row.password_changed_at, auth, now)
    if auth.enforce_password_change and expired:
        raise PasswordChangeRequiredError()
    return SessionInfo(
        session_id=row.id,
        account=row.account,
        factors_used=_split(row.factors_used),
        categories=_split(row.categories),
        expires_at=row.expires_at,
        password_change_required=expired,
    )


@dataclass
class LoginService:
    """One request's worth of collaborators; build it per request or per CLI command."""

    session: Session
    clock: Clock
    sink: AuditSink
    auth: AuthSettings
    secrets: SecretBox
    limiter: LoginRateLimiter | None = None
    hashing: PasswordHashing = HASHING
    policy: LoginPolicy = field(default_factory=LoginPolicy)
    factors: FactorRegistry = field(default_factory=lambda: FACTORS)

    # -- step 1: the password -------------------------------------------------
    def start_login(
        self, account: str, password: str, meta: events.RequestMeta, *, purpose: str = "login"
    ) -> LoginStarted:
        """The password step of a login, or of a step-up (``purpose="stepup"``): the same
        rate limits and lock counter either way, so a session holder cannot use the
        step-up as a password oracle."""
        if not account or len(account) > MAX_ACCOUNT_LENGTH or "\x00" in account:
            raise ValidationError("account must be 1-256 characters without NUL", field="account")

        def fail(reason: str, error: Exception, known: bool, *, counted: bool = True) -> Exception:
            if counted:
                lockout.confirm_failure(self.session, self.clock, account, self.auth.lock_threshold)
            self._note(meta, events.LOGIN_PASSWORD, account, known, False, reason, "password")
            self.session.commit()
            return error

        if self.limiter is not None and not self.limiter.allow(meta.source_ip, account):
            raise fail("rate_limited", RateLimitedError(), self._known(account), counted=False)
        found = self._reserve_and_read(account)
        # the reservation commits with the customer read; argon2 then runs outside any
        # transaction (on SQLite: without the write lock, so other logins go on)
        self.session.commit()
        if found is None:
            raise fail("locked", AccountLockedError(), self._known(account), counted=False)
        customer, held = found
        known = customer is not None
        try:
            candidate = normalise_password(password)
        except ValidationError as exc:
            raise fail(
                "invalid_password", PasswordRejectedError(exc.message, field="password"), known
            ) from None
        if customer is None:
            self.hashing.verify_dummy(candidate)
            raise fail("unknown_account", InvalidCredentialsError(), known)
        ctx = self._context(customer, "")
        verdict = PasswordFactor(self.hashing).verify(ctx, candidate)
        if not verdict.ok:
            raise fail("invalid_credentials", InvalidCredentialsError(), known)
        if customer.status != "active":
            raise fail("account_" + customer.status[:16], InvalidCredentialsError(), known)
        now = self.clock.now()
        secret, secret_hash = new_secret()
        token_id = new_uuid()
        token = {
            "t_id": token_id,
            "t_secret_hash": secret_hash,
            "t_purpose": purpose,
            "t_account": account,
            "t_customer_id": customer.id,
            "t_categories": Category.knowledge.value,
            "t_factors_used": "password",
            "t_failures": 0,
            "t_created_at": now,
            "t_expires_at": now + timedelta(seconds=self.auth.login_token_ttl_s),
        }
        attempt = self._note(
            meta,
            events.LOGIN_PASSWORD,
            account,
            True,
            True,
            "ok",
            "password",
            token_id,
            write_attempt=False,
        )
        if self._postgresql():
            reset = lockout.reset_params(self.clock, account)
            self.session.execute(_ISSUE_TOKEN, {**token, **reset, **attempt})
        else:
            lockout.reset_counter(self.session, self.clock, account)
            self.session.execute(_INSERT_TOKEN, token)
            events.record_attempt(self.session, attempt)
        started = LoginStarted(
            login_token=f"{token_id}.{secret}",
            login_token_id=token_id,
            next_factors=self.available_factors(customer, {Category.knowledge}, held=held),
            password_change_required=password_expired(customer, self.auth, now),
        )
        self.session.commit()
        return started

    def _reserve_and_read(self, account: str) -> tuple[EtradeCustomer | None, set[str]] | None:
        """Take a lockout slot and read the customer (None when unknown) with the types
        of its active factors; None when the account is locked. One statement on
        PostgreSQL; on SQLite the reservation then the read (the transaction's
        ``BEGIN IMMEDIATE`` write lock already orders concurrent checks there)."""
        threshold = self.auth.lock_threshold
        if self._postgresql():
            self.session.commit()  # the reservation is a transaction of its own
            params = lockout.reservation_params(self.clock, account, threshold)
            found = self.session.execute(_RESERVE_AND_READ_CUSTOMER, params).first()
            if found is None:
                return None
        else:
            slot = lockout.reserve_attempt(
                self.session, self.clock, account, threshold, commit=False
            )
            if slot is None:
                return None
            found = self.session.execute(_CUSTOMER_AND_FACTOR_TYPES, {"b_account": account}).first()
            if found is None:
                return None, set()
        customer: EtradeCustomer | None = found[0]
        return customer, set(_split(found[1] or ""))

    # -- recovery: start without the password (for the reset flow) ----------
    def start_recovery(self, account: str, meta: events.RequestMeta) -> LoginStarted:
        """A token for proving a non-password factor; identical answer for unknown accounts."""
        if not account or len(account) > MAX_ACCOUNT_LENGTH or "\x00" in account:
            raise ValidationError("account must be 1-256 characters without NUL", field="account")
        if self.limiter is not None and not self.limiter.allow(meta.source_ip, account):
            raise RateLimitedError()
        key = lockout.recovery_key(account)
        if lockout.reserve_attempt(self.session, self.clock, key, self.auth.lock_threshold) is None:
            known = self._known(account)
            self._note(
                meta, events.credential_function("reset"), account, known, False, "locked", None
            )
            self.session.commit()
            raise AccountLockedError()
        customer = self.session.scalar(_CUSTOMER_BY_ACCOUNT, {"b_account": account})
        now = self.clock.now()
        secret, secret_hash = new_secret()
        token = LoginToken(
            secret_hash=secret_hash,
            purpose="recovery",
            account=account,
            customer_id=customer.id if customer is not None else None,
            created_at=now,
            expires_at=now + timedelta(seconds=self.auth.login_token_ttl_s),
        )
        self.session.add(token)
        self.session.flush()
        self._note(
            meta,
            events.credential_function("reset"),
            account,
            customer is not None,
            True,
            "recovery_started",
            None,
            token.id,
        )
        self.session.commit()
        return LoginStarted(f"{token.id}.{secret}", token.id, list(self.factors.names))

    # -- step 2+: further factors ---------------------------------------------
    def load_token(self, login_token: str, purpose: str = "login") -> LoginToken:
        return self._load_token(login_token, purpose)[0]

    def _load_token(
        self, login_token: str, purpose: str
    ) -> tuple[LoginToken, EtradeCustomer | None]:
        """The live token and its customer (None for a recovery token of an unknown
        account), read with one statement."""
        parts = split_token(login_token)
        if parts is None:
            raise InvalidLoginTokenError()
        found = self.session.execute(_TOKEN_WITH_CUSTOMER, {"b_id": parts[0]}).first()
        row = found[0] if found is not None else None
        if (
            row is None
            or row.purpose != purpose
            or not matches(parts[1], row.secret_hash)
            or row.finished_at is not None
            or as_utc(row.expires_at) <= self.clock.now()
            or row.failures >= (1 if purpose == "recovery" else self.auth.max_factor_failures)
        ):
            raise InvalidLoginTokenError()
        assert found is not None  # row is not None
        customer: EtradeCustomer | None = found[1]
        return row, customer

    def create_challenge(
        self, login_token: str, factor_type: str, *, purpose: str = "login"
    ) -> tuple[IssuedChallenge, dict[str, Any] | None]:
        factor = self.factors.get(factor_type)
        if factor is None or not factor.needs_challenge:
            choices = ", ".join(self.factors.challenge_types)
            raise ValidationError(f"type must be one of {choices}", field="type")
        token = self.load_token(login_token, purpose)
        issued = issue_challenge(
            self.session,
            self.clock,
            login_token_id=token.id,
            factor_type=factor_type,
            ttl_s=self.auth.challenge_ttl_s,
        )
        options = factor.challenge_options(self.session, self.auth, token.customer_id, issued.nonce)
        self.session.commit()
        return issued, options

    def submit_factor(
        self, login_token: str, submission: Any, meta: events.RequestMeta, *, purpose: str = "login"
    ) -> FactorAccepted:
        factor_type = str(submission.type)
        try:
            token, customer = self._load_token(login_token, purpose)
        except InvalidLoginTokenError:
            self._note(
                meta, events.LOGIN_FACTOR, "-", False, False, "invalid_login_token", factor_type
            )
            self.session.commit()
            raise
        factor = self.factors.get(factor_type)
        if factor is None:
            raise ValidationError(f"unknown factor type {factor_type!r}", field="type")
        if customer is None or customer.status != "active":
            verdict = FactorVerdict.fail("factor_not_enrolled")
        else:
            verdict = factor.verify(self._context(customer, token.id), submission)
            if verdict.ok and purpose == "recovery":
                verdict = self._old_enough_for_recovery(verdict)
        known = customer is not None
        if not verdict.ok:
            token.failures += 1
            self._note(
                meta,
                events.LOGIN_FACTOR,
                token.account,
                known,
                False,
                verdict.reason,
                factor_type,
                token.id,
                verdict.device_id,
            )
            self.session.commit()
            raise FactorRejectedError(verdict.reason)
        assert customer is not None
        categories = {Category(c) for c in _split(token.categories)} | verdict.categories
        used = [*_split(token.factors_used), factor_type]
        categories_text = ",".join(sorted(c.value for c in categories))
        used_text = ",".join(dict.fromkeys(used))
        issuing = purpose == "login" and self.policy.satisfied(categories, used)
        attempt = self._note(
            meta,
            events.LOGIN_FACTOR,
            token.account,
            True,
            True,
            "ok",
            factor_type,
            token.id,
            verdict.device_id,
            write_attempt=not issuing,  # the session's statement writes it
        )
        now = self.clock.now()
        accepted = FactorAccepted(
            login_token_id=token.id,
            factors_used=_split(used_text),
            categories=sorted(c.value for c in categories),
            password_change_required=password_expired(customer, self.auth, now),
        )
        if purpose == "recovery":
            lockout.reset_counter(self.session, self.clock, lockout.recovery_key(token.account))
        if issuing:
            accepted = self._issue_session(
                token, customer, categories_text, used_text, meta, accepted, attempt
            )
        else:
            token.categories = categories_text
            token.factors_used = used_text
            accepted = replace(accepted, next_factors=self.available_factors(customer, categories))
        self.session.commit()
        return accepted

    def _old_enough_for_recovery(self, verdict: FactorVerdict) -> FactorVerdict:
        """A factor enrolled in the last ``recovery_factor_min_age_days`` cannot reset
        the password: a stolen session must not enrol its own factor and recover with it."""
        factor = self.session.get(EnrolledFactor, verdict.factor_id) if verdict.factor_id else None
        minimum = timedelta(days=self.auth.recovery_factor_min_age_days)
        if factor is not None and as_utc(factor.created_at) + minimum > self.clock.now():
            return FactorVerdict.fail(
                "factor_too_new", factor_id=factor.id, device_id=verdict.device_id
            )
        return verdict

    # -- step-up: the password and an enrolled factor again, for credential changes --
    def complete_step_up(
        self, session_token: str, login_token: str, submission: Any, meta: events.RequestMeta
    ) -> FactorAccepted:
        """Submit a factor to a step-up begun with :meth:`start_login` (``purpose="stepup"``)
        for this session's customer. Once the password and a factor of another category
        are proven, the session may change credentials for ``step_up_ttl_s`` seconds."""
        row, customer = self.load_session(session_token, for_password_change=True)
        token = self.load_token(login_token, "stepup")
        if token.customer_id != customer.id:
            raise InvalidLoginTokenError()
        accepted = self.submit_factor(login_token, submission, meta, purpose="stepup")
        proven = set(accepted.categories)
        if Category.knowledge.value in proven and len(proven) >= 2:
            now = self.clock.now()
            row.stepped_up_at = now
            token.finished_at = now
            accepted = replace(
                accepted,
                next_factors=[],
                expires_at=now + timedelta(seconds=self.auth.step_up_ttl_s),
            )
            self.session.commit()
        return accepted

    def load_stepped_up_session(
        self, session_token: str, *, for_password_change: bool = False
    ) -> tuple[EtradeSession, EtradeCustomer]:
        """:meth:`load_session`, refused unless the session stepped up in the last
        ``step_up_ttl_s`` seconds (enrol, confirm or remove a factor; change the password)."""
        row, customer = self.load_session(session_token, for_password_change=for_password_change)
        fresh = (
            row.stepped_up_at is not None
            and as_utc(row.stepped_up_at) + timedelta(seconds=self.auth.step_up_ttl_s)
            > self.clock.now()
        )
        if not fresh:
            raise StepUpRequiredError()
        return row, customer

    def _issue_session(
        self,
        token: LoginToken,
        customer: EtradeCustomer,
        categories: str,
        factors_used: str,
        meta: events.RequestMeta,
        accepted: FactorAccepted,
        attempt: dict[str, Any],
    ) -> FactorAccepted:
        """Write the session, finish the login token (with the factors that made the
        session), stamp the customer's last login and write the step's ``attempt`` row:
        one statement on PostgreSQL, four on SQLite; none through the unit of work
        (``token`` and ``customer`` are not changed in the identity map, so the commit
        flushes nothing for them)."""
        now = self.clock.now()
        secret, secret_hash = new_secret()
        session_id = new_uuid()
        expires_at = now + timedelta(seconds=self.auth.session_ttl_s)
        row = {
            "s_id": session_id,
            "s_secret_hash": secret_hash,
            "s_customer_id": customer.id,
            "s_login_token_id": token.id,
            "s_categories": categories,
            "s_factors_used": factors_used,
            "s_created_at": now,
            "s_expires_at": expires_at,
        }
        if self._postgresql():
            self.session.execute(_ISSUE_SESSION, {**row, **attempt})
        else:
            for statement in (_INSERT_SESSION, _FINISH_TOKEN, _STAMP_LAST_LOGIN):
                self.session.execute(statement, row)
            events.record_attempt(self.session, attempt)
        self._note(meta, events.SESSION_ISSUE, customer.account, True, True, "ok", None, token.id)
        return FactorAccepted(
            login_token_id=token.id,
            factors_used=accepted.factors_used,
            categories=accepted.categories,
            next_factors=[],
            session_token=f"{session_id}.{secret}",
            session_id=session_id,
            expires_at=expires_at,
            password_change_required=accepted.password_change_required,
        )

    # -- sessions -------------------------------------------------------------
    def load_session(
        self, session_token: str, *, for_password_change: bool = False
    ) -> tuple[EtradeSession, EtradeCustomer]:
        """The live session and its customer. While a forced password change is due
        (A9.8, ``enforce_password_change``), the session serves only to change the
        password or to end it: anything else is refused with ``password_change_required``."""
        parts = split_token(session_token)
        if parts is None:
            raise InvalidSessionError()
        row = self.session.get(EtradeSession, parts[0])
        if row is None or not _session_live(
            parts[1], row.secret_hash, row.revoked_at, row.expires_at, self.clock.now()
        ):
            raise InvalidSessionError()
        customer = self.session.get(EtradeCustomer, row.customer_id)
        if customer is None or customer.status != "active":
            raise InvalidSessionError()
        if (
            not for_password_change
            and self.auth.enforce_password_change
            and password_expired(customer, self.auth, self.clock.now())
        ):
            raise PasswordChangeRequiredError()
        return row, customer

    def session_info(self, session_token: str) -> SessionInfo:
        return read_session(self.session, self.clock, self.auth, session_token)

    def revoke_session(self, session_token: str, meta: events.RequestMeta) -> None:
        row, customer = self.load_session(session_token, for_password_change=True)
        row.revoked_at = self.clock.now()
        self.note_session_revoked(customer, row, meta)
        self.session.commit()

    def note_session_revoked(
        self, customer: EtradeCustomer, row: EtradeSession, meta: events.RequestMeta
    ) -> None:
        self._note(
            meta,
            events.SESSION_REVOKE,
            customer.account,
            True,
            True,
            "ok",
            None,
            row.login_token_id,
        )

    # -- helpers ----------------------------------------------------------------
    def available_factors(
        self, customer: EtradeCustomer, proven: set[Category], *, held: set[str] | None = None
    ) -> list[str]:
        """Factor types the customer holds (``held``: the types of its active factors,
        read here when not given) that would add a category not yet proven."""
        types = (
            set(self.session.scalars(_ACTIVE_FACTOR_TYPES, {"b_customer": customer.id}))
            if held is None
            else held
        )
        wanted = [
            name
            for name, factor in self.factors.items()
            if factor.enrolled_as in types
            and (not factor.categories <= proven or name in self.policy.required_factor_types)
        ]
        return wanted

    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _known(self, account: str) -> bool:
        return self.session.scalar(_CUSTOMER_ID_BY_ACCOUNT, {"b_account": account}) is not None

    def _context(self, customer: EtradeCustomer, token_id: str) -> FactorContext:
        return FactorContext(
            session=self.session,
            clock=self.clock,
            settings=self.auth,
            secrets=self.secrets,
            customer=customer,
            login_token_id=token_id,
        )

    def _note(
        self,
        meta: events.RequestMeta,
        function: str,
        account: str,
        known: bool,
        success: bool,
        reason: str,
        factor: str | None,
        token_id: str | None = None,
        device_id: str = "",
        *,
        write_attempt: bool = True,
    ) -> dict[str, Any]:
        """Emit the step's audit event; with a ``factor``, also the attempt row of the
        history table, written here, or with ``write_attempt=False`` returned for the
        caller to write with its own statement (PostgreSQL: in one with its rows)."""
        events.emit(
            self.sink,
            self.clock,
            meta,
            function=function,
            account=account,
            known=known,
            success=success,
            reason=reason,
            correlation_id=token_id,
            factor=factor,
            device_id=device_id or None,
        )
        if factor is None:
            return {}
        attempt = events.attempt_params(
            self.clock,
            meta,
            account=account,
            known=known,
            factor=factor,
            success=success,
            reason=reason,
            login_token_id=token_id or "",
        )
        if write_attempt:
            # the attempt row stands alone: pending ORM changes wait for the commit's
            # one flush instead of being flushed before this insert
            with self.session.no_autoflush:
                events.record_attempt(self.session, attempt)
        return attempt
