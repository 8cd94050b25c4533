"""Issue 20 item 2: reports write whatever the database holds, in every format."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from brokerguard.assessment.engine import run_assessment
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.findings.service import open_finding
from brokerguard.reports import ReportFormat, build_report, render_report
from brokerguard.rulebook import load_rulebook

#: what a row stored before the text policy may hold (the fuzzer's values, a bidi override)
STORED = "\u0088缺失\u000e改善\u001d\u202e"


def test_reports_neutralise_characters_no_format_can_carry(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    requirement = load_rulebook().obligations()[0].id
    finding = open_finding(
        session,
        clock,
        requirement_id=requirement,
        title="placeholder",
        source="audit",
        source_ref="AUD-9",
        due_date=date(2026, 10, 1),
    )
    session.execute(
        text("UPDATE findings SET title = :t WHERE id = :i"), {"t": STORED, "i": finding.id}
    )
    run_assessment(session, settings, clock)
    session.commit()
    report = build_report(session, settings, clock, "zh-TW")

    pdf = render_report(report, ReportFormat.pdf)
    assert pdf.startswith(b"%PDF-")
    html = render_report(report, ReportFormat.html).decode("utf-8")
    assert "缺失" in html
    book = load_workbook(io.BytesIO(render_report(report, ReportFormat.xlsx)))
    titles = [row[1] for row in book.worksheets[-1].iter_rows(min_row=2, values_only=True)]
    assert titles == ["\ufffd缺失\ufffd改善\ufffd\ufffd"]
