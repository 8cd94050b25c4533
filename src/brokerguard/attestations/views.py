"""Attestation pages: the register and the referenced rulebooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brokerguard.attestations.service import (
    ATTESTATIONS,
    MAX_RULEBOOK_BYTES,
    REFERENCED_REQUIREMENTS,
    list_rulebooks,
    load_referenced_rulebook,
)
from brokerguard.errors import BrokerguardError
from brokerguard.registerkit.files import accepted, read_upload_kept, upload_name
from brokerguard.registerkit.web import add_register_views
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    CurrentStaff,
    DbSession,
    require_roles,
    run_unit_of_work,
)
from brokerguard.web.templating import render

router = APIRouter(prefix="/attestations", include_in_schema=False)

RulebookLoader = Annotated[StaffIdentity, Depends(require_roles(Role.compliance, Role.security))]


def _extra(request: Request, session: DbSession) -> dict[str, Any]:
    return {
        "rulebooks": list_rulebooks(session),
        "referenced": REFERENCED_REQUIREMENTS,
        "rulebook_error": None,
        "links": [("/attestations/rulebooks", "Referenced rulebooks")],
    }


add_register_views(router, ATTESTATIONS, "", extra=_extra)


@router.post("/rulebooks")
async def load_rulebook_page(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: RulebookLoader,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form(max_length=255)] = "",
    version: Annotated[str, Form(max_length=64)] = "",
    requirement_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    read = await read_upload_kept(file, MAX_RULEBOOK_BYTES)
    filename = upload_name(file)

    def load() -> Response:
        """The rulebook and its refusal page, in one trip to the thread pool."""
        try:
            with session.begin_nested():
                load_referenced_rulebook(
                    session,
                    clock,
                    content=accepted(read),
                    filename=filename,
                    name=name,
                    version=version,
                    requirement_id=requirement_id,
                    loaded_by=user.username,
                )
        except BrokerguardError as exc:
            return render(
                request,
                "attestations/rulebooks.html",
                {
                    "rulebooks": list_rulebooks(session),
                    "referenced": REFERENCED_REQUIREMENTS,
                    "rulebook_error": exc.message,
                    "form": {"name": name, "version": version, "requirement_id": requirement_id},
                },
                status_code=exc.status_code if exc.status_code < 500 else 422,
            )
        return RedirectResponse("/attestations/rulebooks", status_code=303)

    return await run_unit_of_work(session, load)


@router.get("/rulebooks")
def rulebooks_page(request: Request, session: DbSession, user: CurrentStaff) -> Response:
    """The loaded rulebooks, for every signed-in role (the API lists them to all); the
    form to load one is shown to the roles that may."""
    return render(
        request,
        "attestations/rulebooks.html",
        {
            "rulebooks": list_rulebooks(session),
            "referenced": REFERENCED_REQUIREMENTS,
            "rulebook_error": None,
            "form": {"name": "", "version": "", "requirement_id": ""},
        },
    )
