"""The analyser behind the pluggable :class:`~brokerguard.deepfake.detector.DeepfakeDetector`."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from brokerguard.deepfake.analysis.pipeline import analyse_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.detector import DetectorResult
from brokerguard.deepfake.settings import DeepfakeSettings


class ChallengeAnalysisDetector:
    """Scores a recording against one session's schedule and ID photo.

    Score 1.0 when a replay (photo or screen) is suspected, 0.0 on an automatic pass, and
    no score otherwise (liveness or face match failed without a replay cue: a person
    must look).
    """

    name = "brokerguard-video-analysis"

    def __init__(
        self, schedule: Sequence[ScheduledChallenge], id_photo: Path, cfg: DeepfakeSettings
    ) -> None:
        self.schedule = list(schedule)
        self.id_photo = id_photo
        self.cfg = cfg

    def assess(self, recording: bytes) -> DetectorResult:
        with tempfile.TemporaryDirectory(prefix="brokerguard-video-") as folder:
            path = Path(folder) / "recording"
            path.write_bytes(recording)
            report = analyse_recording(path, self.schedule, self.id_photo, self.cfg)
        note = "; ".join(r.en for r in report.reasons)[:2000]
        if report.replay_suspected:
            return DetectorResult(1.0, note)
        if report.automatic_pass:
            return DetectorResult(0.0, note)
        return DetectorResult(None, note)
