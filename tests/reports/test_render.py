from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from brokerguard.assessment.engine import run_assessment
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.evidence.service import store_evidence
from brokerguard.findings.service import open_finding
from brokerguard.reports import ReportFormat, build_report, render_report
from brokerguard.reports.data import EvidenceLine
from brokerguard.rulebook import load_rulebook

PDF = b"%PDF-1.7\n% report\n"


@pytest.fixture
def assessed(session: Session, clock: FixedClock, settings: Settings) -> Session:
    first = load_rulebook().obligations()[0]
    store_evidence(
        session,
        clock,
        settings,
        content=PDF,
        filename="scan.pdf",
        title='=HYPERLINK("http://evil") 弱點掃描報告',
        requirement_ids=[first.id],
        kind="lab_report",
        uploaded_by="tester",
        owner="王大明",
        unit="資訊安全處",
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
    )
    open_finding(
        session,
        clock,
        requirement_id=first.id,
        title="內部稽核：檢測報告逾期",
        source="audit",
        source_ref="AUD-1",
        due_date=date(2026, 10, 1),
    )
    run_assessment(session, settings, clock)
    session.commit()
    return session


def test_report_data_has_every_requirement(
    assessed: Session, settings: Settings, clock: FixedClock
) -> None:
    report = build_report(assessed, settings, clock, "zh-TW")
    ids = [r.requirement_id for r in report.rows]
    assert sorted(ids) == sorted(load_rulebook().requirements)  # each exactly once
    articles = [section.number for section in report.sections]
    assert articles == sorted(articles)  # Article 1, 2, 3 ... in order
    first = (
        report.rows[0] if report.rows[0].evidence else next(r for r in report.rows if r.evidence)
    )
    assert first.evidence[0].expired
    assert first.findings[0].overdue
    assert "資訊安全處" in first.owner
    assert report.firm_name == settings.firm_name_zh
    assert report.date_text(date(2026, 3, 4)) == "115/03/04"
    english = build_report(assessed, settings, clock, "en")
    assert english.date_text(date(2026, 3, 4)) == "2026-03-04"
    assert english.firm_name == settings.firm_name_en


def test_html_in_both_languages(assessed: Session, settings: Settings, clock: FixedClock) -> None:
    zh = render_report(build_report(assessed, settings, clock, "zh-TW"), ReportFormat.html).decode()
    assert "新興科技資通安全自律規範自評表" in zh
    assert settings.firm_name_zh in zh
    assert "115/11/26" in zh  # run time as a ROC date
    assert "&#34;http://evil&#34;" in zh or "&quot;http://evil&quot;" in zh  # escaped
    en = render_report(build_report(assessed, settings, clock, "en"), ReportFormat.html).decode()
    assert "Self-assessment" in en and "2026-11-26" in en
    for requirement in load_rulebook().ordered():
        assert f"<td>{requirement.id}</td>" in zh


def test_pdf_uses_the_cid_font(assessed: Session, settings: Settings, clock: FixedClock) -> None:
    data = render_report(build_report(assessed, settings, clock, "zh-TW"), ReportFormat.pdf)
    assert data.startswith(b"%PDF-")
    assert b"/BaseFont /MSung-Light" in data
    assert b"UniCNS-UCS2-H" in data  # the Traditional Chinese CMap, not UniGB
    assert b"UniGB" not in data


def test_xlsx_has_every_requirement_and_frozen_filtered_headers(
    assessed: Session, settings: Settings, clock: FixedClock
) -> None:
    data = render_report(build_report(assessed, settings, clock, "zh-TW"), ReportFormat.xlsx)
    book = load_workbook(io.BytesIO(data))
    ids: list[str] = []
    for sheet in book.worksheets[1:-2]:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref
        ids.extend(str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(ids) == sorted(load_rulebook().requirements)
    evidence = book.worksheets[-2]
    titles = [row[1] for row in evidence.iter_rows(min_row=2, values_only=True)]
    assert titles and all(isinstance(t, str) and not t.startswith("=") for t in titles)
    findings = book.worksheets[-1]
    assert [row[1] for row in findings.iter_rows(min_row=2, values_only=True)] == [
        "內部稽核：檢測報告逾期"
    ]


@pytest.mark.parametrize(
    ("language", "evidence_header", "findings_row"),
    [
        (
            "zh-TW",
            ("條次", "佐證資料", "檔名", "SHA-256", "負責單位／人員", "有效期限", "已逾期"),
            "中",
        ),
        (
            "en",
            ("ID", "Evidence", "File name", "SHA-256", "Owner", "Valid until", "Expired"),
            "Medium",
        ),
    ],
)
def test_xlsx_lists_read_in_the_reports_language(
    assessed: Session,
    settings: Settings,
    clock: FixedClock,
    language: str,
    evidence_header: tuple[str, ...],
    findings_row: str,
) -> None:
    """Before: the column ``file`` in both languages, ``expired``/``overdue`` in lower case
    and the severity as stored (``medium``) on the zh-TW sheet."""
    data = render_report(build_report(assessed, settings, clock, language), ReportFormat.xlsx)
    book = load_workbook(io.BytesIO(data))
    evidence, findings = book.worksheets[-2], book.worksheets[-1]
    assert next(evidence.iter_rows(max_row=1, values_only=True)) == evidence_header
    header, first = findings.iter_rows(max_row=2, values_only=True)
    assert header[-1] == ("已逾期" if language == "zh-TW" else "Overdue")
    assert first[2] == findings_row


def test_report_without_any_run(session: Session, settings: Settings, clock: FixedClock) -> None:
    report = build_report(session, settings, clock, "en")
    assert report.run_finished_at is None
    assert all(row.status is None for row in report.rows)
    for fmt in ReportFormat:
        assert render_report(report, fmt)


def test_pdf_with_a_row_taller_than_a_page(
    assessed: Session, settings: Settings, clock: FixedClock
) -> None:
    """A requirement with a year of evidence (a daily scan's) or a long manual reason: the
    row continues on the next page (before: reportlab's LayoutError, no report at all)."""
    report = build_report(assessed, settings, clock, "zh-TW")
    section = report.sections[0]
    row = section.rows[0]
    many = tuple(
        EvidenceLine(
            title=f"每日掃描紀錄 {day:03d}",
            filename="scan.pdf",
            sha256=f"{day:064x}",
            kind="scan_report",
            owner="王大明",
            unit="資訊安全處",
            valid_until=date(2026, 12, 31),
            expired=False,
        )
        for day in range(60)
    )
    tall = replace(row, evidence=many, reason="人工評估理由。" * 280)
    rows = tuple(tall if r is row else r for r in section.rows)
    report = replace(report, sections=(replace(section, rows=rows), *report.sections[1:]))
    data = render_report(report, ReportFormat.pdf)
    assert data.startswith(b"%PDF-")
    ordinary = render_report(build_report(assessed, settings, clock, "zh-TW"), ReportFormat.pdf)
    assert data.count(b"/Type /Page\n") > ordinary.count(b"/Type /Page\n")
