"""The bases of the login API's bodies, shared by :mod:`~brokerguard.auth.schemas` and the
factor modules (each factor declares its own submission and enrolment bodies)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.inputs import InputModel, TextPolicyModel

#: generous limits: the service checks the real ones and counts failures
PASSWORD_FIELD_MAX = 4096
TOKEN_MAX = 200


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StrictRequest(Strict, InputModel):
    """A request body: unknown fields, unsafe text and loose scalars are refused."""


class FactorSubmissionBody(Strict, TextPolicyModel):
    """A factor's submission (``POST /login/factor``): a member of the discriminated union
    the registry builds on ``type``, so text fields only (Pydantic's rule for the tag)."""

    type: str
    login_token: str = Field(min_length=1, max_length=TOKEN_MAX)


class FactorOut(Strict):
    id: str
    type: str
    status: str
    label: str
    device_id: str
    created_at: datetime
    delivered_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None
