"""The automatic analysis of a session's recording, stored as A10.1 evidence.

Each run keeps the recording's SHA-256, the model versions and the full report (every
challenge with the measure used, the reasons in zh-TW and English, the thresholds). The
session's ``analysis_verdict`` follows the latest run; an analysis never approves or
rejects by itself: a reviewer still signs off (:func:`brokerguard.deepfake.service.approve`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, as_utc
from brokerguard.config import Settings
from brokerguard.deepfake import service
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge, parse_schedule
from brokerguard.deepfake.models import VideoAnalysis, VideoSession
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import ConfigurationError, ConflictError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.rulebook import load_rulebook

if TYPE_CHECKING:
    from brokerguard.deepfake.analysis.pipeline import AnalysisReport

REQUIREMENT = "A10.1"
KIND = "video_analysis"

Analyser = Callable[[Path, Sequence[ScheduledChallenge], Path, DeepfakeSettings], "AnalysisReport"]


def video_extra_missing(error: ImportError) -> ConfigurationError:
    return ConfigurationError(
        f"the video analyser needs the 'video' extra ({error.name} is missing): "
        "pip install 'brokerguard[video]'"
    )


def default_analyser() -> Analyser:
    try:
        from brokerguard.deepfake.analysis.pipeline import analyse_recording
    except ImportError as error:
        raise video_extra_missing(error) from None
    return analyse_recording


def session_schedule(row: VideoSession) -> list[ScheduledChallenge]:
    data = json.loads(row.schedule or "[]")
    if not data:
        raise ValidationError(
            "the session has no timed challenge schedule (it was started before automatic "
            "analysis); a second reviewer can document an override instead",
            field="schedule",
        )
    return parse_schedule(data)


def analysis_record(row: VideoSession, analysis: VideoAnalysis) -> bytes:
    data = {
        "record": "automatic video identity analysis (A10.1)",
        "session_id": row.id,
        "customer_ref": row.customer_ref,
        "analysis_id": analysis.id,
        "analysed_at": as_utc(analysis.analysed_at).isoformat(),
        "analysed_by": analysis.analysed_by,
        "schedule": json.loads(row.schedule or "[]"),
        "report": json.loads(analysis.report),
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def run_analysis(
    session: Session,
    clock: Clock,
    settings: Settings,
    cfg: DeepfakeSettings,
    session_id: str,
    *,
    recording: Path,
    id_photo: Path,
    actor: str,
    analyser: Analyser | None = None,
) -> VideoAnalysis:
    """Analyse the session's recording against its own schedule and keep the result.

    When a SHA-256 was already recorded for the session, the file analysed must be that
    recording; otherwise its digest becomes the session's recording digest.
    """
    row = service.in_progress(session, session_id)
    who = actor.strip()
    if not who or len(who) > 128:
        raise ValidationError("actor is required (at most 128 characters)", field="actor")
    schedule = session_schedule(row)
    report = (analyser or default_analyser())(recording, schedule, id_photo, cfg)
    if row.recording_sha256 and row.recording_sha256 != report.recording_sha256:
        raise ConflictError(
            "this file is not the recording whose SHA-256 the session recorded",
            field="recording",
        )
    service.set_recording(row, report.recording_sha256, recording.stat().st_size)
    return record_analysis(
        session, clock, settings, row, report, recording_bytes=recording.stat().st_size, actor=who
    )


def record_analysis(
    session: Session,
    clock: Clock,
    settings: Settings,
    row: VideoSession,
    report: AnalysisReport,
    *,
    recording_bytes: int,
    actor: str,
) -> VideoAnalysis:
    """Keep ``report`` (the analysis of the session's recording) and file it under A10.1;
    the session's verdict follows it."""
    data = report.to_dict()
    analysis = VideoAnalysis(
        session_id=row.id,
        analysed_at=clock.now(),
        analysed_by=actor,
        recording_sha256=report.recording_sha256,
        recording_bytes=recording_bytes,
        liveness=report.liveness,
        replay_suspected=report.replay_suspected,
        face_match_distance=report.face_match.distance,
        same_person=report.face_match.same_person,
        automatic_pass=report.automatic_pass,
        model_versions=json.dumps(report.model_versions, sort_keys=True),
        report=json.dumps(data, ensure_ascii=False, sort_keys=True),
    )
    session.add(analysis)
    session.flush()
    if REQUIREMENT in load_rulebook():
        stored = store_evidence(
            session,
            clock,
            settings,
            content=analysis_record(row, analysis),
            filename=f"video-analysis-{analysis.id}.json",
            title=f"視訊身分核驗自動分析 {row.customer_ref}（{report.liveness}）",
            requirement_ids=[REQUIREMENT],
            kind=KIND,
            uploaded_by=actor,
            owner=actor,
        )
        analysis.evidence_ref = stored.reference
    row.analysis_verdict = service.ANALYSIS_PASS if report.automatic_pass else service.ANALYSIS_FAIL
    row.analysis_id = analysis.id
    session.flush()
    return analysis


def analyses_of(session: Session, session_id: str) -> list[VideoAnalysis]:
    return list(
        session.scalars(
            select(VideoAnalysis)
            .where(VideoAnalysis.session_id == session_id)
            .order_by(VideoAnalysis.analysed_at.desc())
        )
    )


def analysis_summary(analysis: VideoAnalysis) -> dict[str, Any]:
    return {
        "id": analysis.id,
        "analysed_at": as_utc(analysis.analysed_at).isoformat(),
        "analysed_by": analysis.analysed_by,
        "recording_sha256": analysis.recording_sha256,
        "automatic_pass": analysis.automatic_pass,
        "model_versions": json.loads(analysis.model_versions),
        "report": json.loads(analysis.report),
        "evidence_ref": analysis.evidence_ref,
    }
