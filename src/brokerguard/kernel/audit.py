"""The audit event and the sink interface: the contract every producer writes to.

Required: ``event_id`` (UUID, the idempotency key), ``time`` (RFC 3339 with offset),
``account``, ``function``, ``system`` and at least one of ``query`` or
``result_digest``. Optional: ``actor``, ``customer_ids``, ``source_ip``,
``user_agent``, ``outcome`` (success/failure), ``correlation_id`` and
``attributes`` (string or integer values only, e.g. a login's failure reason).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AttributeValue = str | int


class AuditEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    event_id: uuid.UUID
    time: datetime
    account: str = Field(min_length=1, max_length=256)
    function: str = Field(min_length=1, max_length=256)
    system: str = Field(min_length=1, max_length=128)
    query: str | None = Field(default=None, max_length=16384)
    result_digest: str | None = Field(default=None, max_length=256)
    actor: str | None = Field(default=None, max_length=256)
    customer_ids: tuple[str, ...] = ()
    source_ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=1024)
    outcome: Literal["success", "failure"] | None = None
    correlation_id: str | None = Field(default=None, max_length=128)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must carry a UTC offset (RFC 3339)")
        return value

    @field_validator("attributes")
    @classmethod
    def _no_bool_or_float(cls, value: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, str | int):
                raise ValueError(f"attribute {key!r} must be a string or an integer")
        return value

    @model_validator(mode="after")
    def _query_or_digest(self) -> AuditEvent:
        if self.query is None and self.result_digest is None:
            raise ValueError("an event needs query or result_digest")
        return self


class AuditSink(Protocol):
    """Where producers (the login service, the web middleware, ...) send events."""

    def record(self, event: AuditEvent) -> None: ...


class MemoryAuditSink:
    """Keeps events in a list: for tests and for tools that only collect."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)
