"""What the self-assessment report (自評表) holds, gathered once for every format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import Status
from brokerguard.assessment.service import latest_snapshot
from brokerguard.clock import Clock, today
from brokerguard.config import Settings
from brokerguard.evidence.schemas import EvidenceRecord
from brokerguard.evidence.service import evidence_by_requirement
from brokerguard.findings.schemas import FindingRecord
from brokerguard.findings.service import list_open
from brokerguard.i18n import normalise_language, pick
from brokerguard.policies.schemas import PolicyRecord
from brokerguard.policies.service import list_policies
from brokerguard.rulebook import load_rulebook
from brokerguard.timefmt import format_when
from brokerguard.web.labels import label_pair


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


#: report captions: key -> (zh-TW, English)
LABELS: dict[str, tuple[str, str]] = {
    "title": (
        "新興科技資通安全自律規範自評表",
        "Self-assessment: Emerging Technology Cybersecurity Rules",
    ),
    "firm": ("公司名稱", "Firm"),
    "run_time": ("評估時間", "Assessment run"),
    "generated": ("產製時間", "Generated"),
    "no_run": ("尚未執行評估", "No assessment has run yet"),
    "summary": ("總覽", "Summary"),
    "id": ("條次", "ID"),
    "requirement": ("規範要求", "Requirement"),
    "article": ("條", "Art."),
    "article_title": ("第 {n} 條 {title}", "Article {n} – {title}"),
    "status": ("自評結果", "Status"),
    "last_proven": ("最近符合日期", "Last proven"),
    "reason": ("說明", "Reason"),
    "evidence": ("佐證資料", "Evidence"),
    "owner": ("負責單位／人員", "Owner"),
    "findings": ("未結缺失", "Open findings"),
    "sha256": ("SHA-256", "SHA-256"),
    "valid_until": ("有效期限", "Valid until"),
    "due": ("改善期限", "Due"),
    "severity": ("嚴重度", "Severity"),
    "count": ("項數", "Count"),
    "expired": ("已逾期", "expired"),
    "overdue": ("已逾期", "overdue"),
    "expired_column": ("已逾期", "Expired"),
    "overdue_column": ("已逾期", "Overdue"),
    "filename": ("檔名", "File name"),
    "none": ("無", "none"),
    "not_assessed": ("未評估", "Not assessed"),
    "pass_rate": ("符合率（不含不適用）", "Pass rate (excluding not applicable)"),
    "evidence_sheet": ("佐證清單", "Evidence"),
    "findings_sheet": ("缺失追蹤", "Findings"),
    "page": ("第 {n} 頁", "Page {n}"),
    "basis": (
        "依據：臺灣證券商業同業公會「新興科技資通安全自律規範」（115 年 2 月 25 日修正）",
        "Basis: TSA Emerging Technology Cybersecurity Self-Regulatory Rules (amended 2026-02-25)",
    ),
}


@dataclass(frozen=True)
class EvidenceLine:
    title: str
    filename: str
    sha256: str
    kind: str
    owner: str
    unit: str
    valid_until: date | None
    expired: bool


@dataclass(frozen=True)
class FindingLine:
    requirement_id: str
    title: str
    severity: str
    owner: str
    due_date: date | None
    overdue: bool


@dataclass(frozen=True)
class ReportRow:
    requirement_id: str
    article: int
    depth: int
    title: str
    text: str
    status: Status | None
    last_proven: datetime | None
    reason: str
    evidence: tuple[EvidenceLine, ...]
    owner: str
    findings: tuple[FindingLine, ...]


@dataclass(frozen=True)
class ArticleSection:
    number: int
    title: str
    rows: tuple[ReportRow, ...]


@dataclass(frozen=True)
class SelfAssessmentReport:
    language: str
    firm_name: str
    generated_at: datetime
    run_started_at: datetime | None
    run_finished_at: datetime | None
    run_id: str | None
    sections: tuple[ArticleSection, ...]
    counts: dict[Status, int]

    def label(self, key: str, **values: object) -> str:
        zh, en = LABELS[key]
        return pick(self.language, zh, en).format(**values)

    def severity_name(self, severity: str) -> str:
        """A finding's severity in the report's language (the stored value if unknown)."""
        pair = label_pair("severity", severity)
        return pick(self.language, *pair) if pair else severity

    def status_name(self, status: Status | None) -> str:
        if status is None:
            return self.label("not_assessed")
        return status.label_zh if self.language == "zh-TW" else status.label_en

    def date_text(self, value: date | datetime | None) -> str:
        """ROC date (民國) in zh-TW, ISO date in English; Taipei time for datetimes."""
        return format_when(value, self.language, "date")

    def datetime_text(self, value: datetime | None) -> str:
        return format_when(value, self.language, "minute")

    @property
    def rows(self) -> list[ReportRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def pass_rate(self) -> float:
        total = sum(n for s, n in self.counts.items() if s is not Status.not_applicable)
        return self.counts.get(Status.passed, 0) / total if total else 0.0


def _owner_text(evidence: list[EvidenceRecord], policies: list[PolicyRecord]) -> str:
    names: list[str] = []
    for policy in policies:
        if policy.owner_unit and policy.owner_unit not in names:
            names.append(policy.owner_unit)
    for record in evidence:
        for name in (record.unit, record.owner):
            if name and name not in names:
                names.append(name)
    return "、".join(names)


def _depth(requirement_id: str) -> int:
    return requirement_id.count(".")


def build_report(
    session: Session, settings: Settings, clock: Clock, language: str = "zh-TW"
) -> SelfAssessmentReport:
    """Every requirement of the rulebook with the latest full assessment's verdict."""
    language = normalise_language(language)
    rulebook = load_rulebook()
    snapshot = latest_snapshot(session)
    outcomes = snapshot.requirements if snapshot else {}
    checks = {c.check_id: c for c in snapshot.checks} if snapshot else {}
    evidence = evidence_by_requirement(session)
    day = today(clock)
    findings: dict[str, list[FindingRecord]] = {}
    for finding in list_open(session):
        findings.setdefault(finding.requirement_id, []).append(finding)
    policies: dict[str, list[PolicyRecord]] = {}
    for policy in list_policies(session):
        if policy.status != "retired":
            for requirement_id in policy.requirement_ids:
                policies.setdefault(requirement_id, []).append(policy)

    sections: list[ArticleSection] = []
    by_article: dict[int, list[ReportRow]] = {}
    for requirement in rulebook.ordered():
        outcome = outcomes.get(requirement.id)
        reasons = [
            pick(language, checks[c].reason_zh, checks[c].reason_en)
            for c in (outcome.check_ids if outcome else ())
            if c in checks
        ]
        if outcome and (outcome.reason_zh or outcome.reason_en):
            reasons.append(pick(language, outcome.reason_zh, outcome.reason_en))
        records = evidence.get(requirement.id, [])
        status = outcome.status if outcome else None
        by_article.setdefault(requirement.article, []).append(
            ReportRow(
                requirement_id=requirement.id,
                article=requirement.article,
                depth=_depth(requirement.id),
                title=pick(language, requirement.title_zh, requirement.title_en),
                text=pick(language, requirement.text_zh, requirement.text_en),
                status=status,
                last_proven=outcome.last_passed_at if outcome else None,
                reason="；".join(reasons) if language == "zh-TW" else "; ".join(reasons),
                evidence=tuple(
                    EvidenceLine(
                        title=r.title,
                        filename=r.filename,
                        sha256=r.sha256,
                        kind=r.kind,
                        owner=r.owner,
                        unit=r.unit,
                        valid_until=r.valid_until,
                        expired=not r.is_current(day),
                    )
                    for r in records
                ),
                owner=_owner_text(records, policies.get(requirement.id, [])),
                findings=tuple(
                    FindingLine(
                        requirement_id=f.requirement_id,
                        title=f.title,
                        severity=f.severity.value,
                        owner=f.owner,
                        due_date=f.due_date,
                        overdue=f.is_overdue(day),
                    )
                    for f in findings.get(requirement.id, [])
                ),
            )
        )
    for number in sorted(by_article):
        article = rulebook.articles.get(number)
        title = pick(language, article.title_zh, article.title_en) if article else ""
        sections.append(ArticleSection(number, title, tuple(by_article[number])))
    report = SelfAssessmentReport(
        language=language,
        firm_name=pick(language, settings.firm_name_zh, settings.firm_name_en),
        generated_at=clock.now(),
        run_started_at=snapshot.started_at if snapshot else None,
        run_finished_at=snapshot.finished_at if snapshot else None,
        run_id=snapshot.run_id if snapshot else None,
        sections=tuple(sections),
        counts=snapshot.counts() if snapshot else dict.fromkeys(Status, 0),
    )
    return report
