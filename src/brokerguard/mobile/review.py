"""Lab-report review (A6.3.3.3) against the rules' appendix test-item checklist.

The checklist is data the firm imports (CSV/XLSX, columns 檢測項目, 編號,
資訊安全技術要求事項, 技術要求, L1, L2, L3, F). A reviewer walks a lab report item
by item (present / consistent / missing); every missing item opens a finding in
the findings service, tracked to closure; the review is completed only when every
item applying to the tested level has an outcome.
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.findings.service import open_finding
from brokerguard.mobile.models import (
    MobileChecklistItem,
    MobileLabTest,
    MobileReportReview,
    MobileReviewItem,
)
from brokerguard.tabular import Column, ImportMode, parse_bool, read_table, text

FINDING_SOURCE = "mobile.report_review"
MAX_NOTE = 2000


class Outcome(StrEnum):
    present = "present"  # the report covers the item
    consistent = "consistent"  # covered and the content matches the requirement
    missing = "missing"  # not covered: becomes a finding


CHECKLIST_COLUMNS = (
    Column("category", ("檢測項目", "category"), parse=text(255)),
    Column("item_no", ("編號", "item_no", "no"), parse=text(32)),
    Column("requirement", ("資訊安全技術要求事項", "requirement"), parse=text(2000)),
    Column("technical_requirement", ("技術要求", "technical_requirement"), parse=text(4000)),
    Column("l1", ("L1",), parse=parse_bool),
    Column("l2", ("L2",), parse=parse_bool),
    Column("l3", ("L3",), parse=parse_bool),
    Column("f", ("F",), parse=parse_bool),
)


def import_checklist(
    session: Session,
    content: bytes,
    filename: str,
    *,
    version: str,
    mode: ImportMode = ImportMode.all_or_nothing,
) -> int:
    """Load (or replace) checklist ``version``; returns the number of items loaded."""
    clean_version = (version or "").strip()
    if not clean_version or len(clean_version) > 64:
        raise ValidationError("name the checklist version (1-64 characters)", field="version")
    result = read_table(content, filename, CHECKLIST_COLUMNS, unique=("item_no",))
    rows = result.accepted(mode)
    if not rows:
        raise ValidationError("the checklist has no items", field="file")
    in_use = session.scalar(
        select(func.count())
        .select_from(MobileReportReview)
        .where(MobileReportReview.checklist_version == clean_version)
    )
    if in_use:
        raise ConflictError(
            f"checklist {clean_version} is used by {in_use} review(s); import a new version",
            field="version",
        )
    session.execute(delete(MobileChecklistItem).where(MobileChecklistItem.version == clean_version))
    for position, row in enumerate(rows):
        session.add(MobileChecklistItem(version=clean_version, position=position, **row))
    session.flush()
    return len(rows)


def checklist_versions(session: Session) -> list[str]:
    return list(session.scalars(select(MobileChecklistItem.version).distinct()))


def checklist(
    session: Session, version: str, level: str | None = None
) -> list[MobileChecklistItem]:
    rows = list(
        session.scalars(
            select(MobileChecklistItem)
            .where(MobileChecklistItem.version == version)
            .order_by(MobileChecklistItem.position)
        )
    )
    if level is None:
        return rows
    attr = level.lower()
    return [r for r in rows if getattr(r, attr, False)]


def start_review(
    session: Session,
    clock: Clock,
    test: MobileLabTest,
    *,
    checklist_version: str,
    reviewer: str,
    level: str | None = None,
) -> MobileReportReview:
    chosen = level or test.level
    if chosen not in ("L1", "L2", "L3"):
        raise ValidationError("level must be L1, L2 or L3", field="level")
    if not checklist(session, checklist_version):
        raise NotFoundError(
            f"no checklist version {checklist_version!r}", field="checklist_version"
        )
    row = MobileReportReview(
        lab_test_id=test.id,
        checklist_version=checklist_version,
        level=chosen,
        reviewer=reviewer,
        status="open",
        summary="",
        started_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def get_review(session: Session, review_id: str) -> MobileReportReview:
    row = session.get(MobileReportReview, review_id)
    if row is None:
        raise NotFoundError(f"no review {review_id!r}", field="review")
    return row


def review_items(session: Session, review: MobileReportReview) -> dict[str, MobileReviewItem]:
    rows = session.scalars(select(MobileReviewItem).where(MobileReviewItem.review_id == review.id))
    return {r.item_no: r for r in rows}


def record_item(
    session: Session,
    clock: Clock,
    review: MobileReportReview,
    *,
    item_no: str,
    outcome: str,
    actor: str,
    note: str = "",
) -> MobileReviewItem:
    if review.status != "open":
        raise ConflictError("the review is completed", field="review")
    try:
        value = Outcome(outcome)
    except ValueError:
        raise ValidationError(
            f"outcome must be one of {[o.value for o in Outcome]}", field="outcome"
        ) from None
    items = {i.item_no: i for i in checklist(session, review.checklist_version, review.level)}
    item = items.get((item_no or "").strip())
    if item is None:
        raise ValidationError(
            f"item {item_no!r} is not in checklist {review.checklist_version} at {review.level}",
            field="item_no",
        )
    clean_note = (note or "").strip()
    if len(clean_note) > MAX_NOTE:
        raise ValidationError(f"note is longer than {MAX_NOTE} characters", field="note")
    existing = review_items(session, review).get(item.item_no)
    row = existing or MobileReviewItem(review_id=review.id, item_no=item.item_no)
    row.outcome = value.value
    row.note = clean_note
    row.recorded_at = clock.now()
    row.recorded_by = actor
    if value is Outcome.missing and row.finding_id is None:
        test = session.get(MobileLabTest, review.lab_test_id)
        finding = open_finding(
            session,
            clock,
            requirement_id="A6.3.3.3",
            title=f"檢測報告缺少檢測項目 {item.item_no}：{item.requirement[:120]}",
            source=FINDING_SOURCE,
            source_ref=f"{review.id}:{item.item_no}",
            description=(
                f"Lab report by {test.lab if test else '?'} lacks checklist item {item.item_no} "
                f"({item.category}). {clean_note}"
            ).strip(),
            severity="medium",
        )
        row.finding_id = finding.id
    if existing is None:
        session.add(row)
    session.flush()
    return row


def complete_review(
    session: Session,
    clock: Clock,
    review: MobileReportReview,
    *,
    summary: str,
    settings: Settings | None = None,
) -> MobileReportReview:
    """Close the review once every item of its level has an outcome.

    With ``settings``, the review (one CSV line per item) is kept as a
    ``review_record`` evidence file against A6.3.3.3.
    """
    if review.status != "open":
        raise ConflictError("the review is already completed", field="review")
    wanted = [i.item_no for i in checklist(session, review.checklist_version, review.level)]
    done = review_items(session, review)
    left = [n for n in wanted if n not in done]
    if left:
        raise ValidationError(
            f"{len(left)} item(s) have no outcome yet: {', '.join(left[:10])}", field="items"
        )
    review.status = "completed"
    review.summary = (summary or "").strip()[:MAX_NOTE]
    review.completed_at = clock.now()
    session.flush()
    if settings is not None:
        _store_record(session, clock, settings, review, done)
    return review


def _store_record(
    session: Session,
    clock: Clock,
    settings: Settings,
    review: MobileReportReview,
    done: dict[str, MobileReviewItem],
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["編號", "檢測項目", "資訊安全技術要求事項", "審閱結果", "備註", "缺失編號"])
    for item in checklist(session, review.checklist_version, review.level):
        row = done[item.item_no]
        writer.writerow(
            [item.item_no, item.category, item.requirement, row.outcome, row.note, row.finding_id]
        )
    writer.writerow([])
    writer.writerow(["審閱人", review.reviewer, "完成時間", review.completed_at, review.summary])
    store_evidence(
        session,
        clock,
        settings,
        content=buffer.getvalue().encode("utf-8-sig"),
        filename=f"lab-report-review-{review.id[:8]}.csv",
        title=f"檢測報告覆核紀錄 {review.checklist_version} {review.level}",
        requirement_ids=["A6.3.3.3"],
        kind="review_record",
        uploaded_by=review.reviewer,
    )


def reviews_of(session: Session, test: MobileLabTest) -> list[MobileReportReview]:
    return list(
        session.scalars(
            select(MobileReportReview)
            .where(MobileReportReview.lab_test_id == test.id)
            .order_by(MobileReportReview.started_at)
        )
    )
