"""Ways findings come in and go out besides :func:`open_finding` by hand.

- from a form or the JSON API, with a generated reference when none is given;
- from a failed (or erroring) check of the latest full assessment run;
- from an inspection's remarks (查核意見), imported as CSV/XLSX;
- exported as CSV/XLSX for the improvement-tracking report (缺失改善追蹤表).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import Status
from brokerguard.assessment.service import latest_snapshot
from brokerguard.clock import Clock, parse_date
from brokerguard.config import Settings
from brokerguard.errors import BrokerguardError, ConflictError, NotFoundError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.findings.forms import FindingIn
from brokerguard.findings.schemas import FindingRecord, FindingStatus, Severity
from brokerguard.findings.service import close_finding, get_finding, list_findings, open_finding
from brokerguard.inputs import InputModel
from brokerguard.registerkit.model_rows import ImportOutcome, load_rows
from brokerguard.registerkit.spec import table_file
from brokerguard.rulebook import require_known
from brokerguard.tabular import (
    Column,
    ImportMode,
    RowError,
    parse_optional_date,
    read_table,
    text,
)
from brokerguard.textpolicy import MultilineText

FAILED = (Status.failed, Status.error)


def open_from_input(session: Session, clock: Clock, data: FindingIn) -> FindingRecord:
    return open_finding(
        session,
        clock,
        requirement_id=data.requirement_id,
        title=data.title,
        source=data.source.value,
        source_ref=data.source_ref or f"{data.source.value}:{uuid.uuid4()}",
        description=data.description,
        owner=data.owner,
        due_date=data.due_date,
        severity=data.severity.value,
    )


def finding_from_check(
    session: Session,
    clock: Clock,
    *,
    check_id: str,
    requirement_id: str | None = None,
    owner: str = "",
    due_date: date | None = None,
    severity: str = "medium",
) -> FindingRecord:
    """Open a finding for a check that failed in the latest full assessment run.

    Idempotent while the finding is open: the source reference is the check and
    requirement, so later runs that fail again do not duplicate it.
    """
    snapshot = latest_snapshot(session)
    if snapshot is None:
        raise NotFoundError("no assessment has been run yet", field="check_id")
    outcome = next((c for c in snapshot.checks if c.check_id == check_id), None)
    if outcome is None:
        raise NotFoundError(
            f"check {check_id!r} is not in the latest assessment run", field="check_id"
        )
    if outcome.status not in FAILED:
        raise ConflictError(
            f"check {check_id!r} did not fail in the latest run (status {outcome.status.value})",
            field="check_id",
        )
    requirement = requirement_id or outcome.requirement_ids[0]
    if requirement not in outcome.requirement_ids:
        raise ValidationError(
            f"check {check_id!r} proves {', '.join(outcome.requirement_ids)}, not {requirement}",
            field="requirement_id",
        )
    evidence = "\n".join(outcome.evidence)
    return open_finding(
        session,
        clock,
        requirement_id=requirement,
        title=f"{outcome.title_zh}（{outcome.status.label_zh}）",
        source="check",
        source_ref=f"{check_id}@{requirement}",
        description=f"{outcome.reason_zh}\n{outcome.reason_en}"
        + (f"\n{evidence}" if evidence else "")
        + f"\nrun {snapshot.run_id}",
        owner=owner,
        due_date=due_date,
        severity=severity,
    )


def findings_from_check_form(
    session: Session,
    clock: Clock,
    check_ids: list[str],
    *,
    requirement_id: str = "",
    owner: str = "",
    due_date: str = "",
    severity: str = "medium",
) -> list[FindingRecord]:
    """A finding for each chosen failed check, from a web form's text fields.

    Every field is judged before anything is written; a refused check refuses them all
    (the caller rolls back). Raises :class:`BrokerguardError` naming the field.
    """
    chosen = list(dict.fromkeys(c.strip() for c in check_ids if c.strip()))
    if not chosen:
        raise ValidationError("choose at least one failed check", field="check_ids")
    if any(len(c) > 128 for c in chosen):
        raise ValidationError("a check ID is longer than 128 characters", field="check_ids")
    owner = owner.strip()
    if len(owner) > 128:
        raise ValidationError("the owner is longer than 128 characters", field="owner")
    if severity not in {s.value for s in Severity}:
        raise ValidationError("severity is low, medium, high or critical", field="severity")
    try:
        due = parse_date(due_date) if due_date.strip() else None
    except ValueError as exc:
        raise ValidationError(str(exc), field="due_date") from None
    return [
        finding_from_check(
            session,
            clock,
            check_id=check_id,
            requirement_id=requirement_id or None,
            owner=owner,
            due_date=due,
            severity=severity,
        )
        for check_id in chosen
    ]


def failed_checks(session: Session) -> list[dict[str, Any]]:
    """The failed or erroring checks of the latest full run, for a "create finding" list."""
    snapshot = latest_snapshot(session)
    if snapshot is None:
        return []
    return [
        {
            "check_id": c.check_id,
            "requirement_ids": list(c.requirement_ids),
            "title_zh": c.title_zh,
            "title_en": c.title_en,
            "status": c.status.value,
            "reason_zh": c.reason_zh,
            "reason_en": c.reason_en,
        }
        for c in snapshot.checks
        if c.status in FAILED
    ]


class RemarkIn(InputModel):
    """One inspection remark (查核意見) to track as a finding."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    remark_no: str = Field(min_length=1, max_length=128)
    requirement_id: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=255)
    description: MultilineText = Field(default="", max_length=8000)
    severity: Severity = Severity.medium
    owner: str = Field(default="", max_length=128)
    due_date: date | None = None
    source: str = Field(default="inspection", min_length=1, max_length=64)

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> object:
        aliases = {
            "低": "low",
            "中": "medium",
            "高": "high",
            "重大": "critical",
            "嚴重": "critical",
        }
        if isinstance(value, str):
            return aliases.get(value.strip(), value.strip().lower())
        return value


REMARK_COLUMNS: tuple[Column, ...] = (
    Column("remark_no", ("意見編號", "remark no", "remark", "no", "reference"), parse=text(128)),
    Column("requirement_id", ("條文編號", "requirement id", "requirement"), parse=text(32)),
    Column("title", ("缺失摘要", "title", "finding"), parse=text(255)),
    Column("description", ("說明", "description"), required=False, parse=text(4000), default=""),
    Column("severity", ("嚴重度", "severity"), required=False, parse=text(16), default="medium"),
    Column(
        "owner", ("負責單位", "owner", "responsible"), required=False, parse=text(128), default=""
    ),
    Column("due_date", ("改善期限", "due date", "due"), required=False, parse=parse_optional_date),
    Column("source", ("來源", "source"), required=False, parse=text(64), default="inspection"),
)

EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("id", ("編號", "id")),
    Column("requirement_id", ("條文編號", "requirement id")),
    Column("title", ("缺失摘要", "title")),
    Column("description", ("說明", "description")),
    Column("source", ("來源", "source")),
    Column("source_ref", ("來源參考", "source ref")),
    Column("severity", ("嚴重度", "severity")),
    Column("owner", ("負責單位", "owner")),
    Column("due_date", ("改善期限", "due date")),
    Column("plan", ("改善計畫", "plan")),
    Column("status", ("狀態", "status")),
    Column("overdue", ("逾期", "overdue")),
    Column("closed_at", ("結案時間", "closed at")),
    Column("closed_by", ("結案人", "closed by")),
    Column("closing_note", ("結案說明", "closing note")),
    Column("closing_evidence", ("結案佐證", "closing evidence")),
)


def import_remarks(
    session: Session, clock: Clock, content: bytes, filename: str, *, mode: ImportMode
) -> ImportOutcome:
    """Inspection remarks as findings (source ``inspection``, reference the remark number)."""
    result = read_table(content, filename, REMARK_COLUMNS, unique=("remark_no",))

    def conflicts(valid: list[tuple[int, RemarkIn]]) -> list[RowError]:
        errors = []
        for line, item in valid:
            try:
                require_known(item.requirement_id)
            except BrokerguardError as exc:
                errors.append(RowError(line, "requirement_id", exc.message))
        return errors

    def store(items: list[RemarkIn]) -> None:
        for item in items:
            open_finding(
                session,
                clock,
                requirement_id=item.requirement_id,
                title=item.title,
                source=item.source,
                source_ref=item.remark_no,
                description=item.description,
                owner=item.owner,
                due_date=item.due_date,
                severity=item.severity.value,
            )

    return load_rows(result, RemarkIn, mode, conflicts, store)


def export_findings(session: Session, fmt: str, today: date) -> bytes:
    rows = []
    for record in list_findings(session, limit=100_000):
        data = record.model_dump()
        data["overdue"] = record.is_overdue(today)
        data["closed_at"] = record.closed_at.isoformat() if record.closed_at else ""
        rows.append(data)
    return table_file(EXPORT_COLUMNS, rows, fmt, "Findings")[0]


EVIDENCE_REF_RE = re.compile(r"^evidence:sha256:[0-9a-f]{64}$")


def check_evidence_reference(reference: str | None) -> str | None:
    """A closing-evidence reference must be ``evidence:sha256:<64 hex>`` (or absent)."""
    if reference is None or not reference.strip():
        return None
    value = reference.strip()
    if not EVIDENCE_REF_RE.match(value):
        raise ValidationError(
            "closing evidence must be a reference like evidence:sha256:<64 hex digits>",
            field="closing_evidence",
        )
    return value


def close_with_file(
    session: Session,
    clock: Clock,
    settings: Settings,
    finding_id: str,
    *,
    closed_by: str,
    note: str,
    content: bytes,
    filename: str,
) -> FindingRecord:
    """Store the closing evidence (linked to the finding's requirement) and close the finding."""
    finding = get_finding(session, finding_id)
    if not note.strip():
        raise ValidationError("say how the finding was resolved", field="note")
    record = store_evidence(
        session,
        clock,
        settings,
        content=content,
        filename=filename,
        title=f"缺失改善佐證：{finding.title}"[:255],
        requirement_ids=[finding.requirement_id],
        kind="finding_closure",
        uploaded_by=closed_by,
    )
    return close_finding(
        session,
        clock,
        finding_id,
        closed_by=closed_by,
        note=note,
        closing_evidence=record.reference,
    )


def search_findings(
    session: Session,
    today: date,
    *,
    status: FindingStatus | None = None,
    overdue_only: bool = False,
    requirement_id: str | None = None,
) -> list[FindingRecord]:
    """Findings filtered by status, requirement and whether they are overdue."""
    records = list_findings(session, limit=100_000)
    if status is not None:
        records = [r for r in records if r.status is status]
    if requirement_id:
        records = [r for r in records if r.requirement_id == requirement_id]
    if overdue_only:
        records = [r for r in records if r.is_overdue(today)]
    return records
