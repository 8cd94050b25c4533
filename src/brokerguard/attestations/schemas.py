"""Response bodies of the attestations API (A3.1, A3.2, A4.1, A11.1)."""

from __future__ import annotations

from datetime import date

from brokerguard.outputs import ResponseModel


class AttestationRow(ResponseModel):
    """A statement of compliance with a referenced rule, and when it is next reviewed."""

    id: str
    requirement_id: str
    referenced_rule: str
    rule_version: str
    applicable: bool
    statement: str
    attested_by: str
    attested_on: date
    next_due: date
    evidence_ref: str


class RulebookOut(ResponseModel):
    """A referenced rulebook loaded from YAML (its file's SHA-256 and who loaded it)."""

    id: str
    name: str
    version: str
    requirement_id: str
    filename: str
    sha256: str
    article: int
    title_zh: str
    title_en: str
    requirement_ids: list[str]
    loaded_by: str
    loaded_at: str


class RulebookListOut(ResponseModel):
    items: list[RulebookOut]
