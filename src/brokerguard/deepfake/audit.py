"""A9.9 audit events for reads of video identity records (customer personal data)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from fastapi import Request

from brokerguard.audit.web import record_customer_read
from brokerguard.clock import Clock
from brokerguard.deepfake.models import VideoSession
from brokerguard.kernel.audit import AuditEvent, AuditSink

SYSTEM = "brokerguard.deepfake"
MAX_CUSTOMERS = 100


def record_read(
    sink: AuditSink,
    clock: Clock,
    *,
    actor: str,
    function: str,
    query: str,
    customer_refs: Sequence[str],
    result: bytes,
) -> None:
    """Who read which customers' video identity records, when, and a digest of what they got."""
    sink.record(
        AuditEvent(
            event_id=uuid.uuid4(),
            time=clock.now(),
            account=actor,
            actor=actor,
            function=function,
            system=SYSTEM,
            query=query[:16384],
            result_digest="sha256:" + hashlib.sha256(result).hexdigest(),
            customer_ids=tuple(dict.fromkeys(customer_refs))[:MAX_CUSTOMERS],
            outcome="success",
            attributes={"records": len(customer_refs)},
        )
    )


def record_session_read(
    sink: AuditSink,
    request: Request,
    clock: Clock,
    row: VideoSession,
    *,
    actor: str,
    function: str,
    shown: object,
) -> None:
    """``actor`` was shown one session's record (``shown``: what, digested) (A9.9)."""
    record_customer_read(
        sink,
        request,
        clock,
        actor=actor,
        function=function,
        customer_ids=[row.customer_ref],
        result=repr(shown).encode(),
        system=SYSTEM,
    )
