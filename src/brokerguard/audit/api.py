"""JSON API of the audit trail (``/api/v1/audit``).

- ``POST /events``: batch ingest for other systems, ``Authorization: Bearer bgk_...``
  (a per-system key; events must name that system). Answers 200 with accepted and
  rejected counts and each rejection's index, field and reason (201 is not used:
  a batch may be partly refused under the ``partial`` policy).
- ``GET /heads/latest``, ``GET /public-key``: the newest signed tree head and the key.
- ``GET /proofs/inclusion``, ``GET /proofs/consistency``: proofs (base64 hashes).
- ``GET /events``: search (staff; the search itself is audited).
- ``POST /verify``: full verification (security, compliance, auditor).
- ``POST /keys``: create a per-system key (admin); the key is shown once.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import Field

from brokerguard.audit import apikeys, search, service
from brokerguard.audit.ocsf import to_ocsf
from brokerguard.audit.schemas import (
    ApiKeyOut,
    AuditSearchOut,
    ConsistencyProofOut,
    InclusionProofOut,
    IngestOut,
    TreeHeadOut,
    VerifyOut,
)
from brokerguard.audit.sealing import latest_head
from brokerguard.errors import NotFoundError, PayloadTooLargeError, ValidationError
from brokerguard.inputs import InputModel, IsoDateTime, QueryBool
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    DbSession,
    require_roles,
    run_unit_of_work,
)
from brokerguard.web.transactions import declares_writes

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Investigator = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]
Admin = Annotated[StaffIdentity, Depends(require_roles(Role.admin))]
MAX_BODY = 32 * 1024 * 1024


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


@router.post("/events", response_model=IngestOut)
async def ingest_events(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    backfill: QueryBool = False,
) -> dict[str, Any]:
    """Append a batch of events ``{"events": [...]}`` (or a bare JSON list). Each
    stored event records the key that wrote it (attribute ``ingested_by``); events
    older than the backfill window (24 h) need ``?backfill=true`` and are marked
    ``backfill``."""
    # the key is checked before the body is read: its own trip to the thread pool, no commit
    key = await anyio.to_thread.run_sync(apikeys.authenticate, session, _bearer(request))
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise PayloadTooLargeError(f"request body over {MAX_BODY} bytes", field="body")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PayloadTooLargeError(f"request body over {MAX_BODY} bytes", field="body")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ValidationError("the body is not JSON", field="body") from None
    items = data.get("events") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValidationError('send {"events": [...]}', field="events")
    return await run_unit_of_work(
        session,
        lambda: service.ingest_batch(
            session,
            clock,
            items,
            system=key.system,
            settings=settings.audit,
            writer=f"apikey:{key.id}",
            backfill=backfill,
        ).to_dict(),
    )


@router.get("/heads/latest", response_model=TreeHeadOut)
def head_latest(session: DbSession, _: Investigator) -> dict[str, Any]:
    head = latest_head(session)
    if head is None:
        raise NotFoundError("no tree head yet", field="tree_size")
    return head.to_dict()


@router.get("/public-key", response_class=PlainTextResponse)
def public_key(settings: AppSettings) -> str:
    """The Ed25519 public key (PEM) that verifies every tree head."""
    return service.public_key_pem(settings)


@router.get("/proofs/inclusion", response_model=InclusionProofOut)
def proof_inclusion(
    session: DbSession,
    _: Investigator,
    seq: Annotated[int, Query(ge=0, le=2**62)],
    tree_size: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    return service.inclusion_proof(session, seq, tree_size)


@router.get("/proofs/consistency", response_model=ConsistencyProofOut)
def proof_consistency(
    session: DbSession,
    _: Investigator,
    size1: Annotated[int, Query(ge=1, le=2**62)],
    size2: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    return service.consistency_proof(session, size1, size2)


@router.post("/verify", response_model=VerifyOut)
def verify(
    session: DbSession, settings: AppSettings, clock: AppClock, _: Investigator
) -> dict[str, Any]:
    return service.verify(session, settings, now=clock.now()).to_dict()


@router.get(
    "/events", dependencies=[Depends(declares_writes)], response_model=AuditSearchOut
)  # the search is audited
def search_events(
    request: Request,
    session: DbSession,
    clock: AppClock,
    staff: Investigator,
    customer_id: Annotated[str | None, Query(max_length=256)] = None,
    account: Annotated[str | None, Query(max_length=256)] = None,
    function: Annotated[str | None, Query(max_length=256)] = None,
    system: Annotated[str | None, Query(max_length=128)] = None,
    time_from: IsoDateTime | None = None,
    time_to: IsoDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=search.MAX_RESULTS)] = 200,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    format: Annotated[str, Query(pattern="^(json|ocsf)$")] = "json",
) -> dict[str, Any]:
    """Search the trail; the search is itself recorded (function ``brokerguard.audit.search``)."""
    filters = search.SearchFilters(customer_id, account, function, system, time_from, time_to)
    filters.validate()
    service.record_internal(
        session,
        clock,
        account=staff.username,
        function="brokerguard.audit.search",
        query=filters.describe(),
        customer_ids=(customer_id[:64],) if customer_id else (),
        source_ip=request.client.host if request.client else None,
    )
    rows = search.search(session, filters, limit=limit, offset=offset)
    if format == "ocsf":
        return {"events": [to_ocsf(r) for r in rows]}
    return {"events": rows}


class KeyRequest(InputModel):
    system: str = Field(min_length=1, max_length=128)


@router.post("/keys")
def create_key(body: KeyRequest, session: DbSession, clock: AppClock, staff: Admin) -> ApiKeyOut:
    key_id, token = apikeys.create_key(session, clock, body.system, staff.username)
    service.record_internal(
        session,
        clock,
        account=staff.username,
        function="brokerguard.audit.key.create",
        query=f"create API key {key_id} for system {body.system}",
    )
    return ApiKeyOut(id=key_id, system=body.system, key=token)
