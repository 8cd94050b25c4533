"""Response bodies of the audit-trail API (A9.9): ingest results, tree heads, proofs,
verification reports, search results and API keys."""

from __future__ import annotations

from typing import Any

from brokerguard.outputs import ResponseModel


class IngestRejectionOut(ResponseModel):
    """One refused event of a batch: its index in the batch, its ID, the field, why."""

    index: int
    event_id: str | None
    field: str
    reason: str


class IngestOut(ResponseModel):
    """``POST /events``: how many were stored, the first sequence number, the refusals."""

    accepted: int
    rejected: int
    first_seq: int | None
    errors: list[IngestRejectionOut]


class TreeHeadOut(ResponseModel):
    """An Ed25519-signed tree head closing one batch (RFC 6962 Merkle tree)."""

    tree_size: int
    first_seq: int
    root: str
    sealed_at: str
    period: str
    prev_head_hash: str
    head_hash: str
    key_id: str
    signature: str


class InclusionProofOut(ResponseModel):
    """An event's inclusion proof (base64 hashes) in the tree of ``tree_size``."""

    seq: int
    leaf_hash: str
    tree_size: int
    root: str
    proof: list[str]
    tree_head: TreeHeadOut


class ConsistencyProofOut(ResponseModel):
    """Proof that the tree of ``size1`` is a prefix of the tree of ``size2``."""

    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]
    tree_heads: list[TreeHeadOut]


class VerifyOut(ResponseModel):
    """The whole trail verified: every record and tree head, or the first bad one."""

    ok: bool
    events_checked: int
    heads_checked: int
    sealed_size: int
    unsealed_events: int
    unsealed_since: str | None
    unsealed_age_s: int | None
    first_bad_seq: int | None
    problem: str | None
    message: str


class AuditRecordOut(ResponseModel):
    """One stored record of the trail with the A9.9 fields."""

    seq: int
    recorded_at: str
    event_id: str
    time: str
    account: str
    function: str
    system: str
    query: str | None
    result_digest: str | None
    actor: str | None
    customer_ids: list[str]
    source_ip: str | None
    user_agent: str | None
    outcome: str | None
    correlation_id: str | None
    #: the source system's own fields, as it sent them (free-form by design)
    attributes: dict[str, Any]
    leaf_hash: str


#: an event in OCSF 1.x (schema.ocsf.io): its schema is OCSF's, carried as built
OcsfEvent = dict[str, Any]


class AuditSearchOut(ResponseModel):
    """``GET /events``: the records found, newest first, as stored or in OCSF."""

    events: list[AuditRecordOut] | list[OcsfEvent]


class ApiKeyOut(ResponseModel):
    """A new ingest API key: shown once, stored only as a hash."""

    id: str
    system: str
    key: str
