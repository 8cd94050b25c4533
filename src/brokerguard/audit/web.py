"""Auditing brokerguard's own endpoints that touch personal data (A9.9).

``Depends(audited("crm.customer.view", customer_param="customer_id"))`` records an
event (account = the signed-in staff member, who must be signed in; the request's
method, path and query string as ``query``; source IP; user agent) **before** the
handler runs, and commits it at once, so the read is on record even when the
handler fails later. When the event cannot be written the request is refused with
503 (fail closed); pass
``fail_closed=False`` for an endpoint where availability must win (the miss is logged).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from brokerguard.clock import Clock
from brokerguard.errors import BrokerguardError, ServiceUnavailableError
from brokerguard.kernel.audit import AuditEvent, AuditSink
from brokerguard.web.deps import AppAuditSink, AppClock, AppSettings, CurrentStaff, DbSession

log = logging.getLogger(__name__)
SYSTEM = "brokerguard"
#: the most customers one read event names (the ingest refuses more than 1,000)
MAX_CUSTOMERS_PER_EVENT = 1000


def request_event(
    request: Request,
    *,
    function: str,
    account: str,
    when: datetime,
    customer_ids: tuple[str, ...] = (),
    query: str | None = None,
) -> AuditEvent:
    text = query or f"{request.method} {request.url.path}"
    if not query and request.url.query:
        text += f"?{request.url.query}"
    return AuditEvent(
        event_id=uuid.uuid4(),
        time=when,
        account=account[:256] or "anonymous",
        function=function,
        system=SYSTEM,
        query=text[:16384],
        customer_ids=customer_ids,
        source_ip=request.client.host[:64] if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:1024] or None,
        outcome="success",
        correlation_id=(request.headers.get("x-request-id") or "")[:128] or None,
    )


def audited(
    function: str,
    *,
    customer_param: str | None = None,
    fail_closed: bool | None = None,
) -> Callable[..., None]:
    """A FastAPI dependency that audits the request; fail closed unless told otherwise."""

    def dependency(
        request: Request,
        staff: CurrentStaff,
        sink: AppAuditSink,
        clock: AppClock,
        session: DbSession,
        settings: AppSettings,
    ) -> None:
        closed = settings.audit.fail_closed if fail_closed is None else fail_closed
        account = staff.username
        customer = None
        if customer_param:
            customer = request.path_params.get(customer_param) or request.query_params.get(
                customer_param
            )
        event = request_event(
            request,
            function=function,
            account=account,
            when=clock.now(),
            customer_ids=(customer[:64],) if customer else (),
        )
        try:
            sink.record(event)
            session.commit()  # the read is on record before the handler runs, whatever follows
        except (BrokerguardError, SQLAlchemyError, OSError, RuntimeError) as error:
            session.rollback()
            if closed:
                raise ServiceUnavailableError(
                    "this read is refused: its audit record could not be written"
                ) from None
            log.warning("audit record for %s not written: %s", function, type(error).__name__)

    return dependency


def record_customer_read(
    sink: AuditSink,
    request: Request,
    clock: Clock,
    *,
    actor: str,
    function: str,
    customer_ids: Iterable[str],
    result: bytes,
    system: str = SYSTEM,
) -> None:
    """Record that ``actor`` was shown these customers' data (A9.9), in the request's
    unit of work: the event commits with the request, before the answer is sent, and a
    failed append turns the answer into a 503 (see :func:`brokerguard.web.deps.get_db`).

    ``result`` is what was shown (its SHA-256 is kept, not the data). A read of more
    customers than one event may name keeps the first ones and the total count.
    """
    unique = tuple(dict.fromkeys(c[:64] for c in customer_ids if c))
    base = request_event(request, function=function, account=actor, when=clock.now())
    sink.record(
        AuditEvent(
            **{
                **base.model_dump(),
                "system": system,
                "actor": actor[:256],
                "customer_ids": unique[:MAX_CUSTOMERS_PER_EVENT],
                "result_digest": "sha256:" + hashlib.sha256(result).hexdigest(),
                "attributes": {"records": len(unique)},
            }
        )
    )
