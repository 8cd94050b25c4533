"""Typed errors. Every error has a stable machine code and a message that names what is wrong.

Web handlers turn them into JSON ``{"error": {"code", "message", "field"}}`` with the
status below; the CLI prints the message and exits 2 (bad input) or 1.
"""

from __future__ import annotations


class BrokerguardError(Exception):
    """Base class. ``code`` is stable and documented; ``message`` is for people."""

    code = "error"
    status_code = 500

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message}
        if self.field is not None:
            data["field"] = self.field
        return data


class ValidationError(BrokerguardError):
    """Input that breaks a rule: the field and the reason are named."""

    code = "invalid_input"
    status_code = 422


class NotFoundError(BrokerguardError):
    code = "not_found"
    status_code = 404


class UnknownRequirementError(NotFoundError):
    code = "unknown_requirement"

    def __init__(self, requirement_id: str) -> None:
        super().__init__(f"unknown requirement ID: {requirement_id!r}", field="requirement_id")
        self.requirement_id = requirement_id


class ConflictError(BrokerguardError):
    code = "conflict"
    status_code = 409


class PermissionDeniedError(BrokerguardError):
    code = "forbidden"
    status_code = 403


class AuthenticationError(BrokerguardError):
    code = "unauthenticated"
    status_code = 401


class PayloadTooLargeError(ValidationError):
    code = "too_large"
    status_code = 413


class UnsupportedMediaError(ValidationError):
    code = "unsupported_type"
    status_code = 415


class RulebookError(BrokerguardError):
    """A rulebook data file is malformed: names file, line and field."""

    code = "rulebook_invalid"
    status_code = 500

    def __init__(
        self, message: str, *, path: str, line: int | None = None, field: str | None = None
    ):
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", field=field)
        self.path = path
        self.line = line


class ConfigurationError(BrokerguardError):
    code = "configuration"
    status_code = 500


class ServiceUnavailableError(BrokerguardError):
    code = "unavailable"
    status_code = 503


class MigrationStateError(BrokerguardError):
    """The database was never migrated, or is behind (or ahead of) the code's migrations."""

    code = "database_not_migrated"
    status_code = 503
