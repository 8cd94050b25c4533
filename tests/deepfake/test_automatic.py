"""Approval needs an automatic pass or a second reviewer's override; analyses are evidence."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.deepfake import automatic, service
from brokerguard.deepfake.analysis.pipeline import AnalysisReport, analyse_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.checks import video_sessions_analysed, video_sessions_strengthened
from brokerguard.deepfake.evidence import approve_and_keep
from brokerguard.deepfake.models import VideoAnalysis, VideoSession
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import ConflictError, PermissionDeniedError, ValidationError
from brokerguard.evidence.service import evidence_for
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.deepfake.conftest import SCHEDULE, ClipMaker
from tests.deepfake.test_service import complete_steps

CFG = DeepfakeSettings()


@cache
def real_report(recording: Path, id_photo: Path) -> AnalysisReport:
    """The real analyser, run once per clip for both databases."""
    return analyse_recording(recording, SCHEDULE, id_photo, CFG)


def cached_analyser(
    recording: Path, schedule: Sequence[ScheduledChallenge], id_photo: Path, cfg: DeepfakeSettings
) -> AnalysisReport:
    assert list(schedule) == SCHEDULE  # the session's own schedule reached the analyser
    return real_report(recording, id_photo)


def start(session: Session, clock: FixedClock) -> VideoSession:
    return service.start_session(
        session,
        clock,
        customer_ref="9801-654321",
        purpose="account_opening",
        operator="op-amy",
        schedule=SCHEDULE,
    )


def steps_without_analysis(session: Session, clock: FixedClock, row: VideoSession) -> None:
    complete_steps(session, clock, row)
    row.analysis_override_by = None  # complete_steps documents an override; undo it here
    session.flush()


def test_approval_needs_an_analysis_or_an_override(session: Session, clock: FixedClock) -> None:
    row = start(session, clock)
    steps_without_analysis(session, clock, row)
    assert service.missing_steps(row) == ["analysis"]
    with pytest.raises(ValidationError) as caught:
        service.approve(session, clock, row.id, reviewer="rev-ben")
    assert caught.value.field == "analysis"
    with pytest.raises(PermissionDeniedError):
        service.override_analysis(
            session, clock, row.id, actor="op-amy", note="看過錄影，確認是本人無誤"
        )
    with pytest.raises(ValidationError, match="10 characters"):
        service.override_analysis(session, clock, row.id, actor="rev-ben", note="ok")
    service.override_analysis(
        session, clock, row.id, actor="sec-carol", note="錄影存於外部平台，已人工檢視並比對證件"
    )
    with pytest.raises(PermissionDeniedError, match="overrode"):
        service.approve(session, clock, row.id, reviewer="sec-carol")
    approved = service.approve(session, clock, row.id, reviewer="rev-ben")
    assert approved.status == "approved"
    summary = service.session_summary(approved)
    assert summary["analysis_override_by"] == "sec-carol"
    assert summary["schedule"] == [c.to_dict() for c in SCHEDULE]


def test_check_counts_sessions_approved_without_analysis(
    session: Session, clock: FixedClock
) -> None:
    context = CheckContext(session=session, settings=Settings(), clock=clock)
    assert video_sessions_analysed(context).status is Status.manual
    row = start(session, clock)
    complete_steps(session, clock, row)  # approved on an override, never analysed
    service.approve(session, clock, row.id, reviewer="rev-ben")
    assert video_sessions_strengthened(context).status is Status.passed
    result = video_sessions_analysed(context)
    assert result.status is Status.failed
    assert result.details["unanalysed"] == 1
    assert f"record:deepfake_sessions:{row.id}" in result.evidence


@pytest.mark.slow
def test_an_analysed_session_is_approved_on_its_automatic_pass(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    clips: ClipMaker,
    client: TestClient,
    engine: Engine,
) -> None:
    row = start(session, clock)
    steps_without_analysis(session, clock, row)
    row.recording_sha256 = None  # the recording is the clip, hashed by the analysis
    session.flush()
    recording = clips.clip("rotated_face")
    analysis = automatic.run_analysis(
        session,
        clock,
        settings,
        CFG,
        row.id,
        recording=recording,
        id_photo=clips.photo("astronaut"),
        actor="op-amy",
        analyser=cached_analyser,
    )
    assert analysis.automatic_pass
    assert row.analysis_verdict == "pass"
    digest = hashlib.sha256(recording.read_bytes()).hexdigest()
    assert analysis.recording_sha256 == digest == row.recording_sha256
    versions = json.loads(analysis.model_versions)
    assert {"analyser", "landmarks", "face_embedding", "decoder"} <= set(versions)
    kept = evidence_for(session, "A10.1")
    assert analysis.evidence_ref in {e.reference for e in kept}
    session.commit()
    sign_in(client, engine, clock, Role.auditor, username="aud-dora")
    page = client.get(f"/deepfake/{row.id}").text
    assert "自動分析通過" in page and "具立體視差" in page and "mediapipe" in page
    assert analysis.recording_sha256 in page
    approved = approve_and_keep(session, clock, settings, row.id, reviewer="rev-ben")
    assert approved.status == "approved"
    context = CheckContext(session=session, settings=Settings(), clock=clock)
    assert video_sessions_analysed(context).status is Status.passed


@pytest.mark.slow
def test_a_failed_analysis_blocks_approval_until_overridden(
    session: Session, clock: FixedClock, settings: Settings, clips: ClipMaker
) -> None:
    row = start(session, clock)
    steps_without_analysis(session, clock, row)
    with pytest.raises(ConflictError, match="SHA-256"):  # not the recording on record
        automatic.run_analysis(
            session,
            clock,
            settings,
            CFG,
            row.id,
            recording=clips.clip("still_replay"),
            id_photo=clips.photo("astronaut"),
            actor="op-amy",
            analyser=cached_analyser,
        )
    row.recording_sha256 = None
    session.flush()
    analysis = automatic.run_analysis(
        session,
        clock,
        settings,
        CFG,
        row.id,
        recording=clips.clip("still_replay"),
        id_photo=clips.photo("astronaut"),
        actor="op-amy",
        analyser=cached_analyser,
    )
    assert not analysis.automatic_pass
    assert row.analysis_verdict == "fail"
    assert json.loads(analysis.report)["liveness"] == "fail"
    with pytest.raises(ValidationError) as caught:
        service.approve(session, clock, row.id, reviewer="rev-ben")
    assert caught.value.field == "analysis"
    service.override_analysis(
        session, clock, row.id, actor="sec-carol", note="客戶網路不佳畫面凍結，已改以臨櫃核對"
    )
    assert service.approve(session, clock, row.id, reviewer="rev-ben").status == "approved"
    stored = session.get(VideoAnalysis, analysis.id)
    assert stored is not None and stored.automatic_pass is False  # the override changes nothing


def test_a_session_without_a_schedule_cannot_be_analysed(
    session: Session, clock: FixedClock, settings: Settings, tmp_path: Path
) -> None:
    row = start(session, clock)
    row.schedule = "[]"
    session.flush()
    with pytest.raises(ValidationError, match="no timed challenge schedule"):
        automatic.run_analysis(
            session,
            clock,
            settings,
            CFG,
            row.id,
            recording=tmp_path / "x.mp4",
            id_photo=tmp_path / "x.png",
            actor="op-amy",
            analyser=cached_analyser,
        )
