"""Errors of the login flow, each with the stable code a front-end reads."""

from __future__ import annotations

from brokerguard.errors import AuthenticationError, BrokerguardError, ValidationError


class InvalidCredentialsError(AuthenticationError):
    """Wrong account or password; identical for unknown accounts."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("wrong account or password")


class AccountLockedError(BrokerguardError):
    code = "locked"
    status_code = 423

    def __init__(self) -> None:
        super().__init__(
            "too many wrong passwords: the account is locked; use the credential reset "
            "flow or contact customer service"
        )


class RateLimitedError(BrokerguardError):
    code = "rate_limited"
    status_code = 429

    def __init__(self) -> None:
        super().__init__("too many login attempts; wait a minute and try again")


class FactorRejectedError(AuthenticationError):
    """A second factor failed; ``code`` is the reason (e.g. replayed_otp, bad_signature)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"factor rejected: {reason}", field=field, code=reason)


class InvalidLoginTokenError(AuthenticationError):
    code = "invalid_login_token"

    def __init__(self) -> None:
        super().__init__("login token unknown, expired or used up", field="login_token")


class InvalidSessionError(AuthenticationError):
    code = "invalid_session"

    def __init__(self) -> None:
        super().__init__("session token unknown, expired or revoked", field="session_token")


class PasswordChangeRequiredError(BrokerguardError):
    """The password is past its maximum age: change it before anything else (A9.8)."""

    code = "password_change_required"
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "the password has expired: change it (POST /api/v1/etrade/password/change) "
            "before using this session",
            field="session_token",
        )


class PasswordRejectedError(ValidationError):
    code = "invalid_password"


class StepUpRequiredError(BrokerguardError):
    """A credential change needs a fresh proof: the password and an enrolled factor."""

    code = "step_up_required"
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "prove your password and an enrolled factor again first "
            "(POST /api/v1/etrade/step-up, then /step-up/factor); a proof lasts 5 minutes",
            field="session_token",
        )
