"""JSON API of the evidence store: upload (multipart), list, one item, its content."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from brokerguard.errors import ValidationError
from brokerguard.evidence.forms import parse_optional_date, parse_requirement_ids
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import (
    evidence_content,
    evidence_for,
    get_evidence,
    list_evidence,
    store_evidence,
)
from brokerguard.evidence.views import UNSAFE_INLINE, content_disposition
from brokerguard.rulebook import require_known
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer_or_app_team,
    run_unit_of_work,
)

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])


@router.post("", status_code=201)
async def upload(
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    file: Annotated[UploadFile, File(description="the evidence file")],
    title: Annotated[str, Form(max_length=1000)],
    kind: Annotated[str, Form(max_length=200)],
    requirement_ids: Annotated[str, Form(max_length=5000, description="A9.1, A9.2 ...")],
    owner: Annotated[str, Form(max_length=128)] = "",
    unit: Annotated[str, Form(max_length=128)] = "",
    valid_until: Annotated[str, Form(max_length=100, description="ISO or ROC date")] = "",
) -> EvidenceRecord:
    """Store a file (content-addressed SHA-256) for requirement IDs; nothing kept on refusal."""
    content = await file.read(settings.upload_max_bytes + 1)
    filename = file.filename or ""
    return await run_unit_of_work(
        session,
        lambda: store_evidence(
            session,
            clock,
            settings,
            content=content,
            filename=filename,
            title=title,
            requirement_ids=parse_requirement_ids(requirement_ids),
            kind=kind.strip(),
            uploaded_by=user.username,
            owner=owner,
            unit=unit,
            valid_until=parse_optional_date(valid_until, "valid_until"),
        ),
    )


@router.get("")
def list_items(
    session: DbSession,
    user: CurrentStaff,
    requirement_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[EvidenceRecord]:
    """All evidence, newest first, or the evidence of one requirement."""
    if requirement_id is not None:
        require_known(requirement_id)
        return evidence_for(session, requirement_id)[:limit]
    return list_evidence(session, limit=limit)


@router.get("/{evidence_id}")
def one(evidence_id: str, session: DbSession, user: CurrentStaff) -> EvidenceRecord:
    if len(evidence_id) > 64:
        raise ValidationError("not an evidence ID", field="evidence_id")
    return get_evidence(session, evidence_id)


@router.get("/{evidence_id}/content")
def content(
    evidence_id: str, session: DbSession, settings: AppSettings, user: CurrentStaff
) -> Response:
    """The stored bytes; refused when the file no longer matches its SHA-256."""
    if len(evidence_id) > 64:
        raise ValidationError("not an evidence ID", field="evidence_id")
    record, data = evidence_content(session, settings, evidence_id)
    media = (
        "application/octet-stream" if record.content_type in UNSAFE_INLINE else record.content_type
    )
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": content_disposition(record.filename),
            "X-Content-SHA256": record.sha256,
        },
    )
