"""Response bodies of the login-monitoring API (A9.3)."""

from __future__ import annotations

from brokerguard.outputs import ResponseModel


class AlertOut(ResponseModel):
    """One alert: the rule, the grouped account or source IP, the events it covers."""

    id: str
    rule_id: str
    severity: str
    status: str
    group_key: str
    title: str
    first_seen: str
    last_seen: str
    event_count: int
    first_seq: int
    last_seq: int
    close_reason: str | None
    note: str


class AlertListOut(ResponseModel):
    alerts: list[AlertOut]


class DetectionRunOut(ResponseModel):
    """One detection pass over the audit trail, from one sequence number to another."""

    from_seq: int
    to_seq: int
    events_seen: int
    alerts_raised: int
    alerts_updated: int


class DetectReportOut(ResponseModel):
    """A report made and kept as evidence."""

    kind: str
    period: str
    evidence: str
