"""The base of every JSON response body declared for the OpenAPI document (issue 20).

A route that returns a plain ``dict`` declares the body's shape with a
:class:`ResponseModel` (``response_model=`` or the return annotation). Extra keys are
forbidden, so a route whose dictionary drifts from its declared shape fails loudly
(FastAPI's response validation, and the schemathesis run in ``tests/web``) instead of
quietly dropping a key from what clients receive.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ResponseModel(BaseModel):
    """A response body: exactly the declared keys, nothing more."""

    model_config = ConfigDict(extra="forbid")


class RowProblem(ResponseModel):
    """One refused row of an import: file line (header = 1), column, reason."""

    line: int
    column: str | None
    message: str
