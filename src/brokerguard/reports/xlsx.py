"""The self-assessment as an XLSX workbook (openpyxl).

Sheets: the summary, one per article (part of the rules), the evidence list and
the open findings; every sheet has a frozen, filterable header row and the
status cells are coloured.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from brokerguard.assessment.registry import Status
from brokerguard.reports.data import SelfAssessmentReport
from brokerguard.tabular import spreadsheet_safe

FILLS = {
    Status.passed: "C6EFCE",
    Status.failed: "FFC7CE",
    Status.manual: "FFEB9C",
    Status.error: "E4D7F5",
    Status.not_applicable: "E7E6E6",
    None: "F2F2F2",
}
HEADER_FILL = PatternFill("solid", fgColor="0B3D62")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")
#: characters Excel refuses in a sheet title
BAD_TITLE_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def _header(sheet: Worksheet, titles: list[str], widths: list[int]) -> None:
    sheet.append(titles)
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = WRAP
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _finish(sheet: Worksheet) -> None:
    if sheet.max_row >= 1:
        sheet.auto_filter.ref = sheet.dimensions
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP


def render_xlsx(report: SelfAssessmentReport) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook always has one sheet
    summary.title = report.label("summary")[:31].translate(BAD_TITLE_CHARS)
    _header(summary, [report.label("firm"), report.firm_name], [34, 60])
    run_text = (
        report.datetime_text(report.run_finished_at)
        if report.run_finished_at
        else report.label("no_run")
    )
    summary.append([report.label("title"), ""])
    summary.append([report.label("run_time"), run_text])
    summary.append([report.label("generated"), report.datetime_text(report.generated_at)])
    summary.append([report.label("basis"), ""])
    for status, count in report.counts.items():
        summary.append([report.status_name(status), count])
        summary.cell(row=summary.max_row, column=1).fill = PatternFill(
            "solid", fgColor=FILLS[status]
        )
    summary.append([report.label("pass_rate"), f"{report.pass_rate * 100:.1f}%"])
    _finish(summary)

    columns = [
        "id",
        "requirement",
        "status",
        "last_proven",
        "reason",
        "evidence",
        "sha256",
        "owner",
        "findings",
    ]
    widths = [10, 50, 12, 14, 50, 40, 66, 22, 36]
    for section in report.sections:
        title = report.label("article_title", n=section.number, title=section.title)
        sheet = book.create_sheet(title[:31].translate(BAD_TITLE_CHARS))
        _header(sheet, [report.label(c) for c in columns], widths)
        for row in section.rows:
            sheet.append(
                [
                    row.requirement_id,
                    spreadsheet_safe(f"{row.title}\n{row.text}" if row.title else row.text),
                    report.status_name(row.status),
                    report.date_text(row.last_proven),
                    spreadsheet_safe(row.reason),
                    spreadsheet_safe("\n".join(e.title for e in row.evidence)),
                    "\n".join(e.sha256 for e in row.evidence),
                    spreadsheet_safe(row.owner),
                    spreadsheet_safe(
                        "\n".join(
                            f"{f.title} ({report.date_text(f.due_date)})" for f in row.findings
                        )
                    ),
                ]
            )
            sheet.cell(row=sheet.max_row, column=3).fill = PatternFill(
                "solid", fgColor=FILLS[row.status]
            )
        _finish(sheet)

    evidence_sheet = book.create_sheet(report.label("evidence_sheet")[:31])
    _header(
        evidence_sheet,
        [
            report.label("id"),
            report.label("evidence"),
            report.label("filename"),
            report.label("sha256"),
            report.label("owner"),
            report.label("valid_until"),
            report.label("expired_column"),
        ],
        [10, 40, 30, 66, 24, 14, 10],
    )
    for row in report.rows:
        for e in row.evidence:
            evidence_sheet.append(
                [
                    row.requirement_id,
                    spreadsheet_safe(e.title),
                    spreadsheet_safe(e.filename),
                    e.sha256,
                    spreadsheet_safe(" ".join(x for x in (e.unit, e.owner) if x)),
                    report.date_text(e.valid_until),
                    "✗" if e.expired else "",
                ]
            )
            if e.expired:
                evidence_sheet.cell(row=evidence_sheet.max_row, column=7).fill = PatternFill(
                    "solid", fgColor=FILLS[Status.failed]
                )
    _finish(evidence_sheet)

    findings_sheet = book.create_sheet(report.label("findings_sheet")[:31])
    _header(
        findings_sheet,
        [
            report.label("id"),
            report.label("findings"),
            report.label("severity"),
            report.label("owner"),
            report.label("due"),
            report.label("overdue_column"),
        ],
        [10, 50, 10, 24, 14, 10],
    )
    for row in report.rows:
        for f in row.findings:
            findings_sheet.append(
                [
                    f.requirement_id,
                    spreadsheet_safe(f.title),
                    report.severity_name(f.severity),
                    spreadsheet_safe(f.owner),
                    report.date_text(f.due_date),
                    "✗" if f.overdue else "",
                ]
            )
            if f.overdue:
                findings_sheet.cell(row=findings_sheet.max_row, column=6).fill = PatternFill(
                    "solid", fgColor=FILLS[Status.failed]
                )
    _finish(findings_sheet)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
