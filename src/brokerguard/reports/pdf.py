"""The self-assessment as PDF (reportlab), Traditional Chinese in the built-in CID font.

``MSung-Light`` is one of the Adobe Asian CID fonts every PDF reader has, so
nothing is installed or embedded by hand and 中文 renders everywhere.
"""

from __future__ import annotations

import io
from html import escape as html_escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import CIDFont, UnicodeCIDFont, widthsByUnichar
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from brokerguard.assessment.registry import Status
from brokerguard.reports.data import ReportRow, SelfAssessmentReport
from brokerguard.textpolicy import neutralise

FONT = "MSung-Light"
STATUS_COLOURS = {
    Status.passed: colors.HexColor("#1a7f37"),
    Status.failed: colors.HexColor("#cf222e"),
    Status.manual: colors.HexColor("#9a6700"),
    Status.error: colors.HexColor("#8250df"),
    Status.not_applicable: colors.HexColor("#6e7781"),
    None: colors.HexColor("#6e7781"),
}
HEADER_BG = colors.HexColor("#eef2f6")
LINE = colors.HexColor("#d0d7de")
COLUMN_WIDTHS_MM = (16, 60, 18, 22, 52, 56, 26, 27)


#: the Unicode CMap of the Adobe-CNS1 (Traditional Chinese) collection
CNS_ENCODING = "UniCNS-UCS2-H"


class TraditionalChineseFont(UnicodeCIDFont):  # type: ignore[misc]
    """``MSung-Light`` with the Adobe-CNS1 Unicode CMap.

    reportlab's table pairs MSung-Light with ``UniGB-UCS2-H`` (a Simplified Chinese
    CMap of another collection), which readers such as poppler refuse; this names
    the right one.
    """

    def __init__(self) -> None:
        CIDFont.__init__(self, FONT, CNS_ENCODING)
        self.language = "cht"
        self.name = self.fontName = FONT
        self.vertical = False
        self.isHalfWidth = False
        self.unicodeWidths = widthsByUnichar[FONT]


def cjk_font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TraditionalChineseFont())
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=6.5, leading=8),
        "hash": ParagraphStyle("hash", parent=base, fontSize=5.5, leading=7),
        "h1": ParagraphStyle("h1", parent=base, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "head": ParagraphStyle("head", parent=base, fontSize=7.5, leading=9.5),
    }


def escape(text: str) -> str:
    """``text`` as Paragraph markup; characters the text policy refuses become U+FFFD."""
    return html_escape(neutralise(text))


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _row_cells(
    report: SelfAssessmentReport, row: ReportRow, s: dict[str, ParagraphStyle]
) -> list[object]:
    colour = STATUS_COLOURS[row.status].hexval()[2:]
    indent = "　" * row.depth
    evidence = "<br/>".join(
        f"{escape(e.title)}"
        + (
            f" ({escape(report.label('valid_until'))} {report.date_text(e.valid_until)}"
            + (
                f", <font color='#cf222e'>{escape(report.label('expired'))}</font>"
                if e.expired
                else ""
            )
            + ")"
            if e.valid_until
            else ""
        )
        + f"<br/><font size='5.5'>{e.sha256}</font>"
        for e in row.evidence
    )
    findings = "<br/>".join(
        escape(f.title)
        + (
            f" ({escape(report.label('due'))} "
            + (
                f"<font color='#cf222e'>{report.date_text(f.due_date)}</font>"
                if f.overdue
                else report.date_text(f.due_date)
            )
            + ")"
            if f.due_date
            else ""
        )
        for f in row.findings
    )
    return [
        _p(indent + row.requirement_id, s["base"]),
        Paragraph(
            f"<b>{escape(row.title)}</b><br/><font size='6.5'>{escape(row.text)}</font>", s["base"]
        ),
        Paragraph(
            f"<font color='#{colour}'>{escape(report.status_name(row.status))}</font>", s["base"]
        ),
        _p(report.date_text(row.last_proven), s["base"]),
        _p(row.reason or "—", s["small"]),
        Paragraph(evidence or "—", s["small"]),
        _p(row.owner or "—", s["small"]),
        Paragraph(findings or "—", s["small"]),
    ]


#: an article's heading with the space around it (points)
HEADING_HEIGHT = 26.0
#: points of a page's frame a table cannot use: the frame's own padding
FRAME_SLACK = 12.0
#: a table cell's padding: reportlab's default 6 pt left and right, 3 pt top and bottom
CELL_PADDING_X, CELL_PADDING_Y = 12.0, 6.0


def _row_height(row: list[object], widths: list[float]) -> float:
    """The height of a table row (points) once its cells wrap to their columns."""
    tallest = 0.0
    for cell, width in zip(row, widths, strict=True):
        assert isinstance(cell, Paragraph)
        _, height = cell.wrap(width - CELL_PADDING_X, 1e6)
        tallest = max(tallest, height + CELL_PADDING_Y)
    return tallest


def render_pdf(report: SelfAssessmentReport) -> bytes:
    s = _styles()
    buffer = io.BytesIO()
    title = report.label("title")
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author=report.firm_name,
        subject=report.label("basis"),
    )
    run_text = (
        report.datetime_text(report.run_finished_at)
        if report.run_finished_at
        else report.label("no_run")
    )
    story: list[object] = [
        _p(title, s["h1"]),
        _p(f"{report.label('firm')}：{report.firm_name}", s["base"]),
        _p(f"{report.label('run_time')}：{run_text}", s["base"]),
        _p(f"{report.label('generated')}：{report.datetime_text(report.generated_at)}", s["base"]),
        _p(report.label("basis"), s["small"]),
        Spacer(1, 4 * mm),
    ]
    summary = [[_p(report.label("status"), s["head"]), _p(report.label("count"), s["head"])]]
    for status, count in report.counts.items():
        summary.append([_p(report.status_name(status), s["base"]), _p(str(count), s["base"])])
    summary.append(
        [_p(report.label("pass_rate"), s["base"]), _p(f"{report.pass_rate * 100:.1f}%", s["base"])]
    )
    summary_table = Table(summary, colWidths=(60 * mm, 20 * mm), hAlign="LEFT")
    summary_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
            ]
        )
    )
    story.append(KeepTogether([_p(report.label("summary"), s["h2"]), summary_table]))

    header = [
        _p(report.label(key), s["head"])
        for key in (
            "id",
            "requirement",
            "status",
            "last_proven",
            "reason",
            "evidence",
            "owner",
            "findings",
        )
    ]
    widths = [w * mm for w in COLUMN_WIDTHS_MM]
    for section in report.sections:
        data = [header] + [_row_cells(report, row, s) for row in section.rows]
        heights = [_row_height(row, widths) for row in data]
        # an article's heading never ends a page without its table's header and first row
        story.append(CondPageBreak(min(HEADING_HEIGHT + sum(heights[:2]), doc.height)))
        story.append(
            _p(report.label("article_title", n=section.number, title=section.title), s["h2"])
        )
        # a row taller than a page (a requirement with a year of daily evidence, a long
        # manual reason) would fail the whole report: such a table continues a row on the
        # next page; other tables keep each row whole
        table = LongTable(
            data,
            colWidths=widths,
            repeatRows=1,
            splitInRow=int(max(heights) + heights[0] > doc.height - FRAME_SLACK),
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, LINE),
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)

    def footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 7)
        canvas.drawString(10 * mm, 6 * mm, f"{report.firm_name} · {title}")
        canvas.drawRightString(
            landscape(A4)[0] - 10 * mm, 6 * mm, report.label("page", n=document.page)
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
