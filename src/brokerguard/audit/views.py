"""Investigation pages (稽核軌跡查詢): search, "who accessed customer X", export with proofs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from brokerguard.audit import search, service
from brokerguard.audit.sealing import latest_head
from brokerguard.clock import TAIPEI
from brokerguard.errors import ValidationError
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import AppClock, AppSettings, DbSession, require_roles
from brokerguard.web.tables import TableSpec, column_table, table_page
from brokerguard.web.templating import render
from brokerguard.web.transactions import declares_writes

router = APIRouter(include_in_schema=False)
Investigator = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]


#: the newest matching events a search shows; the export holds every one
MAX_SHOWN = 500
RESULT_TABLE: TableSpec[dict[str, Any]] = column_table(
    ("seq", "time", "account", "function", "system", "outcome", "query"),
    lambda row, name: row.get(name),
    default_sort="-seq",
)


def _parse_time(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} is not a date/time", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TAIPEI)


def _filters(
    customer_id: str | None,
    account: str | None,
    function: str | None,
    system: str | None,
    time_from: str | None,
    time_to: str | None,
) -> search.SearchFilters:
    def clean(value: str | None) -> str | None:
        return value.strip() or None if value else None

    filters = search.SearchFilters(
        clean(customer_id),
        clean(account),
        clean(function),
        clean(system),
        _parse_time(time_from, "time_from"),
        _parse_time(time_to, "time_to"),
    )
    filters.validate()
    return filters


Text = Annotated[str | None, Query(max_length=256)]


@router.get("/audit", dependencies=[Depends(declares_writes)])  # a search is audited
def audit_page(
    request: Request,
    session: DbSession,
    clock: AppClock,
    staff: Investigator,
    customer_id: Text = None,
    account: Text = None,
    function: Text = None,
    system: Text = None,
    time_from: Text = None,
    time_to: Text = None,
) -> Response:
    form = {
        "customer_id": customer_id or "",
        "account": account or "",
        "function": function or "",
        "system": system or "",
        "time_from": time_from or "",
        "time_to": time_to or "",
    }
    context: dict[str, Any] = {"form": form, "rows": None, "error": None, "field": None}
    context["head"] = latest_head(session)
    searched = any(form.values())
    if searched:
        try:
            filters = _filters(customer_id, account, function, system, time_from, time_to)
        except ValidationError as error:
            context.update(error=error.message, field=error.field)
            return render(request, "audit/search.html", context, status_code=422)
        service.record_internal(
            session,
            clock,
            account=staff.username,
            function="brokerguard.audit.search",
            query=filters.describe(),
            customer_ids=(filters.customer_id[:64],) if filters.customer_id else (),
            source_ip=request.client.host if request.client else None,
        )
        rows = search.search(session, filters, limit=MAX_SHOWN)
        context["t"] = table_page(request.query_params, RESULT_TABLE, rows)
        context["rows"] = rows
        context["capped"] = len(rows) == MAX_SHOWN
        context["export_query"] = request.url.query
    return render(request, "audit/search.html", context)


@router.get("/audit/export.{fmt}", dependencies=[Depends(declares_writes)])  # audited
def audit_export(
    request: Request,
    fmt: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    staff: Investigator,
    customer_id: Text = None,
    account: Text = None,
    function: Text = None,
    system: Text = None,
    time_from: Text = None,
    time_to: Text = None,
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ValidationError("export as csv or xlsx", field="format")
    filters = _filters(customer_id, account, function, system, time_from, time_to)
    rows = search.search(session, filters, limit=search.MAX_RESULTS)
    service.record_internal(
        session,
        clock,
        account=staff.username,
        function="brokerguard.audit.export",
        query=f"export {fmt} of {len(rows)} records: {filters.describe()}",
        customer_ids=(filters.customer_id[:64],) if filters.customer_id else (),
        source_ip=request.client.host if request.client else None,
    )
    rows, head = search.with_proofs(session, rows)
    stamp = f"{clock.now():%Y%m%dT%H%M%SZ}"
    if fmt == "csv":
        body = search.export_csv(rows, head)
        media = "text/csv; charset=utf-8"
    else:
        body = search.export_xlsx(rows, head, service.public_key_pem(settings))
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{fmt}"'},
    )


@router.post("/audit/verify")
def audit_verify(
    request: Request, session: DbSession, settings: AppSettings, clock: AppClock, _: Investigator
) -> Response:
    report = service.verify(session, settings, now=clock.now())
    return render(request, "audit/verify.html", {"report": report})
