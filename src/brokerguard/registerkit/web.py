"""JSON API and HTML pages for a register, built from its :class:`RegisterSpec`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import Field

from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.inputs import InputModel
from brokerguard.registerkit.files import accepted, read_upload, read_upload_kept, upload_name
from brokerguard.registerkit.findings import findings_from_checks
from brokerguard.registerkit.labels import VALUE_LABELS
from brokerguard.registerkit.pages import download
from brokerguard.registerkit.spec import (
    RegisterSpec,
    as_text,
    count_items,
    create_item,
    export_items,
    export_rows,
    get_item,
    import_items,
    parse_mode,
    update_item,
)
from brokerguard.staff.service import StaffIdentity
from brokerguard.tabular import ImportRejectedError
from brokerguard.textpolicy import MULTILINE
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.responses import KitImportOutcome, OpenedFindings, RegisterPage
from brokerguard.web.tables import TableSpec, column_table, table_page
from brokerguard.web.templating import render

Writer = Annotated[StaffIdentity, Depends(require_writer())]
MAX_PAGE = 5000
FieldValue = str | int | float | bool | None


class ItemBody(InputModel):
    """The fields of one entry, by column name; values as text, numbers or booleans."""

    #: text values may hold several lines (long-text columns); each column's parser decides
    values: Annotated[dict[Annotated[str, Field(max_length=64)], FieldValue], MULTILINE] = Field(
        max_length=64
    )


def add_register_api(router: APIRouter, spec: RegisterSpec[Any]) -> None:
    """``GET/POST /<key>``, ``GET/PUT /<key>/{id}``, ``POST /<key>/import``, ``GET .../export``."""
    base = f"/{spec.path}"
    tag: list[str | Enum] = [spec.key]
    rows = spec.by_columns
    row_model = rows.row_model
    to_row = rows.to_row

    page = RegisterPage[row_model]  # type: ignore[valid-type]

    @router.get(
        base,
        tags=tag,
        name=f"{spec.key}-list",
        summary=f"List {spec.title_en}",
        response_model=page,
    )
    def list_api(
        session: DbSession,
        user: CurrentStaff,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        return {
            "total": count_items(session, spec),
            "offset": offset,
            "items": export_rows(session, spec, limit=limit, offset=offset),
        }

    @router.post(
        base, tags=tag, status_code=201, name=f"{spec.key}-create", response_model=row_model
    )
    def create_api(
        body: ItemBody, session: DbSession, clock: AppClock, user: Writer
    ) -> dict[str, Any]:
        row = create_item(session, clock, spec, body.values, user.username)
        return to_row(session, row)

    @router.get(base + "/export", tags=tag, name=f"{spec.key}-export")
    def export_api(session: DbSession, user: CurrentStaff, format: str = "csv") -> Response:
        return download(*export_items(session, spec, format[:10]))

    @router.get(base + "/{item_id}", tags=tag, name=f"{spec.key}-get", response_model=row_model)
    def get_api(item_id: str, session: DbSession, user: CurrentStaff) -> dict[str, Any]:
        return to_row(session, get_item(session, spec, item_id))

    @router.put(base + "/{item_id}", tags=tag, name=f"{spec.key}-update", response_model=row_model)
    def update_api(
        item_id: str, body: ItemBody, session: DbSession, clock: AppClock, user: Writer
    ) -> dict[str, Any]:
        row = update_item(session, clock, spec, item_id, body.values, user.username)
        return to_row(session, row)

    @router.post(base + "/import", tags=tag, name=f"{spec.key}-import")
    async def import_api(
        session: DbSession,
        clock: AppClock,
        settings: AppSettings,
        user: Writer,
        file: Annotated[UploadFile, File()],
        mode: Annotated[str, Form(max_length=32)] = "all_or_nothing",
    ) -> KitImportOutcome:
        chosen = parse_mode(mode)
        content = await read_upload(file)
        filename = upload_name(file)

        def load() -> KitImportOutcome:
            """The import, in one trip to the thread pool."""
            summary = import_items(
                session, clock, spec, content, filename, chosen, user.username, settings=settings
            )
            return KitImportOutcome.model_validate(summary.as_dict())

        return await run_unit_of_work(session, load)


def display_row(row: dict[str, Any]) -> dict[str, str]:
    """Every value as the text a form shows (dates ISO, booleans yes/no)."""
    return {key: as_text(value) for key, value in row.items()}


def _form_values(form: Any, spec: RegisterSpec[Any]) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in spec.columns:
        value = form.get(column.name)
        values[column.name] = value if isinstance(value, str) else ""
    return values


def add_register_views(
    router: APIRouter,
    spec: RegisterSpec[Any],
    base: str,
    *,
    extra: Callable[[Request, DbSession], dict[str, Any]] | None = None,
) -> None:
    """HTML list (with create and import forms), edit form, import, CSV/XLSX export.

    ``base`` is relative to the router's prefix (``/people`` under ``/training``).
    """
    link = router.prefix + base
    table: TableSpec[dict[str, str]] = column_table(
        [column.name for column in spec.columns],
        lambda row, name: row.get(name),
        filters=spec.by_columns.options,
    )

    def page(
        request: Request,
        session: DbSession,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, object] | None = None,
        summary: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response:
        rows = [display_row(r) for r in export_rows(session, spec, limit=MAX_PAGE)]
        context: dict[str, Any] = {
            "spec": spec,
            "base": link,
            "value_labels": VALUE_LABELS,
            "t": table_page(request.query_params, table, rows),
            "total": count_items(session, spec),
            "page_rows": MAX_PAGE,
            "errors": errors or {},
            "values": values or {},
            "summary": summary,
        }
        if extra is not None:
            context.update(extra(request, session))
        return render(request, "registerkit/list.html", context, status_code=status_code)

    @router.get(base)
    def list_page(request: Request, session: DbSession, user: CurrentStaff) -> Response:
        return page(request, session)

    @router.post(base)
    async def create_page(
        request: Request, session: DbSession, clock: AppClock, user: Writer
    ) -> Response:
        values = _form_values(await request.form(), spec)

        def save() -> Response:
            """The row and its refusal page, in one trip to the thread pool."""
            try:
                with session.begin_nested():
                    create_item(session, clock, spec, values, user.username)
            except ValidationError as exc:
                errors = {exc.field or "_": exc.message}
                return page(request, session, errors=errors, values=values, status_code=422)
            return RedirectResponse(link, status_code=303)

        return await run_unit_of_work(session, save)

    @router.get(base + "/export.{fmt}")
    def export_page(fmt: str, session: DbSession, user: CurrentStaff) -> Response:
        return download(*export_items(session, spec, fmt[:10]))

    @router.post(base + "/import")
    async def import_page(
        request: Request,
        session: DbSession,
        clock: AppClock,
        settings: AppSettings,
        user: Writer,
        file: Annotated[UploadFile, File()],
        mode: Annotated[str, Form(max_length=32)] = "all_or_nothing",
    ) -> Response:
        read = await read_upload_kept(file)
        filename = upload_name(file)

        def load() -> Response:
            """The import and its page, in one trip to the thread pool."""
            try:
                chosen = parse_mode(mode)  # refused before the file, as before
                content = accepted(read)
                with session.begin_nested():
                    summary = import_items(
                        session,
                        clock,
                        spec,
                        content,
                        filename,
                        chosen,
                        user.username,
                        settings=settings,
                    )
            except ImportRejectedError as exc:
                report = {
                    "rejected": True,
                    "message": exc.message,
                    "errors": [
                        {"line": e.line, "column": e.column, "message": e.message}
                        for e in exc.errors
                    ],
                }
                return page(request, session, summary=report, status_code=422)
            except BrokerguardError as exc:
                report = {"rejected": True, "message": exc.message, "errors": []}
                return page(request, session, summary=report, status_code=exc.status_code)
            return page(request, session, summary=summary.as_dict())

        return await run_unit_of_work(session, load)

    def edit_form(
        request: Request,
        item_id: str,
        values: Mapping[str, object],
        errors: dict[str, str] | None = None,
        *,
        status_code: int = 200,
    ) -> Response:
        context = {
            "spec": spec,
            "base": link,
            "item_id": item_id,
            "values": values,
            "errors": errors or {},
            "value_labels": VALUE_LABELS,
        }
        return render(request, "registerkit/edit.html", context, status_code=status_code)

    @router.get(base + "/{item_id}/edit")
    def edit_page(
        item_id: str, request: Request, session: DbSession, user: CurrentStaff
    ) -> Response:
        row = get_item(session, spec, item_id)
        return edit_form(request, item_id, display_row(spec.by_columns.to_row(session, row)))

    @router.post(base + "/{item_id}/edit")
    async def edit_submit(
        item_id: str, request: Request, session: DbSession, clock: AppClock, user: Writer
    ) -> Response:
        values = _form_values(await request.form(), spec)

        def save() -> Response:
            """The update and its refusal page, in one trip to the thread pool."""
            get_item(session, spec, item_id)
            try:
                with session.begin_nested():
                    update_item(session, clock, spec, item_id, values, user.username)
            except ValidationError as exc:
                errors = {exc.field or "_": exc.message}
                return edit_form(request, item_id, values, errors, status_code=422)
            return RedirectResponse(link, status_code=303)

        return await run_unit_of_work(session, save)


def add_findings_api(router: APIRouter, check_ids: tuple[str, ...]) -> None:
    """``POST /findings``: run the domain's checks and open a finding for each failure."""

    @router.post("/findings", name=f"{router.prefix}-findings")
    def open_findings_api(
        session: DbSession, clock: AppClock, settings: AppSettings, user: Writer
    ) -> OpenedFindings:
        opened = findings_from_checks(session, clock, settings, check_ids, owner=user.username)
        return OpenedFindings(items=opened)
