"""Attestations JSON API: the attestation register and referenced rulebooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from brokerguard.attestations.schemas import RulebookListOut, RulebookOut
from brokerguard.attestations.service import (
    ATTESTATIONS,
    MAX_RULEBOOK_BYTES,
    list_rulebooks,
    load_referenced_rulebook,
    rulebook_summary,
)
from brokerguard.registerkit.files import read_upload, upload_name
from brokerguard.registerkit.web import add_findings_api, add_register_api
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import AppClock, CurrentStaff, DbSession, require_roles, run_unit_of_work

router = APIRouter(prefix="/api/v1/attestations", tags=["attestations"])
add_register_api(router, ATTESTATIONS)
add_findings_api(
    router,
    (
        "attestations.a3_1_current",
        "attestations.a3_2_current",
        "attestations.a4_1_current",
        "attestations.a11_1_current",
    ),
)

RulebookLoader = Annotated[StaffIdentity, Depends(require_roles(Role.compliance, Role.security))]


@router.get("/rulebooks", response_model=RulebookListOut)
def rulebooks(session: DbSession, user: CurrentStaff) -> dict[str, Any]:
    """The additional rulebooks loaded so far."""
    return {"items": [rulebook_summary(r) for r in list_rulebooks(session)]}


@router.post("/rulebooks", status_code=201, response_model=RulebookOut)
async def load_rulebook_file(
    session: DbSession,
    clock: AppClock,
    user: RulebookLoader,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form(max_length=255)],
    version: Annotated[str, Form(max_length=64)],
    requirement_id: Annotated[str, Form(max_length=32)],
) -> dict[str, Any]:
    """Validate a YAML rulebook (same format as the packaged one) and record it."""
    content = await read_upload(file, MAX_RULEBOOK_BYTES)
    filename = upload_name(file)

    def load() -> dict[str, Any]:
        """The rulebook, in one trip to the thread pool."""
        row = load_referenced_rulebook(
            session,
            clock,
            content=content,
            filename=filename,
            name=name,
            version=version,
            requirement_id=requirement_id,
            loaded_by=user.username,
        )
        return rulebook_summary(row)

    return await run_unit_of_work(session, load)
