"""Shared pages for the registers (IoT, mobile devices, findings, ...).

A register describes its form fields, its Pydantic input model and its
service functions in a :class:`RegisterSpec`; :func:`add_register_routes` adds
the list, create, edit, import and export pages to the domain's router. Forms
re-show the input with each error beside its field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from brokerguard.clock import Clock, parse_date
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.model_rows import ExportTable, ImportRows
from brokerguard.registerkit.spec import parse_mode
from brokerguard.staff.service import StaffIdentity
from brokerguard.tabular import MEDIA_TYPES, ImportMode
from brokerguard.web.deps import AppClock, CurrentStaff, DbSession, require_writer
from brokerguard.web.responses import ImportOutcome
from brokerguard.web.tables import TableSpec, column_table, table_page
from brokerguard.web.templating import render

M = TypeVar("M", bound=BaseModel)
Writer = Annotated[StaffIdentity, Depends(require_writer())]
ExportFormat = Annotated[str, Query(pattern="^(csv|xlsx)$")]
Upload = Annotated[UploadFile, File()]
UploadMode = Annotated[str, Form(max_length=32)]


@dataclass(frozen=True)
class FormField:
    """One input of a register form. ``kind``: text, textarea, bool, optbool, date, choice."""

    name: str
    label: str  # English msgid
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str, str], ...] = ()  # (value, label_zh, label_en)
    help: str = ""


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str  # English msgid
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # value -> (zh, en)


@dataclass
class RegisterSpec(Generic[M]):
    path: str  # e.g. "/iot/assets"
    title: str  # English msgid
    model: type[M]
    fields: Sequence[FormField]
    columns: Sequence[ListColumn]
    list_rows: Callable[[Session], Sequence[BaseModel]]
    create: Callable[[Session, Clock, M, str], Any]
    get: Callable[[Session, str], BaseModel] | None = None
    update: Callable[[Session, Clock, str, M], Any] | None = None
    import_rows: ImportRows | None = None
    export: ExportTable | None = None
    export_name: str = "register"
    import_help: str = ""
    links: Sequence[tuple[str, str]] = ()  # (path, English msgid) shown above the list
    own_list_page: bool = False  # the domain renders the list page itself
    detail_link: bool = False  # the first column links to ``{path}/{id}``


def download(content: bytes, media_type: str, filename: str) -> Response:
    """``content`` as a file to save (``filename`` may be Chinese: RFC 6266 ``filename*``)."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def file_response(content: bytes, name: str, fmt: str) -> Response:
    if fmt not in MEDIA_TYPES:
        raise ValidationError("format must be csv or xlsx", field="format")
    return download(content, MEDIA_TYPES[fmt], f"{name}.{fmt}")


def form_values(fields: Sequence[FormField], form: FormData) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in fields:
        raw = form.get(item.name)
        values[item.name] = raw.strip() if isinstance(raw, str) else ""
    return values


def parse_form(
    model: type[M], fields: Sequence[FormField], values: dict[str, str]
) -> tuple[M | None, dict[str, str]]:
    """Build ``model`` from form strings; errors by field name."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in fields:
        raw = values.get(item.name, "")
        if item.kind == "bool":
            data[item.name] = raw in ("on", "true", "1", "yes")
            continue
        if not raw:
            if item.required:
                errors[item.name] = "required"
            elif item.kind == "optbool":
                data[item.name] = None
            continue
        if item.kind == "date":
            try:
                data[item.name] = parse_date(raw)
            except ValueError as exc:
                errors[item.name] = str(exc)
        elif item.kind == "optbool":
            data[item.name] = {"yes": True, "no": False}.get(raw)
        else:
            data[item.name] = raw
    if errors:
        return None, errors
    try:
        return model.model_validate(data), {}
    except PydanticValidationError as exc:
        for problem in exc.errors():
            name = str(problem.get("loc", ("form",))[0]) if problem.get("loc") else "form"
            errors.setdefault(name, str(problem.get("msg", "invalid")))
        return None, errors


def default_values(model: type[BaseModel], fields: Sequence[FormField]) -> dict[str, str]:
    """A new record's form: the model's defaults (a checkbox that defaults to yes is ticked)."""
    values: dict[str, str] = {}
    for item in fields:
        info = model.model_fields.get(item.name)
        default = None if info is None or info.is_required() else info.default
        if default is True:
            values[item.name] = "on" if item.kind == "bool" else "yes"
        elif isinstance(default, str) and default:
            values[item.name] = default
    return values


def model_values(record: BaseModel, fields: Sequence[FormField]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in fields:
        value = getattr(record, item.name, None)
        if value is None:
            values[item.name] = ""
        elif isinstance(value, bool):
            values[item.name] = (
                ("on" if value else "") if item.kind == "bool" else ("yes" if value else "no")
            )
        elif isinstance(value, date):
            values[item.name] = value.isoformat()
        else:
            values[item.name] = str(value)
    return values


def list_table(spec: RegisterSpec[Any]) -> TableSpec[BaseModel]:
    """Search, sort and filter the list's columns (a column with labels is a filter)."""
    return column_table(
        [column.key for column in spec.columns],
        lambda row, name: getattr(row, name, None),
        filters={c.key: tuple(c.labels) for c in spec.columns if c.labels},
    )


def add_register_routes(router: APIRouter, spec: RegisterSpec[M]) -> None:
    """List, create, edit, import and export pages for one register."""

    def show_form(
        request: Request,
        values: dict[str, str],
        errors: dict[str, str],
        action: str,
        status_code: int = 200,
    ) -> Response:
        return render(
            request,
            "registers/form.html",
            {"spec": spec, "values": values, "errors": errors, "action": action},
            status_code=status_code,
        )

    if not spec.own_list_page:

        @router.get(spec.path)
        def list_page(request: Request, session: DbSession, user: CurrentStaff) -> Response:
            table = table_page(request.query_params, list_table(spec), spec.list_rows(session))
            return render(request, "registers/list.html", {"spec": spec, "t": table})

    @router.get(f"{spec.path}/new")
    def new_form(request: Request, user: Writer) -> Response:
        return show_form(request, default_values(spec.model, spec.fields), {}, f"{spec.path}/new")

    @router.post(f"{spec.path}/new")
    async def create(
        request: Request,
        session: DbSession,
        clock: AppClock,
        user: Writer,
    ) -> Response:
        values = form_values(spec.fields, await request.form())
        data, errors = parse_form(spec.model, spec.fields, values)
        if data is not None:
            try:
                spec.create(session, clock, data, user.username)
            except BrokerguardError as exc:
                errors = {exc.field or "form": exc.message}
            else:
                return RedirectResponse(spec.path, status_code=303)
        return show_form(request, values, errors, f"{spec.path}/new", status_code=422)

    if spec.get is not None and spec.update is not None:
        get, update = spec.get, spec.update

        @router.get(spec.path + "/{record_id}/edit")
        def edit_form(
            request: Request,
            record_id: str,
            session: DbSession,
            user: Writer,
        ) -> Response:
            record = get(session, record_id)
            action = f"{spec.path}/{record_id}/edit"
            return show_form(request, model_values(record, spec.fields), {}, action)

        @router.post(spec.path + "/{record_id}/edit")
        async def edit(
            request: Request,
            record_id: str,
            session: DbSession,
            clock: AppClock,
            user: Writer,
        ) -> Response:
            get(session, record_id)
            values = form_values(spec.fields, await request.form())
            data, errors = parse_form(spec.model, spec.fields, values)
            if data is not None:
                try:
                    update(session, clock, record_id, data)
                except BrokerguardError as exc:
                    errors = {exc.field or "form": exc.message}
                else:
                    return RedirectResponse(spec.path, status_code=303)
            action = f"{spec.path}/{record_id}/edit"
            return show_form(request, values, errors, action, status_code=422)

    if spec.import_rows is not None:
        importer = spec.import_rows

        @router.get(f"{spec.path}/import")
        def import_form(request: Request, user: Writer) -> Response:
            return render(request, "registers/import.html", {"spec": spec, "outcome": None})

        @router.post(f"{spec.path}/import")
        async def import_file(
            request: Request,
            session: DbSession,
            clock: AppClock,
            user: Writer,
            file: Upload,
            mode: UploadMode = ImportMode.all_or_nothing.value,
        ) -> Response:
            try:
                content = await read_upload(file)
                outcome = importer(
                    session, clock, content, file.filename or "", parse_mode(mode), user.username
                )
            except BrokerguardError as exc:
                context = {"spec": spec, "outcome": None, "error": exc}
                errors = getattr(exc, "errors", None)
                if errors:
                    context["row_errors"] = errors
                session.rollback()
                return render(request, "registers/import.html", context, status_code=422)
            return render(request, "registers/import.html", {"spec": spec, "outcome": outcome})

    if spec.export is not None:
        exporter = spec.export

        @router.get(spec.path + "/export.{fmt}")
        def export(fmt: str, session: DbSession, user: CurrentStaff) -> Response:
            if fmt not in MEDIA_TYPES:
                raise ValidationError("format must be csv or xlsx", field="format")
            return file_response(exporter(session, fmt), spec.export_name, fmt)


def add_table_api(router: APIRouter, path: str, spec: RegisterSpec[Any]) -> None:
    """The JSON API's ``GET {path}/export?format=csv|xlsx`` and ``POST {path}/import`` of a
    register, through the same ``export`` and ``import_rows`` as its pages.

    Add it before any ``{path}/{id}`` route, so ``export`` is not taken for an id.
    """
    if spec.export is not None:
        exporter = spec.export

        @router.get(f"{path}/export")
        def export_table(
            session: DbSession, user: CurrentStaff, format: ExportFormat = "csv"
        ) -> Response:
            return file_response(exporter(session, format), spec.export_name, format)

    if spec.import_rows is not None:
        importer = spec.import_rows

        @router.post(f"{path}/import")
        async def import_table(
            session: DbSession,
            clock: AppClock,
            user: Writer,
            file: Upload,
            mode: UploadMode = ImportMode.all_or_nothing.value,
        ) -> ImportOutcome:
            content = await read_upload(file)
            outcome = importer(
                session, clock, content, file.filename or "", parse_mode(mode), user.username
            )
            return ImportOutcome.model_validate(outcome.to_dict())
