"""Pages and table API of a model-mode register (IoT, mobile devices, findings, ...).

The register is a :class:`~brokerguard.registerkit.spec.RegisterSpec` whose ``mode`` is a
:class:`~brokerguard.registerkit.spec.ModelMode` (form fields, list columns, the domain's
service functions); :func:`add_register_routes` adds the list, create, edit, import and
export pages to the domain's router. Forms re-show the input with each error beside its
field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import FormData

from brokerguard.clock import parse_date
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.spec import FormField, RegisterSpec, parse_mode
from brokerguard.staff.service import StaffIdentity
from brokerguard.tabular import MEDIA_TYPES, ImportMode
from brokerguard.web.deps import (
    AppClock,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.responses import ImportOutcome
from brokerguard.web.tables import TableSpec, column_table, table_page
from brokerguard.web.templating import render

M = TypeVar("M", bound=BaseModel)
Writer = Annotated[StaffIdentity, Depends(require_writer())]
ExportFormat = Annotated[str, Query(pattern="^(csv|xlsx)$")]
Upload = Annotated[UploadFile, File()]
UploadMode = Annotated[str, Form(max_length=32)]


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
    columns = spec.by_model.list_columns
    return column_table(
        [column.key for column in columns],
        lambda row, name: getattr(row, name, None),
        filters={c.key: tuple(c.labels) for c in columns if c.labels},
    )


def add_register_routes(router: APIRouter, spec: RegisterSpec[M]) -> None:
    """List, create, edit, import and export pages for one model-mode register."""
    mode = spec.by_model

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

    if not mode.own_list_page:

        @router.get(spec.path)
        def list_page(request: Request, session: DbSession, user: CurrentStaff) -> Response:
            table = table_page(request.query_params, list_table(spec), mode.list_rows(session))
            return render(request, "registers/list.html", {"spec": spec, "t": table})

    @router.get(f"{spec.path}/new")
    def new_form(request: Request, user: Writer) -> Response:
        return show_form(request, default_values(spec.model, mode.fields), {}, f"{spec.path}/new")

    @router.post(f"{spec.path}/new")
    async def create(
        request: Request,
        session: DbSession,
        clock: AppClock,
        user: Writer,
    ) -> Response:
        values = form_values(mode.fields, await request.form())
        data, errors = parse_form(spec.model, mode.fields, values)

        def save() -> Response:
            """The record and its refusal page, in one trip to the thread pool."""
            if data is None:
                return show_form(request, values, errors, f"{spec.path}/new", status_code=422)
            try:
                mode.create(session, clock, data, user.username)
            except BrokerguardError as exc:
                refused = {exc.field or "form": exc.message}
                return show_form(request, values, refused, f"{spec.path}/new", status_code=422)
            return RedirectResponse(spec.path, status_code=303)

        return await run_unit_of_work(session, save)

    if mode.get is not None and mode.update is not None:
        get, update = mode.get, mode.update

        @router.get(spec.path + "/{record_id}/edit")
        def edit_form(
            request: Request,
            record_id: str,
            session: DbSession,
            user: Writer,
        ) -> Response:
            record = get(session, record_id)
            action = f"{spec.path}/{record_id}/edit"
            return show_form(request, model_values(record, mode.fields), {}, action)

        @router.post(spec.path + "/{record_id}/edit")
        async def edit(
            request: Request,
            record_id: str,
            session: DbSession,
            clock: AppClock,
            user: Writer,
        ) -> Response:
            values = form_values(mode.fields, await request.form())
            data, errors = parse_form(spec.model, mode.fields, values)
            action = f"{spec.path}/{record_id}/edit"

            def save() -> Response:
                """The update and its refusal page, in one trip to the thread pool."""
                get(session, record_id)
                if data is None:
                    return show_form(request, values, errors, action, status_code=422)
                try:
                    update(session, clock, record_id, data)
                except BrokerguardError as exc:
                    refused = {exc.field or "form": exc.message}
                    return show_form(request, values, refused, action, status_code=422)
                return RedirectResponse(spec.path, status_code=303)

            return await run_unit_of_work(session, save)

    if mode.import_rows is not None:
        importer = mode.import_rows

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
            def refused(exc: BrokerguardError) -> Response:
                context = {"spec": spec, "outcome": None, "error": exc}
                errors = getattr(exc, "errors", None)
                if errors:
                    context["row_errors"] = errors
                session.rollback()
                return render(request, "registers/import.html", context, status_code=422)

            try:
                content = await read_upload(file)
            except BrokerguardError as exc:
                return refused(exc)  # nothing read from the database yet
            filename = file.filename or ""

            def load() -> Response:
                """The import and its page, in one trip to the thread pool."""
                try:
                    outcome = importer(
                        session, clock, content, filename, parse_mode(mode), user.username
                    )
                except BrokerguardError as exc:
                    return refused(exc)
                return render(request, "registers/import.html", {"spec": spec, "outcome": outcome})

            return await run_unit_of_work(session, load)

    if mode.export is not None:
        exporter = mode.export

        @router.get(spec.path + "/export.{fmt}")
        def export(fmt: str, session: DbSession, user: CurrentStaff) -> Response:
            if fmt not in MEDIA_TYPES:
                raise ValidationError("format must be csv or xlsx", field="format")
            return file_response(exporter(session, fmt), spec.key, fmt)


def add_table_api(router: APIRouter, path: str, spec: RegisterSpec[Any]) -> None:
    """The JSON API's ``GET {path}/export?format=csv|xlsx`` and ``POST {path}/import`` of a
    register, through the same ``export`` and ``import_rows`` as its pages.

    Add it before any ``{path}/{id}`` route, so ``export`` is not taken for an id.
    """
    mode = spec.by_model
    if mode.export is not None:
        exporter = mode.export

        @router.get(f"{path}/export")
        def export_table(
            session: DbSession, user: CurrentStaff, format: ExportFormat = "csv"
        ) -> Response:
            return file_response(exporter(session, format), spec.key, format)

    if mode.import_rows is not None:
        importer = mode.import_rows

        @router.post(f"{path}/import")
        async def import_table(
            session: DbSession,
            clock: AppClock,
            user: Writer,
            file: Upload,
            mode: UploadMode = ImportMode.all_or_nothing.value,
        ) -> ImportOutcome:
            content = await read_upload(file)
            filename = file.filename or ""

            def load() -> ImportOutcome:
                """The import, in one trip to the thread pool."""
                outcome = importer(
                    session, clock, content, filename, parse_mode(mode), user.username
                )
                return ImportOutcome.model_validate(outcome.to_dict())

            return await run_unit_of_work(session, load)
