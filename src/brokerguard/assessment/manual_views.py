"""Record a manual assessment on a requirement's page (人工評估, issue 17 item 6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brokerguard.assessment.manual import (
    ASSESSOR_ROLES,
    MANUAL_EVIDENCE_KIND,
    record_manual_assessment,
)
from brokerguard.assessment.views import requirement_response
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.evidence.forms import parse_optional_date
from brokerguard.evidence.service import store_evidence
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    run_unit_of_work,
)

router = APIRouter(include_in_schema=False)

#: what the page says for each refused field (catalogue msgids)
MANUAL_REFUSALS = {
    "role": "Your role may not record a manual assessment: the cybersecurity unit or "
    "compliance records it. Nothing was saved.",
    "requirement_id": "An automated check decided this requirement in the latest assessment: "
    "a manual assessment counts only where its checks answer manual. Nothing was saved.",
    "result": "Choose a result: pass, fail or not applicable. Nothing was saved.",
    "reason": "Say why the requirement fails or does not apply (at most 2,000 characters). "
    "Nothing was saved.",
    "evidence_id": "Choose current evidence of this requirement from the evidence store, or "
    "upload a file. Nothing was saved.",
    "reviewer": "The reviewer must be an active staff user other than you. Nothing was saved.",
    "valid_until": "Valid until must be a date from today to the end of one review cycle "
    "(2027-03-31 or 116/03/31). Nothing was saved.",
    "file": "The file was refused: it is empty, too large, of a type not allowed or its "
    "content does not match its extension. Nothing was saved.",
    "kind": "Choose one of the evidence kinds this requirement names. Nothing was saved.",
    "title": "The evidence title is longer than 255 characters. Nothing was saved.",
}
#: the fields of the evidence store that belong to the uploaded file on this form
FILE_FIELDS = {"filename": "file", "sha256": "file", "requirement_ids": "file"}


def _assessor(user: CurrentStaff) -> StaffIdentity:
    """Any signed-in role reaches the handler, which refuses the others on the page itself
    (input kept); ``allowed_roles`` tells the page whom to show the form to."""
    return user


_assessor.allowed_roles = ASSESSOR_ROLES  # type: ignore[attr-defined]  # web.permissions


@router.post("/requirements/{requirement_id}/manual")
async def record_manual(
    requirement_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(_assessor)],
    result: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    evidence_id: Annotated[str, Form(max_length=64)] = "",
    reviewer: Annotated[str, Form(max_length=128)] = "",
    valid_until: Annotated[str, Form(max_length=32)] = "",
    evidence_kind: Annotated[str, Form(max_length=64)] = "",
    evidence_title: Annotated[str, Form(max_length=1000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record the assessment (uploading its evidence first when a file is sent); a refusal
    shows the requirement's page again with the input kept and the reason. Only the file
    is read on the event loop; the database work and the page run in the thread pool."""
    requirement = load_rulebook().get(requirement_id)
    form = {
        "result": result,
        "reason": reason,
        "evidence_id": evidence_id,
        "reviewer": reviewer,
        "valid_until": valid_until,
        "evidence_kind": evidence_kind,
        "evidence_title": evidence_title,
    }

    def refused(field: str, status_code: int) -> Response:
        extra = {
            "manual_error": MANUAL_REFUSALS.get(field, "Nothing was saved."),
            "manual_error_field": field,
            "manual_form": form,
        }
        return requirement_response(
            request, session, clock, user, requirement.id, extra=extra, status_code=status_code
        )

    upload = file if file is not None and file.filename else None
    content = b""
    if upload is not None and user.has_any(*ASSESSOR_ROLES):
        content = await upload.read(settings.upload_max_bytes + 1)

    def work() -> Response:
        """Everything that needs the database, in one trip to the thread pool."""
        if not user.has_any(*ASSESSOR_ROLES):
            return refused("role", 403)
        try:
            until = parse_optional_date(valid_until, "valid_until")
            chosen = evidence_id.strip()
            if upload is not None:
                kinds = requirement.evidence_kinds or (MANUAL_EVIDENCE_KIND,)
                kind = evidence_kind.strip() or kinds[0]
                if kind not in kinds:
                    raise ValidationError(
                        f"evidence kind {kind[:64]!r} is not one of {kinds}", field="kind"
                    )
                stored = store_evidence(
                    session,
                    clock,
                    settings,
                    content=content,
                    filename=upload.filename or "",
                    title=evidence_title.strip() or f"{requirement.id} 人工評估佐證",
                    requirement_ids=[requirement.id],
                    kind=kind,
                    uploaded_by=user.username,
                    owner=user.display_name[:128],
                    unit=user.unit[:128],
                    valid_until=until,
                )
                chosen = stored.id
            record_manual_assessment(
                session,
                clock,
                requirement_id=requirement.id,
                result=result.strip(),
                reason=reason,
                evidence_id=chosen,
                reviewer=reviewer,
                valid_until=until,
                assessor=user.username,
            )
        except BrokerguardError as error:
            session.rollback()
            field = FILE_FIELDS.get(error.field or "", error.field or "file")
            return refused(field, error.status_code if error.status_code < 500 else 422)
        return RedirectResponse(f"/requirements/{requirement.id}#manual", status_code=303)

    return await run_unit_of_work(session, work)
