"""Typed response bodies shared by the registers' JSON APIs (truthful OpenAPI, issue 20)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from brokerguard.findings.schemas import FindingRecord
from brokerguard.outputs import RowProblem

Row = TypeVar("Row", bound=BaseModel)


class ImportOutcome(BaseModel):
    """``POST .../import`` of a register (IoT, devices, findings)."""

    total: int
    loaded: int
    rejected: int
    errors: list[RowProblem]


class KitImportOutcome(BaseModel):
    """``POST .../import`` of a register-kit register (social media, training, attestations)."""

    created: int
    updated: int
    total: int
    evidence_ref: str | None
    errors: list[RowProblem]


class RegisterPage(BaseModel, Generic[Row]):
    """One page of a register-kit register: each item is a row of the register's shape."""

    total: int
    offset: int
    items: list[Row]


class OpenedFindings(BaseModel):
    """``POST .../findings``: the findings opened (or still open) for failed checks."""

    items: list[FindingRecord]
