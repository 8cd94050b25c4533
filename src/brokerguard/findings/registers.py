"""The findings register (缺失改善追蹤), declared once (model mode): its pages (``views``),
table API (``api``) and CLI import (``cli``) are built from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.findings import intake, service
from brokerguard.findings.forms import FindingIn
from brokerguard.registerkit.spec import FormField, ModelMode, RegisterSpec
from brokerguard.tabular import ImportMode

SEVERITIES = (
    ("low", "低", "Low"),
    ("medium", "中", "Medium"),
    ("high", "高", "High"),
    ("critical", "重大", "Critical"),
)
SOURCES = (
    ("inspection", "查核意見", "Inspection remark"),
    ("audit", "內部稽核", "Internal audit"),
    ("review", "覆核缺口", "Review gap"),
    ("manual", "其他", "Other"),
)
FIELDS = (
    FormField("requirement_id", "Requirement ID", required=True),
    FormField("title", "Title", required=True),
    FormField("description", "Description", "textarea"),
    FormField("source", "Source", "choice", True, SOURCES),
    FormField("source_ref", "Source reference", help="e.g. the inspection remark number"),
    FormField("owner", "Owner"),
    FormField("due_date", "Due date", "date"),
    FormField("severity", "Severity", "choice", True, SEVERITIES),
)


def _create(session: Session, clock: Clock, data: FindingIn, actor: str) -> Any:
    return intake.open_from_input(session, clock, data)


def _import(
    session: Session, clock: Clock, content: bytes, name: str, mode: ImportMode, actor: str
) -> Any:
    return intake.import_remarks(session, clock, content, name, mode=mode)


FINDINGS: RegisterSpec[FindingIn] = RegisterSpec(
    key="findings",
    path="/findings",
    title_zh="缺失改善追蹤",
    title_en="Findings",
    model=FindingIn,
    mode=ModelMode(
        fields=FIELDS,
        list_columns=(),
        list_rows=lambda session: service.list_findings(session),
        create=_create,
        import_rows=_import,
        import_help="Columns: remark no, requirement ID, title, severity, owner, due date.",
        own_list_page=True,
    ),
)
