"""Response bodies of the assessment API (the shape of :func:`snapshot_to_json`)."""

from __future__ import annotations

from brokerguard.outputs import ResponseModel


class RequirementStatusOut(ResponseModel):
    """One requirement's status in a run, and the checks behind it."""

    id: str
    status: str
    checks: list[str]
    reason_zh: str
    reason_en: str
    last_passed_at: str | None


class CheckResultOut(ResponseModel):
    """One check's result in a run."""

    id: str
    requirements: list[str]
    status: str
    reason_zh: str
    reason_en: str
    evidence: list[str]
    duration_ms: int


class SnapshotOut(ResponseModel):
    """A whole assessment run: counts by status, per-requirement status, every check."""

    run_id: str
    started_at: str
    finished_at: str
    scope: str
    counts: dict[str, int]
    requirements: list[RequirementStatusOut]
    checks: list[CheckResultOut]
