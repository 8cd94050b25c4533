"""Evidence pages: list, upload form (re-shown with the error by the field), detail, download."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brokerguard.clock import today
from brokerguard.errors import BrokerguardError
from brokerguard.evidence.forms import parse_optional_date, parse_requirement_ids
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import (
    evidence_content,
    get_evidence,
    list_evidence,
    store_evidence,
)
from brokerguard.evidence.validation import check_kind
from brokerguard.rulebook import load_rulebook, require_known
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer_or_app_team,
    run_unit_of_work,
)
from brokerguard.web.labels import evidence_kind_labels, label_pair
from brokerguard.web.tables import TableSpec, table_page
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)


#: error fields of the service mapped to the form field the message is shown by
FIELD_OF = {"filename": "file", "sha256": "file"}
#: content types served inline would let stored HTML run in our origin: always download
UNSAFE_INLINE = frozenset({"text/html", "application/xml", "image/svg+xml"})
WRITERS = (Role.security, Role.compliance, Role.app_team)
FORM_FIELDS = ("title", "kind", "requirement_ids", "owner", "unit", "valid_until")


def known_evidence_kinds() -> list[str]:
    kinds = {k for r in load_rulebook().ordered() for k in r.evidence_kinds}
    return sorted(kinds)


def content_disposition(filename: str) -> str:
    """RFC 6266 attachment header with an ASCII fallback and the UTF-8 name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _upload_form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "evidence/upload.html",
        {"values": values, "errors": errors or {}, "kinds": known_evidence_kinds()},
        status_code=status_code,
    )


def _field_errors(kind: str, requirement_ids: str, valid_until: str) -> dict[str, str]:
    """The form fields that can be judged without the file, all at once."""
    errors: dict[str, str] = {}
    checks = (
        ("kind", lambda: check_kind(kind.strip())),
        ("requirement_ids", lambda: require_known(*parse_requirement_ids(requirement_ids))),
        ("valid_until", lambda: parse_optional_date(valid_until, "valid_until")),
    )
    for field, check in checks:
        try:
            check()
        except BrokerguardError as error:
            errors[field] = error.message
    return errors


#: the most evidence the list reads (the store keeps more: export it or narrow the search)
MAX_LISTED = 5000


def evidence_table(day: date) -> TableSpec[EvidenceRecord]:
    """Search, filters and sorts of the evidence list; ``day`` decides what has expired."""
    return TableSpec(
        search=lambda e: " ".join(
            (
                e.title,
                e.filename,
                e.kind,
                *(label_pair("evidence_kind", e.kind) or ()),
                e.owner,
                e.unit,
                e.uploaded_by,
                *e.requirement_ids,
            )
        ),
        sorts={
            "title": lambda e: e.title.casefold(),
            "kind": lambda e: e.kind,
            "owner": lambda e: e.owner.casefold(),
            "uploaded": lambda e: e.uploaded_at,
            "valid_until": lambda e: e.valid_until,
        },
        default_sort="-uploaded",
        filters={
            "kind": (tuple(known_evidence_kinds()), lambda e: e.kind),
            "validity": (("current", "expired"), lambda e: _validity(e, day)),
            "requirement": (
                tuple(r.id for r in load_rulebook().ordered()),
                lambda e: e.requirement_ids,
            ),
        },
    )


def _validity(record: EvidenceRecord, day: date) -> str:
    return "current" if record.is_current(day) else "expired"


@router.get("/evidence")
def evidence_list(
    request: Request, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    day = today(clock)
    items = list_evidence(session, limit=MAX_LISTED)
    return render(
        request,
        "evidence/list.html",
        {
            "t": table_page(request.query_params, evidence_table(day), items),
            "kind_labels": evidence_kind_labels(known_evidence_kinds()),
            "today": day,
            "can_write": user.has_any(*WRITERS),
        },
    )


@router.get("/evidence/upload")
def upload_form(
    request: Request,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    requirement_ids: str = "",
) -> Response:
    values = dict.fromkeys(FORM_FIELDS, "")
    values["requirement_ids"] = requirement_ids[:500]
    values["owner"] = user.display_name
    values["unit"] = user.unit
    return _upload_form(request, values)


@router.post("/evidence/upload")
async def upload_submit(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
    title: Annotated[str, Form(max_length=1000)] = "",
    kind: Annotated[str, Form(max_length=200)] = "",
    requirement_ids: Annotated[str, Form(max_length=5000)] = "",
    owner: Annotated[str, Form(max_length=500)] = "",
    unit: Annotated[str, Form(max_length=500)] = "",
    valid_until: Annotated[str, Form(max_length=100)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    values = {
        "title": title,
        "kind": kind,
        "requirement_ids": requirement_ids,
        "owner": owner,
        "unit": unit,
        "valid_until": valid_until,
    }
    errors = _field_errors(kind, requirement_ids, valid_until)
    if file is None:
        errors.setdefault("file", "choose a file to upload")
    if errors or file is None:
        return _upload_form(request, values, errors, status_code=422)
    content = await file.read(settings.upload_max_bytes + 1)
    filename = file.filename or ""

    def store() -> Response:
        """The store and its refusal page, in one trip to the thread pool (not on the loop)."""
        try:
            record = store_evidence(
                session,
                clock,
                settings,
                content=content,
                filename=filename,
                title=title,
                requirement_ids=parse_requirement_ids(requirement_ids),
                kind=kind.strip(),
                uploaded_by=user.username,
                owner=owner[:128],
                unit=unit[:128],
                valid_until=parse_optional_date(valid_until, "valid_until"),
            )
        except BrokerguardError as error:
            session.rollback()
            field = FIELD_OF.get(error.field or "", error.field or "file")
            status = error.status_code if error.status_code < 500 else 422
            return _upload_form(request, values, {field: error.message}, status_code=status)
        return RedirectResponse(f"/evidence/{record.id}?uploaded=1", status_code=303)

    return await run_unit_of_work(session, store)


@router.get("/evidence/{evidence_id}")
def evidence_detail(
    evidence_id: str, request: Request, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    record = get_evidence(session, evidence_id[:64])
    return render(
        request,
        "evidence/detail.html",
        {"e": record, "today": today(clock), "uploaded": request.query_params.get("uploaded")},
    )


@router.get("/evidence/{evidence_id}/download")
def evidence_download(
    evidence_id: str, session: DbSession, settings: AppSettings, user: CurrentStaff
) -> Response:
    """The stored bytes, refused if their SHA-256 no longer matches the record."""
    record, content = evidence_content(session, settings, evidence_id[:64])
    media = (
        "application/octet-stream" if record.content_type in UNSAFE_INLINE else record.content_type
    )
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": content_disposition(record.filename),
            "X-Content-SHA256": record.sha256,
        },
    )
