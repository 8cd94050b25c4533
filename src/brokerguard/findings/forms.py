"""Inputs of the findings API, pages and CLI."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import ConfigDict, Field

from brokerguard.findings.schemas import Severity
from brokerguard.inputs import InputModel
from brokerguard.textpolicy import MultilineText


class ManualSource(StrEnum):
    """Where a finding raised by hand comes from (``check`` is kept for failed checks)."""

    inspection = "inspection"  # 主管機關／證交所查核意見
    audit = "audit"  # 內部稽核
    review = "review"  # 覆核缺口
    manual = "manual"


class FindingIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    requirement_id: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=255)
    description: MultilineText = Field(default="", max_length=8000)
    source: ManualSource = ManualSource.inspection
    source_ref: str = Field(default="", max_length=255)
    owner: str = Field(default="", max_length=128)
    due_date: date | None = None
    severity: Severity = Severity.medium


class FromCheckIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    check_id: str = Field(min_length=1, max_length=128)
    requirement_id: str | None = Field(default=None, max_length=32)
    owner: str = Field(default="", max_length=128)
    due_date: date | None = None
    severity: Severity = Severity.medium


class PlanIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    plan: MultilineText = Field(min_length=1, max_length=8000)
    owner: str | None = Field(default=None, max_length=128)
    due_date: date | None = None


class CloseIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: MultilineText = Field(min_length=1, max_length=8000)
    closing_evidence: str | None = Field(default=None, max_length=255)
