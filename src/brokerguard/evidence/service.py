"""Evidence: store, link to requirements, find what is current."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, today
from brokerguard.config import Settings
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.evidence.models import EvidenceItem, EvidenceLink
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.store import EvidenceFileStore
from brokerguard.evidence.validation import check_kind, check_upload
from brokerguard.rulebook import require_known

MAX_TITLE = 255


def file_store(settings: Settings) -> EvidenceFileStore:
    return EvidenceFileStore(Path(settings.data_dir) / "evidence")


def _record(item: EvidenceItem) -> EvidenceRecord:
    return EvidenceRecord.model_validate(item)


def store_evidence(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    content: bytes,
    filename: str,
    title: str,
    requirement_ids: Sequence[str],
    kind: str,
    uploaded_by: str,
    owner: str = "",
    unit: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> EvidenceRecord:
    """Validate, store the file content-addressed and record it against requirement IDs.

    Every rule is checked before anything is written; the database row is added to
    the caller's transaction, so a failed commit leaves only an unreferenced file.
    """
    name, content_type = check_upload(
        content,
        filename,
        max_bytes=settings.upload_max_bytes,
        allowed=settings.upload_allowed_extensions,
    )
    check_kind(kind)
    clean_title = (title or "").strip()
    if not clean_title:
        raise ValidationError("a title is required", field="title")
    if len(clean_title) > MAX_TITLE:
        raise ValidationError(f"the title is longer than {MAX_TITLE} characters", field="title")
    ids = sorted({r.strip() for r in requirement_ids if r.strip()})
    if not ids:
        raise ValidationError("name at least one requirement ID", field="requirement_ids")
    require_known(*ids)
    start = valid_from or today(clock)
    if valid_until is not None and valid_until < start:
        raise ValidationError("valid until is before valid from", field="valid_until")

    digest = file_store(settings).put(content)
    item = EvidenceItem(
        sha256=digest,
        filename=name,
        title=clean_title,
        kind=kind,
        content_type=content_type,
        size_bytes=len(content),
        owner=owner.strip(),
        unit=unit.strip(),
        uploaded_by=uploaded_by,
        uploaded_at=clock.now(),
        valid_from=start,
        valid_until=valid_until,
        links=[EvidenceLink(requirement_id=r) for r in ids],
    )
    session.add(item)
    session.flush()
    return _record(item)


def get_evidence(session: Session, evidence_id: str) -> EvidenceRecord:
    item = session.get(EvidenceItem, evidence_id)
    if item is None:
        raise NotFoundError(f"no evidence with id {evidence_id}", field="evidence_id")
    return _record(item)


EVIDENCE_REFERENCE = re.compile(r"^evidence:sha256:([0-9a-f]{64})$")


def find_by_reference(session: Session, reference: str) -> EvidenceRecord | None:
    """The newest stored item named by ``evidence:sha256:<hex>`` (None: not in the store)."""
    match = EVIDENCE_REFERENCE.match(reference.strip())
    if match is None:
        return None
    item = session.scalar(
        select(EvidenceItem)
        .where(EvidenceItem.sha256 == match.group(1))
        .order_by(EvidenceItem.uploaded_at.desc())
        .limit(1)
    )
    return _record(item) if item is not None else None


def evidence_content(
    session: Session, settings: Settings, evidence_id: str
) -> tuple[EvidenceRecord, bytes]:
    record = get_evidence(session, evidence_id)
    return record, file_store(settings).get(record.sha256)


def evidence_for(session: Session, requirement_id: str) -> list[EvidenceRecord]:
    """Every evidence item linked to ``requirement_id``, newest first."""
    rows = session.scalars(
        select(EvidenceItem)
        .join(EvidenceLink)
        .where(EvidenceLink.requirement_id == requirement_id)
        .order_by(EvidenceItem.uploaded_at.desc())
    )
    return [_record(item) for item in rows]


def list_evidence(session: Session, *, limit: int = 500) -> list[EvidenceRecord]:
    rows = session.scalars(
        select(EvidenceItem).order_by(EvidenceItem.uploaded_at.desc()).limit(limit)
    )
    return [_record(item) for item in rows]


def evidence_by_requirement(session: Session) -> dict[str, list[EvidenceRecord]]:
    """All evidence grouped by requirement ID (one query), newest first."""
    out: dict[str, list[EvidenceRecord]] = {}
    for item in session.scalars(select(EvidenceItem).order_by(EvidenceItem.uploaded_at.desc())):
        record = _record(item)
        for requirement_id in record.requirement_ids:
            out.setdefault(requirement_id, []).append(record)
    return out


def verify_files(session: Session, settings: Settings) -> list[EvidenceRecord]:
    """Evidence whose stored file is missing or no longer matches its SHA-256."""
    store = file_store(settings)
    return [
        _record(item)
        for item in session.scalars(select(EvidenceItem))
        if not store.verify(item.sha256)
    ]
