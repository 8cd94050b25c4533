"""Render a report in one format; write it to a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from brokerguard.reports.data import ReportFormat, SelfAssessmentReport
from brokerguard.reports.html import render_html
from brokerguard.reports.pdf import render_pdf
from brokerguard.reports.xlsx import render_xlsx

MEDIA_TYPES = {
    ReportFormat.html: "text/html; charset=utf-8",
    ReportFormat.pdf: "application/pdf",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render_report(report: SelfAssessmentReport, fmt: ReportFormat) -> bytes:
    if fmt is ReportFormat.html:
        return render_html(report)
    if fmt is ReportFormat.pdf:
        return render_pdf(report)
    return render_xlsx(report)


def default_filename(report: SelfAssessmentReport, fmt: ReportFormat) -> str:
    stamp = report.generated_at.strftime("%Y%m%d")
    return f"self-assessment-{report.language}-{stamp}.{fmt.value}"


def write_report(report: SelfAssessmentReport, fmt: ReportFormat, path: Path) -> Path:
    """Write atomically (a temporary file beside the target, then rename)."""
    data = render_report(report, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
