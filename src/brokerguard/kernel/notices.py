"""A notice: an alert for people, queued in the outbox and delivered by the worker.

Producers (detection, the CT monitor, the audit verifier, the job runner, the
customer-credential lifecycle, ...) build a :class:`Notice` and hand it to a
:class:`NoticeSink` bound to their unit of work, so the notice commits, or rolls
back, with the change it reports (a transactional outbox). ``dedupe_key`` makes
queuing idempotent: the same key queued twice is one notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.low: 0, Severity.medium: 1, Severity.high: 2, Severity.critical: 3}


class NoticeKind(StrEnum):
    login_alert = "login_alert"  # A9.3
    phishing_case = "phishing_case"  # A8.1, A6.3.1.3
    check_failed = "check_failed"  # a pass that turned to fail
    audit_tamper = "audit_tamper"  # verify failed (critical)
    job_failed = "job_failed"
    evidence_expiring = "evidence_expiring"
    finding_overdue = "finding_overdue"
    release_pending_approval = "release_pending_approval"  # A6.3.1.4
    ct_log_failure = "ct_log_failure"  # a CT log's tree head failed verification
    customer_security = "customer_security"  # to an e-trading customer: password reset, ...
    iot_reassessment_due = "iot_reassessment_due"  # A7.2: an IoT device's reassessment is due


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    severity: Severity
    title_zh: str
    title_en: str
    summary: str
    occurred_at: datetime
    #: same key, same notice: queuing it again changes nothing
    dedupe_key: str
    #: a link into the web app (a path such as ``/detect/alerts/12``), or ""
    url: str = ""
    #: the requirement IDs the notice is about
    requirement_ids: tuple[str, ...] = ()
    #: machine-readable facts (no password, OTP, secret or full ID number)
    details: Mapping[str, str | int] = field(default_factory=dict)


class NoticeSink(Protocol):
    """Queues notices in the caller's transaction."""

    def notify(self, notice: Notice) -> None: ...
