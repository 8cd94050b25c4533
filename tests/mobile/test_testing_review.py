from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import (
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ValidationError,
)
from brokerguard.evidence.service import evidence_content, evidence_for
from brokerguard.findings.service import close_finding, list_open
from brokerguard.mobile.models import MobileApp, MobileLabTest
from brokerguard.mobile.review import (
    checklist,
    complete_review,
    import_checklist,
    record_item,
    start_review,
)
from brokerguard.mobile.testing import confirm_fixes, lab_test_due, record_test
from brokerguard.staff.roles import Role
from brokerguard.tabular import ImportMode, ImportRejectedError
from tests.mobile.helpers import make_app

HEADER = "檢測項目,編號,資訊安全技術要求事項,技術要求,L1,L2,L3,F\n"
ROWS = (
    "行動應用程式發布安全,4.1.1.1,發布,應於官方市集發布,是,是,是,否\n"
    "敏感性資料保護,4.1.2.1,資料儲存,敏感性資料應加密儲存,是,是,是,否\n"
    "敏感性資料保護,4.1.2.2,資料傳輸,使用 TLS 傳輸,否,是,是,否\n"
)
CSV = (HEADER + ROWS).encode()


def _app(session: Session, clock: FixedClock) -> MobileApp:
    return make_app(session, clock, certs=[])


def _test(
    session: Session, clock: FixedClock, settings: Settings, app: MobileApp, **kw: object
) -> MobileLabTest:
    args: dict[str, object] = {
        "kind": "mas_baseline",
        "lab": "台灣檢驗科技",
        "taf_accreditation_no": "3245",
        "baseline_version": "v4.0",
        "level": "L1",
        "tested_from": date(2026, 9, 1),
        "tested_to": date(2026, 9, 10),
        "report_date": date(2026, 9, 15),
        "result": "pass",
        "actor": "sec-chen",
    }
    args.update(kw)
    return record_test(session, clock, settings, app, **args)  # type: ignore[arg-type]


def test_lab_test_report_is_stored_as_evidence(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    app = _app(session, clock)
    test = _test(session, clock, settings, app, report_file=("report.pdf", b"%PDF-1.7 report"))
    assert test.report_evidence is not None and test.report_evidence.startswith("evidence:sha256:")
    stored = evidence_for(session, "A6.3.3.1")
    assert [e.reference for e in stored] == [test.report_evidence]


def test_yearly_due_date(session: Session, clock: FixedClock, settings: Settings) -> None:
    app = _app(session, clock)
    due = lab_test_due(session, app, date(2026, 11, 26))
    assert due.last is None and due.overdue
    _test(session, clock, settings, app)
    due = lab_test_due(session, app, date(2026, 11, 26))
    assert due.due == date(2027, 9, 15) and not due.overdue
    assert lab_test_due(session, app, date(2027, 9, 16)).overdue


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("kind", {"kind": "pentest"}),
        ("result", {"result": "ok"}),
        ("lab", {"lab": "  "}),
        ("taf_accreditation_no", {"taf_accreditation_no": ""}),
        ("taf_accreditation_no", {"taf_accreditation_no": "ABC-12; DROP"}),
        ("level", {"level": "L4"}),
        ("baseline_version", {"baseline_version": ""}),
        ("tested_to", {"tested_to": date(2026, 8, 1)}),
        ("report_date", {"report_date": date(2026, 8, 1)}),
        ("report_date", {"report_date": date(2027, 1, 1)}),
    ],
)
def test_lab_test_validation(
    session: Session, clock: FixedClock, settings: Settings, field: str, changes: dict[str, object]
) -> None:
    app = _app(session, clock)
    with pytest.raises(ValidationError) as caught:
        _test(session, clock, settings, app, **changes)
    assert caught.value.field == field


def test_oversized_report_refused(session: Session, clock: FixedClock, settings: Settings) -> None:
    app = _app(session, clock)
    small = settings.model_copy(update={"upload_max_bytes": 10})
    with pytest.raises(PayloadTooLargeError):
        _test(session, clock, small, app, report_file=("report.pdf", b"%PDF-" + b"x" * 100))


def test_security_unit_confirms_fixes(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    app = _app(session, clock)
    test = _test(session, clock, settings, app)
    with pytest.raises(PermissionDeniedError):
        confirm_fixes(session, clock, test, actor="comp", roles={Role.compliance, Role.admin})
    confirm_fixes(session, clock, test, actor="sec-chen", roles={Role.security})
    assert test.fixes_confirmed_by == "sec-chen"
    with pytest.raises(ConflictError):
        confirm_fixes(session, clock, test, actor="sec-chen", roles={Role.security})


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (HEADER + ROWS).strip().split("\n"):
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content"), [("items.csv", CSV), ("items.xlsx", _xlsx())])
def test_checklist_import(session: Session, name: str, content: bytes) -> None:
    assert import_checklist(session, content, name, version="v4.0") == 3
    items = checklist(session, "v4.0")
    assert [i.item_no for i in items] == ["4.1.1.1", "4.1.2.1", "4.1.2.2"]
    assert [i.item_no for i in checklist(session, "v4.0", "L1")] == ["4.1.1.1", "4.1.2.1"]
    assert items[0].category == "行動應用程式發布安全" and items[0].l1 and not items[0].f


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", ValidationError),
        (b"\xff\xfe\x00garbage", ValidationError),
        ("編號,技術要求\n1,x\n".encode(), ValidationError),
        ((HEADER + "a,1,b,c,maybe,是,是,否\n").encode(), ImportRejectedError),
        ((HEADER + "a,1,b,c,是,是,是,否\na,1,b,c,是,是,是,否\n").encode(), ImportRejectedError),
        (HEADER.encode(), ValidationError),
    ],
)
def test_checklist_import_bad_input(
    session: Session, content: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        import_checklist(session, content, "items.csv", version="v4.0")
    assert checklist(session, "v4.0") == []


def test_checklist_needs_version(session: Session) -> None:
    with pytest.raises(ValidationError):
        import_checklist(session, CSV, "items.csv", version=" ")


def test_checklist_valid_rows_mode(session: Session) -> None:
    content = (HEADER + ROWS + "a,9,b,c,maybe,是,是,否\n").encode()
    count = import_checklist(
        session, content, "items.csv", version="v4.0", mode=ImportMode.valid_rows
    )
    assert count == 3


def test_review_walk_missing_items_become_findings(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    app = _app(session, clock)
    test = _test(session, clock, settings, app)
    import_checklist(session, CSV, "items.csv", version="v4.0")
    review = start_review(session, clock, test, checklist_version="v4.0", reviewer="sec-chen")
    assert review.level == "L1"
    record_item(session, clock, review, item_no="4.1.1.1", outcome="consistent", actor="sec")
    with pytest.raises(ValidationError):
        complete_review(session, clock, review, summary="done")
    item = record_item(
        session, clock, review, item_no="4.1.2.1", outcome="missing", actor="sec",
        note="報告未涵蓋加密儲存",
    )  # fmt: skip
    assert item.finding_id is not None
    open_findings = list_open(session, "A6.3.3.3")
    assert [f.id for f in open_findings] == [item.finding_id]
    again = record_item(session, clock, review, item_no="4.1.2.1", outcome="missing", actor="s")
    assert again.finding_id == item.finding_id
    assert len(list_open(session, "A6.3.3.3")) == 1
    with pytest.raises(ValidationError):
        record_item(session, clock, review, item_no="4.1.2.2", outcome="present", actor="s")
    with pytest.raises(ValidationError):
        record_item(session, clock, review, item_no="4.1.1.1", outcome="maybe", actor="s")
    complete_review(session, clock, review, summary="一項缺漏已開立追蹤", settings=settings)
    assert review.status == "completed"
    records = evidence_for(session, "A6.3.3.3")
    assert [r.kind for r in records] == ["review_record"]
    content = evidence_content(session, settings, records[0].id)[1].decode("utf-8-sig")
    assert "4.1.2.1,敏感性資料保護,資料儲存,missing" in content
    assert str(item.finding_id) in content
    with pytest.raises(ConflictError):
        record_item(session, clock, review, item_no="4.1.1.1", outcome="present", actor="s")
    close_finding(session, clock, item.finding_id, closed_by="sec", note="實驗室補充報告")
    assert list_open(session, "A6.3.3.3") == []
    with pytest.raises(ConflictError):
        import_checklist(session, CSV, "items.csv", version="v4.0")


def test_review_needs_known_checklist(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    app = _app(session, clock)
    test = _test(session, clock, settings, app)
    with pytest.raises(NotFoundError):
        start_review(session, clock, test, checklist_version="none", reviewer="s")
    with pytest.raises(ValidationError):
        start_review(session, clock, test, checklist_version="none", reviewer="s", level="L9")
