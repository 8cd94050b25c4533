from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import (
    PayloadTooLargeError,
    UnknownRequirementError,
    UnsupportedMediaError,
    ValidationError,
)
from brokerguard.evidence.models import EvidenceItem
from brokerguard.evidence.service import (
    evidence_content,
    evidence_for,
    file_store,
    store_evidence,
    verify_files,
)

PDF = b"%PDF-1.7\n% demo lab report\n"


def _store(session: Session, clock: FixedClock, settings: Settings, **overrides: object) -> object:
    args: dict[str, object] = {
        "content": PDF,
        "filename": "lab-report.pdf",
        "title": "2026 年度 APP 檢測報告",
        "requirement_ids": ["A9.7"],
        "kind": "lab_report",
        "uploaded_by": "tester",
    }
    args.update(overrides)
    return store_evidence(session, clock, settings, **args)  # type: ignore[arg-type]


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EvidenceItem)) or 0


def test_store_is_content_addressed(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    record = store_evidence(
        session,
        clock,
        settings,
        content=PDF,
        filename="report.pdf",
        title="報告",
        requirement_ids=["A9.7", "A9.8"],
        kind="lab_report",
        uploaded_by="alice",
        owner="王小明",
        unit="資安專責單位",
        valid_until=date(2027, 11, 26),
    )
    digest = hashlib.sha256(PDF).hexdigest()
    assert record.sha256 == digest
    assert record.reference == f"evidence:sha256:{digest}"
    assert record.requirement_ids == ["A9.7", "A9.8"]
    assert file_store(settings).path_for(digest).read_bytes() == PDF
    assert [r.id for r in evidence_for(session, "A9.8")] == [record.id]
    _, content = evidence_content(session, settings, record.id)
    assert content == PDF


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"content": b""}, ValidationError, "file"),
        ({"filename": "../../etc/passwd.pdf"}, ValidationError, "filename"),
        ({"filename": "..\\evil.pdf"}, ValidationError, "filename"),
        ({"filename": "/abs/x.pdf"}, ValidationError, "filename"),
        ({"filename": "bad\x07name.pdf"}, ValidationError, "filename"),
        ({"filename": "rtl\u202eevil.pdf"}, ValidationError, "filename"),
        ({"filename": ""}, ValidationError, "filename"),
        ({"filename": "x" * 300 + ".pdf"}, ValidationError, "filename"),
        ({"filename": "script.exe"}, UnsupportedMediaError, "file"),
        ({"filename": "fake.pdf", "content": b"MZ\x90\x00"}, UnsupportedMediaError, "file"),
        ({"filename": "notes.txt", "content": b"abc\x00def"}, UnsupportedMediaError, "file"),
        ({"title": "  "}, ValidationError, "title"),
        ({"kind": "Bad Kind"}, ValidationError, "kind"),
        ({"requirement_ids": []}, ValidationError, "requirement_ids"),
        (
            {"valid_from": date(2026, 1, 2), "valid_until": date(2026, 1, 1)},
            ValidationError,
            "valid_until",
        ),
    ],
)
def test_bad_uploads_store_nothing(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    overrides: dict[str, object],
    error: type[Exception],
    field: str,
) -> None:
    with pytest.raises(error) as info:
        _store(session, clock, settings, **overrides)
    assert getattr(info.value, "field", None) == field
    assert _count(session) == 0
    assert not (Path(settings.data_dir) / "evidence").exists()


def test_oversized_upload_is_refused(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    small = settings.model_copy(update={"upload_max_bytes": 16})
    with pytest.raises(PayloadTooLargeError):
        _store(session, clock, small, content=PDF + b"x" * 32)
    assert _count(session) == 0


def test_unknown_requirement_is_named(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    with pytest.raises(UnknownRequirementError) as info:
        _store(session, clock, settings, requirement_ids=["A9.7", "A42.1"])
    assert "A42.1" in info.value.message
    assert _count(session) == 0


def test_tampered_file_is_detected(session: Session, clock: FixedClock, settings: Settings) -> None:
    record = _store(session, clock, settings)
    path = file_store(settings).path_for(record.sha256)  # type: ignore[attr-defined]
    path.chmod(0o640)
    path.write_bytes(PDF + b"changed")
    assert [r.id for r in verify_files(session, settings)] == [record.id]  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="altered"):
        evidence_content(session, settings, record.id)  # type: ignore[attr-defined]


def test_current_evidence_window(session: Session, clock: FixedClock, settings: Settings) -> None:
    record = _store(session, clock, settings, valid_until=date(2026, 12, 31))
    assert record.is_current(date(2026, 12, 31))  # type: ignore[attr-defined]
    assert not record.is_current(date(2026, 12, 31) + timedelta(days=1))  # type: ignore[attr-defined]
