"""Report downloads from the web UI."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brokerguard.errors import ValidationError
from brokerguard.i18n import LANGUAGES
from brokerguard.reports.data import ReportFormat, build_report
from brokerguard.reports.render import MEDIA_TYPES, default_filename, render_report
from brokerguard.web.deps import AppClock, AppSettings, CurrentStaff, DbSession
from brokerguard.web.templating import render, request_language

router = APIRouter(include_in_schema=False)


@router.get("/reports")
def reports_page(request: Request, user: CurrentStaff) -> Response:
    return render(
        request, "reports/index.html", {"formats": list(ReportFormat), "languages": LANGUAGES}
    )


@router.get("/reports/self-assessment.{fmt}")
def download(
    request: Request,
    fmt: str,
    session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    user: CurrentStaff,
    lang: str | None = None,
) -> Response:
    """The self-assessment of the latest full assessment, in ``lang`` (zh-TW or en;
    the reader's page language when not given)."""
    try:
        report_format = ReportFormat(fmt)
    except ValueError:
        raise ValidationError(
            f"unknown report format {fmt[:16]!r}; use html, pdf or xlsx", field="format"
        ) from None
    if lang is None:
        lang = request_language(request)
    if lang not in LANGUAGES:
        raise ValidationError("lang must be zh-TW or en", field="lang")
    data = build_report(session, settings, clock, lang)
    body = render_report(data, report_format)
    disposition = "inline" if report_format is ReportFormat.html else "attachment"
    filename = default_filename(data, report_format)
    return Response(
        body,
        media_type=MEDIA_TYPES[report_format],
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
